package dev.gatehouse.tls;

import dev.gatehouse.config.ExpirationChecks;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's {@code expirationChecks}: logs a WARN for a certificate inside the warning window and an ERROR
 * inside the error window or once expired, and exposes the seconds left of every loaded certificate as the
 * gauge {@code gatehouse.tls.certificate.expiry.seconds} (tags group, role, thumbprint).
 */
final class ExpiryMonitor {
  static final String METRIC = "gatehouse.tls.certificate.expiry.seconds";
  private static final Logger log = LoggerFactory.getLogger(ExpiryMonitor.class);

  /** A loaded certificate and what it is for: {@code server}, {@code client} or {@code ca}. */
  record Tracked(String role, X509Certificate certificate) {}

  /** The outcome of one check of one certificate. */
  enum Level { OK, WARN, ERROR }

  record Finding(Level level, String role, X509Certificate certificate, Duration remaining) {}

  private final String group;
  private final ExpirationChecks checks;
  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, Tracked> tracked = new LinkedHashMap<>();
  private final Map<String, Gauge> gauges = new LinkedHashMap<>();

  ExpiryMonitor(String group, ExpirationChecks checks, MeterRegistry registry, Clock clock) {
    this.group = group;
    this.checks = checks;
    this.registry = registry;
    this.clock = clock;
  }

  /** Replaces the set of watched certificates; gauges of certificates no longer loaded are removed. */
  synchronized void track(List<Tracked> certificates) {
    Map<String, Tracked> next = new LinkedHashMap<>();
    for (Tracked t : certificates) {
      next.putIfAbsent(t.role() + "/" + Certificates.sha256(t.certificate()), t);
    }
    for (var it = gauges.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!next.containsKey(e.getKey())) {
        if (registry != null) {
          registry.remove(e.getValue());
        }
        it.remove();
      }
    }
    tracked.clear();
    tracked.putAll(next);
    if (registry != null) {
      for (var e : next.entrySet()) {
        gauges.computeIfAbsent(e.getKey(), k -> {
          X509Certificate c = e.getValue().certificate();
          return Gauge.builder(METRIC, c, this::secondsLeft)
              .description("Seconds until the certificate's notAfter; negative once expired")
              .baseUnit("seconds")
              .tag("group", group)
              .tag("role", e.getValue().role())
              .tag("thumbprint", Certificates.sha256(c))
              .strongReference(true)
              .register(registry);
        });
      }
    }
  }

  private double secondsLeft(X509Certificate certificate) {
    return Duration.between(clock.instant(), certificate.getNotAfter().toInstant()).toSeconds();
  }

  /** Checks every watched certificate now, logs what is close to expiry, and returns all findings. */
  synchronized List<Finding> check() {
    Instant now = clock.instant();
    List<Finding> findings = new ArrayList<>();
    for (Tracked t : tracked.values()) {
      X509Certificate c = t.certificate();
      Duration remaining = Duration.between(now, c.getNotAfter().toInstant());
      Level level;
      if (remaining.isNegative() || remaining.isZero()) {
        level = Level.ERROR;
        log.error("TLS certificate has EXPIRED: group={} role={} {}", group, t.role(), Certificates.describe(c));
      } else if (remaining.compareTo(checks.errorWindow()) <= 0) {
        level = Level.ERROR;
        log.error("TLS certificate expires in {}: group={} role={} {}", human(remaining), group, t.role(),
            Certificates.describe(c));
      } else if (remaining.compareTo(checks.warningWindow()) <= 0) {
        level = Level.WARN;
        log.warn("TLS certificate expires in {}: group={} role={} {}", human(remaining), group, t.role(),
            Certificates.describe(c));
      } else {
        level = Level.OK;
      }
      findings.add(new Finding(level, t.role(), c, remaining));
    }
    return findings;
  }

  /** Removes every gauge this monitor registered. */
  synchronized void close() {
    track(List.of());
  }

  private static String human(Duration d) {
    long days = d.toDays();
    return days >= 1 ? days + "d" + d.toHoursPart() + "h" : d.toHours() + "h" + d.toMinutesPart() + "m";
  }
}
