package dev.gatehouse.audit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings every remote sink shares, since each spools locally and ships from its own thread: name, node, TLS
 * trust, connect timeout, spool bound, batch size, retry and meters. {@link HttpSink.Builder} and
 * {@link SyslogSink.Builder} add their own.
 */
abstract class SpoolingSinkBuilder<B extends SpoolingSinkBuilder<B>> {
  final Path spoolDir;
  String name;
  String node = "gatehouse";
  Path caFile;
  String[] protocols = CollectorTls.protocols(null);
  Duration connectTimeout = Duration.ofSeconds(5);
  long maxSpoolBytes = 1L << 30;
  int maxBatchRecords = 500;
  Backoff backoff = Backoff.DEFAULT;
  MeterRegistry meters = new SimpleMeterRegistry();

  SpoolingSinkBuilder(Path spoolDir, String defaultName) {
    this.spoolDir = Objects.requireNonNull(spoolDir, "spoolDir");
    this.name = defaultName;
  }

  abstract B self();

  /** The sink's name in logs and metrics (tag {@code sink}); unique among the sinks. Default: its type. */
  public B name(String name) {
    this.name = Objects.requireNonNull(name);
    return self();
  }

  /** This gateway's node id (Splunk's {@code host}, syslog's HOSTNAME). Default {@code gatehouse}. */
  public B node(String node) {
    this.node = Objects.requireNonNull(node);
    return self();
  }

  /** PEM file of the CAs to trust for the collector; default: the JDK's trust store. */
  public B caFile(Path caFile) {
    this.caFile = caFile;
    return self();
  }

  /** The lowest TLS version: {@code 1.3} (the default) or {@code 1.2}, for collectors that lack 1.3. */
  public B minTlsVersion(String version) {
    this.protocols = CollectorTls.protocols(version);
    return self();
  }

  /** Default 5 s (for syslog: TCP connect, then the TLS handshake). */
  public B connectTimeout(Duration timeout) {
    this.connectTimeout = positive(timeout, "connectTimeout");
    return self();
  }

  /** Undelivered bytes the spool may hold before the sink's {@code write} fails; default 1 GiB. */
  public B maxSpoolBytes(long bytes) {
    if (bytes < 4096) {
      throw new IllegalArgumentException("maxSpoolBytes must be at least 4096");
    }
    this.maxSpoolBytes = bytes;
    return self();
  }

  /** Records per request or write at most (a larger writer batch still goes whole); default 500. */
  public B maxBatchRecords(int records) {
    if (records < 1) {
      throw new IllegalArgumentException("maxBatchRecords must be at least 1");
    }
    this.maxBatchRecords = records;
    return self();
  }

  /** Retry waits: from {@code initial}, doubling, capped at {@code max}, jittered. Default 250 ms to 30 s. */
  public B retry(Duration initial, Duration max) {
    this.backoff = new Backoff(initial, max);
    return self();
  }

  /** Where the spool gauge and the shipped and failure counters go. */
  public B meters(MeterRegistry meters) {
    this.meters = Objects.requireNonNull(meters);
    return self();
  }

  static Duration positive(Duration d, String what) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(what + " must be positive");
    }
    return d;
  }
}
