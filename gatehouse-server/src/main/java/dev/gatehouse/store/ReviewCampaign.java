package dev.gatehouse.store;

import java.time.Instant;

/**
 * An access review campaign: a snapshot of every grant taken at {@code started}, its items ({@link ReviewItem})
 * attested by reviewers until {@code deadline}.
 *
 * @param id the campaign's id
 * @param name unique: {@code scheduled-<year>-Q<n>} for a scheduled campaign (so that replicas starting the same
 *     period start one campaign), else {@code review-<id>} or a name the starter chose
 * @param startedBy the principal that started it, or {@code "scheduler"}
 * @param started when the snapshot was taken
 * @param deadline when unreviewed items are dealt with as {@code atDeadline} says
 * @param atDeadline what happens then to items nobody attested
 * @param state open until closed at its deadline
 * @param closed when it was closed, or {@code null}
 * @param meta store metadata
 */
public record ReviewCampaign(
    String id,
    String name,
    String startedBy,
    Instant started,
    Instant deadline,
    DeadlineAction atDeadline,
    State state,
    Instant closed,
    Meta meta) implements Entity {

  /** What the deadline does to an item nobody attested. */
  public enum DeadlineAction {
    /** Marks it {@link ReviewItem.Decision#FLAGGED}: the grant stays, the report shows it. */
    FLAG,
    /** Revokes the grant ({@link ReviewItem.Decision#REVOKED_AT_DEADLINE}). */
    REVOKE
  }

  public enum State {
    OPEN,
    CLOSED
  }

  public ReviewCampaign {
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String uniqueName() {
    return name;
  }

  @Override
  public ReviewCampaign withMeta(Meta meta) {
    return new ReviewCampaign(id, name, startedBy, started, deadline, atDeadline, state, closed, meta);
  }

  /** This campaign closed at {@code at}. */
  public ReviewCampaign closedAt(Instant at) {
    return new ReviewCampaign(id, name, startedBy, started, deadline, atDeadline, State.CLOSED, at, meta);
  }
}
