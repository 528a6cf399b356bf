package dev.gatehouse.access;

import dev.gatehouse.store.ReviewCampaign;
import java.time.Duration;

/**
 * How access reviews run.
 *
 * @param schedule how often a campaign starts by itself
 * @param reviewWindow from a campaign's start to its deadline
 * @param atDeadline what the deadline does to items nobody attested
 * @param unusedAfter an API key (or a principal) with no recorded call for this long is reported
 * @param expiringWithin an API key expiring within this is reported
 */
public record ReviewPolicy(
    Schedule schedule,
    Duration reviewWindow,
    ReviewCampaign.DeadlineAction atDeadline,
    Duration unusedAfter,
    Duration expiringWithin) {

  /** Quarterly, two weeks to review, flag what is left, 90 days unused, 30 days to expiry. */
  public static final ReviewPolicy DEFAULT = new ReviewPolicy(Schedule.QUARTERLY, Duration.ofDays(14),
      ReviewCampaign.DeadlineAction.FLAG, Duration.ofDays(90), Duration.ofDays(30));

  /** When scheduled campaigns start: the first check in each period (UTC) starts that period's campaign. */
  public enum Schedule {
    QUARTERLY,
    MONTHLY,
    /** Only campaigns started on demand. */
    NONE
  }

  public ReviewPolicy {
    schedule = schedule == null ? Schedule.QUARTERLY : schedule;
    reviewWindow = positive(reviewWindow, Duration.ofDays(14), "reviewWindow");
    atDeadline = atDeadline == null ? ReviewCampaign.DeadlineAction.FLAG : atDeadline;
    unusedAfter = positive(unusedAfter, Duration.ofDays(90), "unusedAfter");
    expiringWithin = positive(expiringWithin, Duration.ofDays(30), "expiringWithin");
  }

  private static Duration positive(Duration d, Duration otherwise, String name) {
    if (d == null) {
      return otherwise;
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("accessReviews." + name + " must be positive, e.g. 90d");
    }
    return d;
  }

  /** This policy with another deadline action. */
  public ReviewPolicy withAtDeadline(ReviewCampaign.DeadlineAction action) {
    return new ReviewPolicy(schedule, reviewWindow, action, unusedAfter, expiringWithin);
  }
}
