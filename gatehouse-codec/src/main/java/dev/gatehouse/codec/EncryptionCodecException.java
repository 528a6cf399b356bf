package dev.gatehouse.codec;

import io.temporal.payload.codec.PayloadCodecException;

/**
 * Thrown when the encryption codec refuses a payload or a key source.
 *
 * <p>Messages name key ids and namespaces, never key material or payload data. Decoding fails closed: a payload
 * that does not authenticate, names an unknown key or is malformed is never returned in any form.
 */
public final class EncryptionCodecException extends PayloadCodecException {

  /** Why the codec refused. */
  public enum Reason {
    /** The payload names a key id the keyring does not hold. */
    UNKNOWN_KEY,
    /**
     * The ciphertext did not authenticate: it was modified, truncated inside the ciphertext, copied from another
     * namespace, or its key id metadata was changed.
     */
    AUTHENTICATION_FAILED,
    /** The payload is not a well-formed encrypted payload (missing or invalid metadata, too short). */
    MALFORMED_PAYLOAD,
    /** The payload uses an encryption format this codec does not accept (or was not configured to accept). */
    UNSUPPORTED_FORMAT,
    /** The codec was configured to reject unencrypted payloads and got one. */
    UNENCRYPTED_PAYLOAD,
    /** The {@link KeyProvider} failed to wrap or unwrap a data key, or returned an unusable result. */
    KEY_PROVIDER_FAILED,
    /** A keyring (file, environment or programmatic) is invalid or unsafe to use. */
    INVALID_KEYRING,
    /** The JCE failed to encrypt. */
    ENCRYPTION_FAILED
  }

  private final Reason reason;

  EncryptionCodecException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  EncryptionCodecException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Why the codec refused. */
  public Reason reason() {
    return reason;
  }
}
