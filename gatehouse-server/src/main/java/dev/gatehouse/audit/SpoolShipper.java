package dev.gatehouse.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The half of a remote sink that both {@link HttpSink} and {@link SyslogSink} share: {@link #write} spools a batch
 * (the broker's confirmation), and a thread of the sink's own sends spooled batches in order through a
 * {@link Transport}, retrying with {@link Backoff} until the collector takes them, then removes them from the spool.
 */
final class SpoolShipper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SpoolShipper.class);
  private static final long FAILURE_LOG_INTERVAL_MILLIS = 60_000;

  /** Sends one chunk; returns once the collector confirmed all of it, throws otherwise. */
  interface Transport extends AutoCloseable {
    void send(List<AuditEntry> entries) throws IOException;

    /** Drops the connection, if any; called on close from another thread, so it must not block. */
    @Override
    void close();
  }

  private final String name;
  private final Spool spool;
  private final Transport transport;
  private final Backoff backoff;
  private final int maxEntries;
  private final MeterRegistry meters;
  private final Gauge spoolBytes;
  private final Counter shipped;
  private final Counter failures;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final RandomGenerator random = RandomGenerator.getDefault();
  private final Thread thread;

  SpoolShipper(String name, Path spoolDir, long maxSpoolBytes, Transport transport, Backoff backoff, int maxEntries,
      MeterRegistry meters) throws IOException {
    this.name = name;
    this.spool = new Spool(spoolDir, maxSpoolBytes, Math.max(64 << 10, Math.min(16 << 20, maxSpoolBytes / 8)));
    this.transport = transport;
    this.backoff = backoff;
    this.maxEntries = maxEntries;
    this.meters = meters;
    this.spoolBytes = Gauge.builder("gatehouse_audit_spool_bytes", spool, Spool::pendingBytes).tag("sink", name)
        .description("bytes of audit records spooled and not yet confirmed by the collector").register(meters);
    this.shipped = Counter.builder("gatehouse_audit_shipped_total").tag("sink", name)
        .description("audit records the collector confirmed").register(meters);
    this.failures = Counter.builder("gatehouse_audit_ship_failures_total").tag("sink", name)
        .description("delivery attempts to the collector that failed (each is retried)").register(meters);
    this.thread = new Thread(this::run, "gatehouse-audit-ship-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Spools {@code batch} durably; the shipping thread sends it. */
  void write(List<AuditEntry> batch) throws IOException {
    if (!batch.isEmpty()) {
      spool.append(batch);
    }
  }

  long spooledBytes() {
    return spool.pendingBytes();
  }

  private void run() {
    int failed = 0;
    long lastLog = 0;
    Spool.Chunk chunk = null;
    while (stop.getCount() > 0) {
      try {
        if (chunk == null) {
          chunk = spool.next(maxEntries, 1, TimeUnit.SECONDS);
          if (chunk == null) {
            continue;
          }
        }
        transport.send(chunk.entries());
        spool.ack(chunk);
        shipped.increment(chunk.entries().size());
        chunk = null;
        if (failed > 0) {
          log.warn("audit sink {} delivers to its collector again", name);
        }
        failed = 0;
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (stop.getCount() == 0) {
          return;
        }
        failed++;
        failures.increment();
        long now = System.currentTimeMillis();
        if (failed == 1 || now - lastLog >= FAILURE_LOG_INTERVAL_MILLIS) {
          lastLog = now;
          // The cause's text is the sink's own or the JDK's; neither carries headers or tokens.
          log.warn("audit sink {} cannot deliver to its collector ({} attempts so far): {}; {} bytes wait in the "
              + "spool", name, failed, e.toString(), spool.pendingBytes());
        }
        try {
          if (stop.await(backoff.delayMillis(failed, random), TimeUnit.MILLISECONDS)) {
            return;
          }
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** Stops shipping; what is still spooled is sent after the next start. */
  @Override
  public void close() throws IOException {
    stop.countDown();
    transport.close();
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    meters.remove(spoolBytes);
    meters.remove(shipped);
    meters.remove(failures);
    spool.close();
  }
}
