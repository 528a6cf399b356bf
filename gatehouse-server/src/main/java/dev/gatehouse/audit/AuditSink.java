package dev.gatehouse.audit;

import java.io.IOException;
import java.util.List;

/**
 * Where audit records go. The broker writes each batch to every sink and counts a record as recorded when at
 * least one sink has confirmed it; Vault's rule. Plugins implement this and are created by an
 * {@link AuditSinkProvider}.
 *
 * <p>Threading: {@link #write} is called on the audit log's own writer thread, one batch at a time, in chain order,
 * never on an event loop; the calls waiting for the batch wait asynchronously. Because every call in blocking mode
 * waits for the slowest confirming path, a sink that talks to a remote collector should confirm once the batch is
 * safe locally (spooled to disk) and ship it from its own thread, rather than wait for the network here: a hung
 * collector must not hold up the file sink's confirmations. The list and its
 * arrays are never modified afterwards, so a sink may keep them.
 *
 * <p>Failure: throw to say the batch is not recorded here. The broker logs it (rate-limited, naming the sink and the
 * cause), counts it in {@code gatehouse_audit_sink_failures_total}, and tries again with the next batch: a sink that
 * recovers is used again without a restart. A sink that missed batches while another sink recorded them sees a gap
 * in {@link AuditEntry#sequence()}; it may record that gap itself.
 */
public interface AuditSink extends AutoCloseable {
  /** A short name for logs and metrics, e.g. {@code file}, {@code splunk}. */
  String name();

  /**
   * Records {@code batch} durably, in order; returns once it is.
   *
   * @throws IOException (or a runtime exception) when the batch could not be recorded by this sink
   */
  void write(List<AuditEntry> batch) throws IOException;

  /**
   * Called on the writer thread at least once a second when no batch came, so time-based work (segment rotation,
   * flushes) happens on the one thread that writes. Default: nothing.
   */
  default void tick(long nowEpochMillis) throws IOException {}

  /** Flushes and releases everything; called once, on shutdown, after the last {@link #write}. */
  @Override
  void close() throws IOException;
}
