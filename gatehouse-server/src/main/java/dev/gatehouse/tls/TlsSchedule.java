package dev.gatehouse.tls;

import dev.gatehouse.config.ExpirationChecks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The periodic work of a TLS group: reload on refreshInterval and expiration checks on checkInterval. */
final class TlsSchedule {
  private static final Logger log = LoggerFactory.getLogger(TlsSchedule.class);

  private final ExpiryMonitor expiry;
  private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

  /** Runs a first expiration check now; a {@code null} or non-positive interval schedules nothing. */
  TlsSchedule(ScheduledExecutorService scheduler, Duration refreshInterval, ExpirationChecks checks,
      Runnable reload, ExpiryMonitor expiry) {
    this.expiry = expiry;
    expiry.check();
    if (scheduler == null) {
      return;
    }
    if (positive(refreshInterval)) {
      tasks.add(every(scheduler, refreshInterval, reload));
    }
    if (positive(checks.checkInterval())) {
      tasks.add(every(scheduler, checks.checkInterval(), expiry::check));
    }
  }

  ExpiryMonitor expiry() {
    return expiry;
  }

  void close() {
    tasks.forEach(t -> t.cancel(false));
    expiry.close();
  }

  private static ScheduledFuture<?> every(ScheduledExecutorService scheduler, Duration interval, Runnable task) {
    long ms = interval.toMillis();
    // A task that throws is never run again by a ScheduledExecutorService: keep it alive.
    return scheduler.scheduleWithFixedDelay(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("periodic TLS task failed; it will run again", e);
      }
    }, ms, ms, TimeUnit.MILLISECONDS);
  }

  private static boolean positive(Duration d) {
    return d != null && !d.isNegative() && !d.isZero();
  }
}
