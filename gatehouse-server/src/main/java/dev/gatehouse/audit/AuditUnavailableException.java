package dev.gatehouse.audit;

/** A record could not be made durable in any sink; in blocking mode the call it belongs to is refused. */
public final class AuditUnavailableException extends RuntimeException {
  public AuditUnavailableException(String message) {
    super(message, null, false, false);
  }
}
