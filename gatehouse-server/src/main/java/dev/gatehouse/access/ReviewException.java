package dev.gatehouse.access;

/** A review request refused; nothing was changed. The message is fit for the caller and names no hidden resource. */
public final class ReviewException extends RuntimeException {
  /** Why, in the terms of gRPC status codes. */
  public enum Reason {
    NOT_FOUND,
    PERMISSION_DENIED,
    FAILED_PRECONDITION,
    INVALID_ARGUMENT
  }

  private final Reason reason;

  public ReviewException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
