package dev.gatehouse.store;

import java.time.Instant;
import java.util.List;

/**
 * One grant in a {@link ReviewCampaign}'s snapshot and what its reviewer decided.
 *
 * @param id {@code <campaign id>.<number>}: items of a campaign list together in id order
 * @param campaignId the campaign's id
 * @param subject what kind of grant this is
 * @param principalId the user, group, service account or API key holding it; the namespace for
 *     {@link Subject#NAMESPACE_CERTIFICATES}
 * @param principalName readable: an email, a group's or service account's name, a key's display name
 * @param holderId the user or service account who benefits: the key's owner, the group's member, the principal
 *     itself; {@code null} for a group's own grant and for namespace certificates
 * @param namespace the namespace of a namespace grant, or {@code null}
 * @param granted what is held: a permission or role name, {@code "member of <group>"}, a key's expiry
 * @param reviewerScope {@code "account"} (the account's Owners review it) or {@code "namespace:<name>"} (that
 *     namespace's Admins)
 * @param reviewers ids of the users who could review it when the snapshot was taken
 * @param findings what the reviewer should know, e.g. {@code "API key unused for 90 days"}
 * @param lastUsed the key's or principal's last recorded use, or {@code null}
 * @param decision pending until attested or dealt with at the deadline
 * @param decidedBy who attested it (a user id), or {@code "deadline"}
 * @param decidedAt when
 * @param comment the reviewer's note
 * @param meta store metadata
 */
public record ReviewItem(
    String id,
    String campaignId,
    Subject subject,
    String principalId,
    String principalName,
    String holderId,
    String namespace,
    String granted,
    String reviewerScope,
    List<String> reviewers,
    List<String> findings,
    Instant lastUsed,
    Decision decision,
    String decidedBy,
    Instant decidedAt,
    String comment,
    Meta meta) implements Entity {

  /** The kinds of grant a campaign snapshots. */
  public enum Subject {
    USER_ACCOUNT_ROLE,
    USER_NAMESPACE_PERMISSION,
    GROUP_ACCOUNT_ROLE,
    GROUP_NAMESPACE_PERMISSION,
    GROUP_MEMBERSHIP,
    SERVICE_ACCOUNT_ACCOUNT_ROLE,
    SERVICE_ACCOUNT_NAMESPACE_PERMISSION,
    API_KEY,
    /** A namespace's accepted client CAs with its certificate filters, reviewed (and revoked) together. */
    NAMESPACE_CERTIFICATES,
    /** A time-limited (elevated) grant. */
    ELEVATED_GRANT
  }

  public enum Decision {
    PENDING,
    KEEP,
    REVOKE,
    /** Nobody attested it by the deadline; the campaign's policy kept it and flagged it. */
    FLAGGED,
    /** Nobody attested it by the deadline; the campaign's policy revoked it. */
    REVOKED_AT_DEADLINE
  }

  public ReviewItem {
    reviewers = reviewers == null ? List.of() : List.copyOf(reviewers);
    findings = findings == null ? List.of() : List.copyOf(findings);
    decision = decision == null ? Decision.PENDING : decision;
    comment = comment == null ? "" : comment;
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String uniqueName() {
    return id;
  }

  @Override
  public ReviewItem withMeta(Meta meta) {
    return new ReviewItem(id, campaignId, subject, principalId, principalName, holderId, namespace, granted, reviewerScope,
        reviewers, findings, lastUsed, decision, decidedBy, decidedAt, comment, meta);
  }

  /** This item decided. */
  public ReviewItem decided(Decision decision, String by, Instant at, String comment) {
    return new ReviewItem(id, campaignId, subject, principalId, principalName, holderId, namespace, granted, reviewerScope,
        reviewers, findings, lastUsed, decision, by, at, comment, meta);
  }
}
