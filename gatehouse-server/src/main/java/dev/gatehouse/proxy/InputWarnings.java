package dev.gatehouse.proxy;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * One-line warnings about what callers send, at most {@code perWindow} lines per window, so a caller cannot fill the
 * log (invariant 8). What is held back is counted and reported in one line when the next window opens. Never a stack
 * trace: the lines name the refusal, the method and the remote address, not the bytes.
 */
final class InputWarnings {
  private final Logger log;
  private final int perWindow;
  private final long windowNanos;
  private final LongSupplier nanoClock;
  private long windowStart;
  private int written;
  private long suppressed;

  InputWarnings(Logger log, int perWindow, Duration window, LongSupplier nanoClock) {
    this.log = log;
    this.perWindow = perWindow;
    this.windowNanos = window.toNanos();
    this.nanoClock = nanoClock;
    this.windowStart = nanoClock.getAsLong();
  }

  /** Ten lines a minute, on the system clock. */
  static InputWarnings standard(Logger log) {
    return new InputWarnings(log, 10, Duration.ofMinutes(1), System::nanoTime);
  }

  /**
   * Logs {@code refusal} for a call, unless this window's lines are used up.
   *
   * @return whether a line was written
   */
  synchronized boolean refused(String refusal, String method, Object remote) {
    long now = nanoClock.getAsLong();
    if (now - windowStart >= windowNanos) {
      if (suppressed > 0) {
        log.warn("{} more refused calls with bad input in the last {} s were not logged", suppressed,
            (now - windowStart) / 1_000_000_000L);
      }
      windowStart = now;
      written = 0;
      suppressed = 0;
    }
    if (written >= perWindow) {
      suppressed++;
      return false;
    }
    written++;
    log.warn("refused {} from {}: {}", method, remote, refusal);
    return true;
  }
}
