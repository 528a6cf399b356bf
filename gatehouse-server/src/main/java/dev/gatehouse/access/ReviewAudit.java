package dev.gatehouse.access;

import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Role;
import dev.gatehouse.auth.StoreClaims;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Writes every {@link ReviewEvent} to the audit log as its own record, beside the control plane's record of the
 * call that caused it (if any): operation {@code ReviewCampaign.<action>} (e.g. {@code ReviewCampaign.review.attest}),
 * the actor as principal ({@code scheduler} or {@code deadline} for what no call causes), and the decision or the
 * refusal in words as the reason.
 */
public final class ReviewAudit implements Consumer<ReviewEvent> {
  /** The API the records name: the campaign's own lifecycle, not an RPC (no catalog holds it). */
  public static final ApiMethod LIFECYCLE = new ApiMethod(Integer.MAX_VALUE - 1,
      "/gatehouse.access.v1.AccessReviewService/ReviewCampaign", "gatehouse.access.v1.AccessReviewService",
      "ReviewCampaign", ApiMethod.Scope.ACCOUNT, ApiMethod.Access.ADMIN, 0, false);

  private final AuditLog log;
  private final Clock clock;

  public ReviewAudit(AuditLog log, Clock clock) {
    this.log = Objects.requireNonNull(log);
    this.clock = Objects.requireNonNull(clock);
  }

  @Override
  public void accept(ReviewEvent e) {
    Claims actor = new Claims(e.actor(), Role.UNDEFINED, Map.of(), "system",
        Map.of(StoreClaims.PRINCIPAL_ID, e.actor()));
    String reason = (e.itemId().isEmpty() ? "campaign " + e.campaignId() : "item " + e.itemId()) + ": "
        + e.detail();
    AccessCheck check = new AccessCheck(e.refused() ? AccessCheck.Outcome.PERMISSION_DENIED
        : AccessCheck.Outcome.ALLOW, actor, LIFECYCLE, "", null, reason, false);
    log.completed(new AuditEvent("review-" + e.action() + "-" + e.campaignId() + "-" + e.itemId() + "-"
        + e.at().toEpochMilli(), "access", LIFECYCLE, "ReviewCampaign." + e.action(), "", actor, check,
        AuthInfo.none(), null, null, clock.millis(), null, 0, e.refused() ? "REFUSED" : "OK", 0, 0, 0));
  }
}
