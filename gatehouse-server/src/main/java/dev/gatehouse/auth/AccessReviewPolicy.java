package dev.gatehouse.auth;

import dev.gatehouse.store.AccountRole;

/**
 * Who may call {@code gatehouse.access.v1.AccessReviewService}, for a caller the store knows (checked by
 * {@link CloudAccessPolicy} first). Starting a campaign takes an Owner or Global Admin. Reading and attesting are
 * open to every store principal here because the answer depends on the item: the control plane
 * ({@code access.AccessReviews}) shows a caller only the items they may attest and refuses the rest with
 * PERMISSION_DENIED.
 */
final class AccessReviewPolicy {
  private AccessReviewPolicy() {}

  static Decision authorize(String method, AccountRole role) {
    return switch (method) {
      case "StartReviewCampaign" -> role == AccountRole.OWNER || role == AccountRole.ADMIN ? Decision.allow()
          : Decision.deny("starting an access review takes an Owner or Global Admin");
      case "ListReviewCampaigns", "GetReviewCampaign", "GetReviewReport", "AttestReviewItem" -> Decision.allow();
      default -> Decision.deny(method + " is not served");
    };
  }
}
