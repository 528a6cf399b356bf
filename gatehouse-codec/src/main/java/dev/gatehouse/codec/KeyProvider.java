package dev.gatehouse.codec;

/**
 * Service provider interface for key-encryption keys held by a KMS or HSM (envelope encryption).
 *
 * <p>In envelope mode the codec draws a fresh random 256-bit data key once per period, asks the provider to wrap
 * it, encrypts payloads with the data key and carries the wrapped data key in each payload's metadata. Decoding
 * asks the provider to unwrap a data key the first time it is seen and caches the result, so the KMS is called once
 * per period on the encoding side and once per data key on the decoding side, never per payload.
 *
 * <p>Implementations must be thread-safe. They may block (network calls). Any runtime exception they throw makes
 * the codec fail the payload with {@link EncryptionCodecException.Reason#KEY_PROVIDER_FAILED}; exception messages
 * must not contain key material. Typical mappings: AWS KMS {@code Encrypt}/{@code Decrypt} (or
 * {@code GenerateDataKey}), Google Cloud KMS {@code encrypt}/{@code decrypt}, Vault Transit {@code encrypt}/{@code
 * decrypt}, PKCS#11 {@code C_WrapKey}/{@code C_UnwrapKey}.
 */
public interface KeyProvider {

  /**
   * Id of the key-encryption key that wraps new data keys. It is recorded in the {@code encryption-key-id} metadata
   * and must be a valid {@link Key} id. Read once per data-key period, so a rotated key-encryption key is used from
   * the next period on.
   */
  String activeKeyId();

  /**
   * Encrypts (wraps) a 32-byte data key under the key-encryption key {@code keyId}.
   *
   * @return the wrapped key, 1 to 1024 bytes, which the codec stores in payload metadata (it is not secret)
   */
  byte[] wrapKey(String keyId, byte[] dataKey);

  /**
   * Decrypts (unwraps) a data key wrapped by {@link #wrapKey} under {@code keyId}. Must throw, never return a wrong
   * key silently, if the wrapped key does not authenticate or {@code keyId} is unknown.
   *
   * @return the 32-byte data key
   */
  byte[] unwrapKey(String keyId, byte[] wrappedKey);

  /**
   * A provider whose key-encryption keys are the keys of a local keyring (AES-256-GCM key wrapping), e.g. when the
   * key-encryption key comes from a keyring file and the data keys should still rotate every period.
   */
  static KeyProvider of(Keyring keyEncryptionKeys) {
    return new KeyringKeyProvider(keyEncryptionKeys);
  }
}
