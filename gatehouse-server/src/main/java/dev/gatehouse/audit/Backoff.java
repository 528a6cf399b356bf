package dev.gatehouse.audit;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long a remote sink waits before its next delivery attempt: exponential from {@code initial}, capped at
 * {@code max}, with "equal jitter" (a random point in the upper half of the step) so that gateways that lost the
 * same collector do not come back in lockstep.
 */
record Backoff(Duration initial, Duration max) {
  static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

  Backoff {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < initial <= max");
    }
  }

  /** The wait before attempt {@code failures + 1}, after {@code failures} (>= 1) failed attempts in a row. */
  long delayMillis(int failures, RandomGenerator random) {
    long step = initial.toMillis() << Math.min(Math.max(failures - 1, 0), 30);
    long capped = Math.max(1, Math.min(step, max.toMillis()));
    long half = capped / 2;
    return half + (capped - half <= 0 ? 0 : random.nextLong(capped - half + 1));
  }
}
