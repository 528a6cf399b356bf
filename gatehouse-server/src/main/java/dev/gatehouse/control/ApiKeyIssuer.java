package dev.gatehouse.control;

/**
 * Makes new API keys for the control plane: an id, the token the caller is shown exactly once, and the keyed hash
 * of its secret that the store keeps instead of the secret. The store's {@code ApiKeySecrets} is the implementation
 * Gatehouse wires in.
 */
@FunctionalInterface
public interface ApiKeyIssuer {
  /** A new key; thread-safe. */
  IssuedKey issue();

  /** Keys in the store's format ({@code ghk_<id>_<secret>}), hashed under the installation's secret. */
  static ApiKeyIssuer of(dev.gatehouse.store.ApiKeySecrets secrets) {
    return () -> {
      dev.gatehouse.store.ApiKeySecrets.NewApiKey k = secrets.generate(dev.gatehouse.store.ApiKeySecrets.newKeyId());
      return new IssuedKey(k.keyId(), k.token(), k.secretHash());
    };
  }

  /**
   * A key as issued.
   *
   * @param keyId the key's id
   * @param token the whole key, shown once and never stored
   * @param secretHash the keyed hash of the key's secret, stored with the key
   */
  record IssuedKey(String keyId, String token, byte[] secretHash) {
    @Override
    public String toString() {
      return "IssuedKey[" + keyId + "]";
    }
  }
}
