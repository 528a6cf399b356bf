package dev.gatehouse.codec;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Wraps data keys with AES-256-GCM under local key-encryption keys: wrapped = nonce(12) ‖ ciphertext(32) ‖ tag(16),
 * with the key-encryption key id as associated data so a wrapped key cannot be presented under another id.
 * Called once per period, so a Cipher per call costs nothing that matters.
 */
final class KeyringKeyProvider implements KeyProvider {

  private static final byte[] AAD_PREFIX = "gatehouse-codec/data-key/v1:".getBytes(StandardCharsets.US_ASCII);
  private static final int NONCE = 12;
  private static final int TAG = 16;

  private final Keyring keyring;
  private final SecureRandom random = new SecureRandom();

  KeyringKeyProvider(Keyring keyring) {
    this.keyring = Objects.requireNonNull(keyring, "keyring");
  }

  @Override
  public String activeKeyId() {
    return keyring.activeKey().id();
  }

  @Override
  public byte[] wrapKey(String keyId, byte[] dataKey) {
    Key kek = kek(keyId);
    byte[] out = new byte[NONCE + dataKey.length + TAG];
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 0, NONCE);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, kek.secret(), new GCMParameterSpec(TAG * 8, out, 0, NONCE));
      cipher.updateAAD(aad(keyId));
      cipher.doFinal(dataKey, 0, dataKey.length, out, NONCE);
      return out;
    } catch (GeneralSecurityException e) {
      throw new EncryptionCodecException(Reason.KEY_PROVIDER_FAILED,
          "cannot wrap a data key under key '" + keyId + "': " + e.getClass().getSimpleName());
    }
  }

  @Override
  public byte[] unwrapKey(String keyId, byte[] wrappedKey) {
    Key kek = kek(keyId);
    if (wrappedKey.length != NONCE + Key.LENGTH + TAG) {
      throw new EncryptionCodecException(Reason.KEY_PROVIDER_FAILED,
          "wrapped data key under key '" + keyId + "' has the wrong length");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, kek.secret(), new GCMParameterSpec(TAG * 8, wrappedKey, 0, NONCE));
      cipher.updateAAD(aad(keyId));
      return cipher.doFinal(wrappedKey, NONCE, wrappedKey.length - NONCE);
    } catch (GeneralSecurityException e) {
      throw new EncryptionCodecException(Reason.KEY_PROVIDER_FAILED,
          "wrapped data key under key '" + keyId + "' does not authenticate");
    }
  }

  private Key kek(String keyId) {
    return keyring.key(keyId).orElseThrow(() -> new EncryptionCodecException(Reason.UNKNOWN_KEY,
        "unknown key encryption key '" + (Key.isValidId(keyId) ? keyId : "?") + "'"));
  }

  private static byte[] aad(String keyId) {
    byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
    byte[] aad = Arrays.copyOf(AAD_PREFIX, AAD_PREFIX.length + id.length);
    System.arraycopy(id, 0, aad, AAD_PREFIX.length, id.length);
    return aad;
  }
}
