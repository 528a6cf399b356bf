package dev.gatehouse.auth;

import dev.gatehouse.api.ApiMethod;

/**
 * The outcome of {@link AccessController#check}: whether the call may proceed and, if not, how to refuse it.
 *
 * @param outcome what to do with the call
 * @param claims the caller's claims ({@link Claims#anonymous()} when none were established)
 * @param method the classified method, or {@code null} for a method the catalog does not know
 * @param namespace the namespace the decision used ({@code ""} for cluster-scoped calls)
 * @param message the text to send the caller with the status; {@code null} for {@link Outcome#ALLOW}
 * @param reason why, for audit records and logs (never a secret); {@code null} for {@link Outcome#ALLOW}
 * @param filtersResponse true when the response must go through {@link AccessController#filterResponse}
 *     ({@code ListNamespaces})
 */
public record AccessCheck(
    Outcome outcome,
    Claims claims,
    ApiMethod method,
    String namespace,
    String message,
    String reason,
    boolean filtersResponse) {

  /** What to do with the call; each refusal maps to the gRPC status of the same name (HTTP 401, 403, 400). */
  public enum Outcome {
    /** Forward the call. */
    ALLOW,
    /** Missing, invalid or expired credentials. */
    UNAUTHENTICATED,
    /** A known caller without the permission, an unknown method, or an authorizer failure. */
    PERMISSION_DENIED,
    /** A namespace-scoped call without a namespace. */
    INVALID_ARGUMENT
  }

  /** True when the call may proceed. */
  public boolean allowed() {
    return outcome == Outcome.ALLOW;
  }
}
