package dev.gatehouse.access;

import java.time.Instant;
import java.util.List;

/**
 * The hook through which review campaigns see time-limited (elevated) grants: {@link #fromStore} reads the store's
 * elevated grants; {@link #NONE} reviews standing grants only.
 */
public interface ElevatedGrantReviews {
  /**
   * The store's active elevated grants; a revoke ends the grant in the store (the data plane stops honouring it
   * within a second), recorded as revoked by {@code "access review"}.
   */
  static ElevatedGrantReviews fromStore(dev.gatehouse.store.AccountStore store, java.time.Clock clock) {
    return new ElevatedGrantReviews() {
      @Override
      public List<Grant> activeGrants() {
        Instant now = clock.instant();
        List<Grant> out = new java.util.ArrayList<>();
        String token = "";
        do {
          dev.gatehouse.store.Page<dev.gatehouse.store.ElevatedGrant> page = store.elevatedGrants().list(1000, token);
          for (dev.gatehouse.store.ElevatedGrant g : page.items()) {
            if (g.state() == dev.gatehouse.store.ElevatedGrant.State.ACTIVE && g.expire() != null
                && now.isBefore(g.expire())) {
              out.add(new Grant(g.id(), g.principalId(), g.principalId(), g.namespace(),
                  g.permission() != null ? g.permission().name() : String.valueOf(g.accountRole()), g.expire()));
            }
          }
          token = page.nextPageToken();
        } while (!token.isEmpty());
        return out;
      }

      @Override
      public boolean revoke(String grantId) {
        java.util.Optional<dev.gatehouse.store.ElevatedGrant> g = store.elevatedGrants().get(grantId);
        Instant now = clock.instant();
        if (g.isEmpty() || g.get().state() != dev.gatehouse.store.ElevatedGrant.State.ACTIVE
            || !now.isBefore(g.get().expire())) {
          return false;
        }
        store.elevatedGrants().update(g.get().revokedBy("access review", "revoked in an access review", now),
            g.get().meta().resourceVersion());
        return true;
      }
    };
  }

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
