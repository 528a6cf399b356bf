package dev.gatehouse.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesWithJitterInTheUpperHalfAndStaysUnderTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
    SplittableRandom random = new SplittableRandom(42);
    for (int failures = 1; failures <= 64; failures++) {
      long step = Math.min(100L << Math.min(failures - 1, 30), 5000);
      for (int i = 0; i < 50; i++) {
        assertThat(b.delayMillis(failures, random)).isBetween(step / 2, step);
      }
    }
    // Jitter: not every wait is the same.
    assertThat(java.util.stream.IntStream.range(0, 50).mapToLong(i -> b.delayMillis(3, random)).distinct().count())
        .isGreaterThan(1);
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
