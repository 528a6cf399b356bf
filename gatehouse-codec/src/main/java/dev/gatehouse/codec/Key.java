package dev.gatehouse.codec;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * An AES-256 key and the id recorded in the {@code encryption-key-id} metadata of every payload it encrypts.
 *
 * <p>Ids are 1 to 128 characters from {@code A-Z a-z 0-9 . _ - ~ ! @ : / +}: they travel in payload metadata and
 * error messages, so they must be printable and must not be secret. The secret must be an extractable 32-byte AES
 * key; keys that never leave an HSM or KMS belong behind a {@link KeyProvider} (envelope encryption).
 *
 * <p>{@link #toString()} shows the id only.
 */
public record Key(String id, SecretKey secret) {

  static final int LENGTH = 32;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~!@:/+-]{1,128}");

  public Key {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(secret, "secret");
    if (!isValidId(id)) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING,
          "invalid key id (1-128 characters from A-Z a-z 0-9 . _ - ~ ! @ : / +)");
    }
    if (!"AES".equalsIgnoreCase(secret.getAlgorithm())) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, "key '" + id + "' is not an AES key");
    }
    byte[] encoded = secret.getEncoded();
    try {
      if (encoded == null || encoded.length != LENGTH) {
        throw new EncryptionCodecException(Reason.INVALID_KEYRING,
            "key '" + id + "' must be an extractable 256-bit (32-byte) AES key");
      }
    } finally {
      if (encoded != null) {
        Arrays.fill(encoded, (byte) 0);
      }
    }
  }

  /** A key from 32 bytes of key material; the array is copied, the caller may wipe it afterwards. */
  public static Key of(String id, byte[] material) {
    Objects.requireNonNull(material, "material");
    if (material.length != LENGTH) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING,
          "key '" + (isValidId(id) ? id : "?") + "' must be 32 bytes (AES-256), got " + material.length);
    }
    return new Key(id, new SecretKeySpec(material, "AES"));
  }

  /** A fresh random key, e.g. for tests or to print into a new keyring file. */
  public static Key generate(String id) {
    byte[] material = new byte[LENGTH];
    new SecureRandom().nextBytes(material);
    try {
      return of(id, material);
    } finally {
      Arrays.fill(material, (byte) 0);
    }
  }

  static boolean isValidId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  @Override
  public String toString() {
    return "Key[id=" + id + "]";
  }
}
