package dev.gatehouse.access;

import dev.gatehouse.auth.Claims;
import dev.gatehouse.store.ElevatedGrant;

/**
 * Something that happened to a grant, for the audit log and the notifier.
 *
 * @param kind what happened
 * @param grant the grant after it happened
 * @param actor who made it happen; the system's claims for an expiry
 */
public record GrantEvent(Kind kind, ElevatedGrant grant, Claims actor) {
  /** What happened; {@code wireName} is how records and webhooks name it. */
  public enum Kind {
    REQUESTED("requested"),
    APPROVED("approved"),
    AUTO_APPROVED("auto-approved"),
    BREAK_GLASS("break-glass"),
    DENIED("denied"),
    REVOKED("revoked"),
    EXPIRED("expired");

    private final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    /** Approvals of every kind make the grant active. */
    public boolean activates() {
      return this == APPROVED || this == AUTO_APPROVED || this == BREAK_GLASS;
    }
  }

  /** Where events go; must return quickly and never throw (the change is already made). */
  @FunctionalInterface
  public interface Listener {
    void on(GrantEvent event);
  }
}
