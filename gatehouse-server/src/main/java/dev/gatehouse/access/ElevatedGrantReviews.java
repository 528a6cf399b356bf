package dev.gatehouse.access;

import java.time.Instant;
import java.util.List;

/**
 * The hook through which review campaigns see time-limited (elevated) grants: the elevated-access store implements
 * it; until then {@link #NONE} reviews standing grants only.
 */
public interface ElevatedGrantReviews {
  /** No elevated grants. */
  ElevatedGrantReviews NONE = new ElevatedGrantReviews() {
    @Override
    public List<Grant> activeGrants() {
      return List.of();
    }

    @Override
    public boolean revoke(String grantId) {
      return false;
    }
  };

  /** The grants active now. */
  List<Grant> activeGrants();

  /** Ends a grant now; false when it had ended. */
  boolean revoke(String grantId);

  /**
   * An active elevated grant.
   *
   * @param namespace its namespace, or {@code null} for an account role
   * @param granted the permission or role
   */
  record Grant(String grantId, String principalId, String principalName, String namespace, String granted,
      Instant expires) {}
}
