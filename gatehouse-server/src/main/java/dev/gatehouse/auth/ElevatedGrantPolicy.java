package dev.gatehouse.auth;

/**
 * Who may call {@code gatehouse.access.v1.AccessService}'s grant methods, for a caller the store knows (checked by
 * {@link CloudAccessPolicy} first). Every store principal may ask for a grant and see their own; whether a caller
 * may decide on or revoke a grant depends on the grant (its namespace or role) and on the caller's standing access,
 * which the control plane reads from the store ({@code access.ElevatedGrants}) and refuses with PERMISSION_DENIED.
 */
final class ElevatedGrantPolicy {
  private ElevatedGrantPolicy() {}

  static Decision authorize(String method) {
    return switch (method) {
      case "RequestGrant", "ApproveGrant", "DenyGrant", "RevokeGrant", "GetGrant", "ListGrants" -> Decision.allow();
      default -> Decision.deny(method + " is not served");
    };
  }
}
