package dev.gatehouse.audit;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The child process of {@link AuditCrashTest}: 16 writers record calls in blocking mode as fast as the log takes
 * them and print {@code ACK <log_id>} for each once it is confirmed, until the parent kills the process.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    AuditKeys keys = AuditKeys.loadOrCreate(dir, null);
    FileSink sink = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").maxSegmentBytes(256 << 10).build();
    AuditBroker broker = AuditFixtures.broker(List.of(sink), keys).build();
    broker.start();
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
    out.println("READY");
    out.flush();
    for (int w = 0; w < 16; w++) {
      Thread t = new Thread(() -> {
        Semaphore inFlight = new Semaphore(32);
        while (true) {
          inFlight.acquireUninterruptibly();
          AuditEvent call = AuditFixtures.allowed("SignalWorkflowExecution", "orders", new byte[0]);
          broker.decided(call).whenComplete((ok, failure) -> {
            if (failure == null) {
              synchronized (out) {
                out.println("ACK " + call.callId());
                out.flush();
              }
            }
            inFlight.release();
          });
        }
      });
      t.setDaemon(true);
      t.start();
    }
    Thread.currentThread().join();
  }
}
