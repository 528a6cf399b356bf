package dev.gatehouse.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.store.ReviewCampaign;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The report's CSV cells and the review policy's checks. */
class ReviewReportTest {
  @Test
  void csvCellsAreQuotedAndFormulasAreText() {
    assertThat(ReviewReport.cell("plain")).isEqualTo("plain");
    assertThat(ReviewReport.cell("a,b")).isEqualTo("\"a,b\"");
    assertThat(ReviewReport.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(ReviewReport.cell("two\nlines")).isEqualTo("\"two\nlines\"");
    for (String formula : new String[] {"=1+1", "+1", "-1", "@SUM(A1)", "\tx"}) {
      assertThat(ReviewReport.cell(formula)).isEqualTo("\"'" + formula + "\"");
    }
    assertThat(ReviewReport.cell("")).isEmpty();
  }

  @Test
  void aPolicyRefusesNonPositiveDurations() {
    assertThatThrownBy(() -> new ReviewPolicy(null, Duration.ZERO, null, null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reviewWindow must be positive");
    assertThatThrownBy(() -> new ReviewPolicy(null, null, null, Duration.ofDays(-1), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unusedAfter");
    ReviewPolicy defaults = new ReviewPolicy(null, null, null, null, null);
    assertThat(defaults).isEqualTo(ReviewPolicy.DEFAULT);
    assertThat(defaults.withAtDeadline(ReviewCampaign.DeadlineAction.REVOKE).atDeadline())
        .isEqualTo(ReviewCampaign.DeadlineAction.REVOKE);
  }

  @Test
  void periodsAreUtcQuartersOrMonths() {
    AccessReviews quarterly = new AccessReviews(null, java.time.Clock.systemUTC(), ReviewPolicy.DEFAULT, e -> { },
        ElevatedGrantReviews.NONE);
    assertThat(quarterly.periodName(Instant.parse("2026-03-31T23:59:59Z"))).isEqualTo("scheduled-2026-Q1");
    assertThat(quarterly.periodName(Instant.parse("2026-04-01T00:00:00Z"))).isEqualTo("scheduled-2026-Q2");
    AccessReviews monthly = new AccessReviews(null, java.time.Clock.systemUTC(), new ReviewPolicy(
        ReviewPolicy.Schedule.MONTHLY, null, null, null, null), e -> { }, ElevatedGrantReviews.NONE);
    assertThat(monthly.periodName(Instant.parse("2026-12-02T00:00:00Z"))).isEqualTo("scheduled-2026-12");
    AccessReviews none = new AccessReviews(null, java.time.Clock.systemUTC(), new ReviewPolicy(
        ReviewPolicy.Schedule.NONE, null, null, null, null), e -> { }, ElevatedGrantReviews.NONE);
    assertThat(none.periodName(Instant.now())).isNull();
    assertThat(none.startScheduled()).isEmpty();
  }
}
