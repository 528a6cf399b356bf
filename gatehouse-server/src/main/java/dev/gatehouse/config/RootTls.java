package dev.gatehouse.config;

import java.time.Duration;

/**
 * Temporal's {@code global.tls}: the {@code frontend} group secures callers → Gatehouse, the {@code internode}
 * group secures Gatehouse → the upstream Temporal frontend. {@code refreshInterval} and {@code expirationChecks}
 * sit here as in Temporal and apply to both groups unless a group sets its own.
 */
public record RootTls(
    GroupTls frontend,
    GroupTls internode,
    Duration refreshInterval,
    ExpirationChecks expirationChecks) {
  public static final RootTls DEFAULT = new RootTls(null, null, null, null);

  public RootTls {
    frontend = frontend == null ? GroupTls.EMPTY : frontend;
    internode = internode == null ? GroupTls.EMPTY : internode;
    expirationChecks = expirationChecks == null ? ExpirationChecks.DEFAULT : expirationChecks;
  }

  /** The refresh interval a group uses: its own, else the root one, else none (no reload). */
  public Duration refreshIntervalFor(GroupTls group) {
    return group.refreshInterval() != null ? group.refreshInterval() : refreshInterval;
  }

  /** The expiration checks a group uses: its own, else the root ones. */
  public ExpirationChecks expirationChecksFor(GroupTls group) {
    return group.expirationChecks() != null ? group.expirationChecks() : expirationChecks;
  }
}
