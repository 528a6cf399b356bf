package dev.gatehouse.access;

/** A grant operation refused; nothing was changed. The message may be shown to the caller. */
public final class GrantException extends RuntimeException {
  /** How the refusal maps to a gRPC status of the same name. */
  public enum Reason { INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, PERMISSION_DENIED }

  private final Reason reason;

  GrantException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
