package dev.gatehouse.store;

/** An account-level role, as Temporal Cloud's {@code AccountAccess.Role} (plus Metrics Read). */
public enum AccountRole {
  /** No account role: access only through namespace permissions. */
  NONE,
  OWNER,
  /** Cloud's "Global Admin" ({@code ROLE_ADMIN}). */
  ADMIN,
  DEVELOPER,
  FINANCE_ADMIN,
  /** Cloud's "Read-Only" ({@code ROLE_READ}). */
  READ,
  METRICS_READ
}
