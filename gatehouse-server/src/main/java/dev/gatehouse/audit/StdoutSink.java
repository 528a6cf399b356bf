package dev.gatehouse.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * Records as JSON lines on standard output, for a container platform's log collector. A batch counts as recorded
 * once flushed to the stream: what happens after (a pipe, a collector) is outside Gatehouse, so pair it with the
 * file sink where records must survive a crash.
 */
public final class StdoutSink implements AuditSink {
  private final OutputStream out;

  /** A sink writing to {@code out} (normally {@code System.out}). */
  public StdoutSink(OutputStream out) {
    this.out = Objects.requireNonNull(out);
  }

  @Override
  public String name() {
    return "stdout";
  }

  @Override
  public void write(List<AuditEntry> batch) throws IOException {
    for (AuditEntry e : batch) {
      out.write(e.line());
      out.write('\n');
    }
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.flush();
  }
}
