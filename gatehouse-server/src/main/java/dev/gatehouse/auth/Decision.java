package dev.gatehouse.auth;

/**
 * An {@link Authorizer}'s answer. Temporal's {@code Result}.
 *
 * @param allowed whether the call may proceed
 * @param reason why, for audit records and (only when {@code exposeDenialReason} is set) the caller; never a secret;
 *     may be {@code null}
 */
public record Decision(boolean allowed, String reason) {
  private static final Decision ALLOW = new Decision(true, null);
  private static final Decision DENY = new Decision(false, null);

  /** Allow, no reason. */
  public static Decision allow() {
    return ALLOW;
  }

  /** Deny, no reason. */
  public static Decision deny() {
    return DENY;
  }

  /** Deny with a reason. */
  public static Decision deny(String reason) {
    return new Decision(false, reason);
  }
}
