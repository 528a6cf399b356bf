package dev.gatehouse.config;

import java.time.Duration;

/** Temporal's {@code expirationChecks}: warn or error when a certificate is this close to expiry. */
public record ExpirationChecks(Duration warningWindow, Duration errorWindow, Duration checkInterval) {
  public static final ExpirationChecks DEFAULT = new ExpirationChecks(null, null, null);

  public ExpirationChecks {
    warningWindow = warningWindow == null ? Duration.ofDays(30) : warningWindow;
    errorWindow = errorWindow == null ? Duration.ofDays(7) : errorWindow;
    checkInterval = checkInterval == null ? Duration.ofHours(1) : checkInterval;
  }
}
