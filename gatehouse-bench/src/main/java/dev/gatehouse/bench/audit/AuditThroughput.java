package dev.gatehouse.bench.audit;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.audit.AuditBroker;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditKeys;
import dev.gatehouse.audit.FileSink;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durable audit records per second through the broker and the file sink (blocking mode, fsync'd group commit),
 * with {@code writers} threads each keeping {@code inFlight} calls waiting for their record, as event loops with
 * many concurrent calls do. The baseline, in the same run on the same disk: one writer appending a record-sized
 * line and fsyncing it each time (what the log would do without group commit).
 *
 * <p>{@code java -cp gatehouse-bench.jar dev.gatehouse.bench.audit.AuditThroughput DIR [writers] [inFlight]
 * [seconds]}; defaults 16, 64, 10. DIR must be on the disk the audit log would use (not a tmpfs).
 */
public final class AuditThroughput {
  private AuditThroughput() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int writers = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    Files.createDirectories(dir);

    double baseline = sequentialFsyncs(dir.resolve("baseline.jsonl"), Math.max(2, seconds / 3));
    System.out.printf(Locale.ROOT, "baseline: one writer, write + fsync per record: %,.0f records/s%n", baseline);

    Path logDir = dir.resolve("log-" + System.nanoTime());
    AuditKeys keys = AuditKeys.loadOrCreate(logDir, null);
    FileSink sink = FileSink.builder(logDir, keys.signing().getPrivate()).node("bench").build();
    ApiCatalog catalog = ApiCatalog.temporal();
    ApiMethod method = catalog.find("/" + ApiCatalog.WORKFLOW + "/SignalWorkflowExecution");
    Claims claims = new Claims("worker-1", Role.UNDEFINED, Map.of("orders", Role.WRITER), "mtls", Map.of());
    AccessCheck allow = new AccessCheck(AccessCheck.Outcome.ALLOW, claims, method, "orders", null, null, false);
    LongAdder acked = new LongAdder();
    AtomicBoolean running = new AtomicBoolean(true);
    try (AuditBroker broker = AuditBroker.builder(catalog, List.of(sink)).node("bench").salt(keys.salt())
        .queueCapacity(writers * inFlight * 2).build()) {
      broker.start();
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        Thread t = new Thread(() -> {
          Semaphore window = new Semaphore(inFlight);
          while (running.get()) {
            window.acquireUninterruptibly();
            AuditEvent e = new AuditEvent(AuditBroker.newCallId(), "grpc", method, null, "orders", claims, allow,
                AuthInfo.none(), null, new InetSocketAddress("127.0.0.1", 40000), System.currentTimeMillis(),
                new byte[0], 180, null, 0, 0, -1);
            broker.decided(e).whenComplete((ok, failure) -> {
              if (failure == null) {
                acked.increment();
              }
              window.release();
            });
          }
        }, "writer-" + w);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      TimeUnit.SECONDS.sleep(2); // warm-up, not measured
      long before = acked.sum();
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      TimeUnit.SECONDS.sleep(seconds);
      long n = acked.sum() - before;
      long cpu = processCpuNanos() - cpu0;
      double elapsed = (System.nanoTime() - t0) / 1e9;
      running.set(false);
      double rate = n / elapsed;
      System.out.printf(Locale.ROOT, "broker + file sink, %d writers x %d in flight: %,.0f durable records/s "
          + "(%.1fx the baseline), %.1f us CPU per record (writers included)%n", writers, inFlight, rate,
          rate / baseline, cpu / 1e3 / Math.max(1, n));
      for (Thread t : threads) {
        t.join(5000);
      }
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double sequentialFsyncs(Path file, int seconds) throws IOException {
    byte[] line = new byte[560];
    java.util.Arrays.fill(line, (byte) 'x');
    line[line.length - 1] = '\n';
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      long n = 0;
      long t0 = System.nanoTime();
      long cpu0 = processCpuNanos();
      while (System.nanoTime() < end) {
        ch.write(ByteBuffer.wrap(line));
        ch.force(false);
        n++;
      }
      System.out.printf(Locale.ROOT, "baseline CPU: %.1f us per write + fsync%n",
          (processCpuNanos() - cpu0) / 1e3 / Math.max(1, n));
      return n / ((System.nanoTime() - t0) / 1e9);
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
