package dev.gatehouse.store;

/**
 * A store operation that could not be done. The message names the entity (kind and id or name), never a secret,
 * and is fit to show to the caller of the Ops API.
 */
public final class StoreException extends RuntimeException {
  /** Why, in the terms the Ops API answers with. */
  public enum Reason {
    /** No entity with that id: NOT_FOUND. */
    NOT_FOUND,
    /** The id or unique name is taken: ALREADY_EXISTS. */
    ALREADY_EXISTS,
    /** The resource version given is not the current one: FAILED_PRECONDITION, as Cloud answers. */
    CONFLICT,
    /** The database cannot be reached or failed: UNAVAILABLE. */
    UNAVAILABLE
  }

  private final Reason reason;

  public StoreException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public StoreException(Reason reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
