package dev.gatehouse.audit;

import dev.gatehouse.api.ApiCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log's broker: takes each call's records, orders them into the node's hash chain on one writer thread,
 * writes them to every sink in batches (group commit: one fsync for all the calls that arrived meanwhile) and
 * counts a record as recorded when at least one sink confirmed it (Vault's rule).
 *
 * <p>In {@link AuditMode#BLOCKING} mode {@link #decided} completes once the decision record is durable, so the
 * pipeline forwards nothing unrecorded; when no sink can record a batch, its calls are refused (the stage fails),
 * {@code gatehouse_audit_unavailable_total} counts them and a log line names each failing sink and its cause. The
 * next batch tries every sink again, so service resumes by itself once a sink recovers. Records that could not be
 * written, and in {@link AuditMode#BUFFERED} mode records dropped because the queue was full, are counted and a
 * {@code gap} record saying how many enters the chain with the next batch that is written, so {@code verify} names
 * the loss.
 *
 * <p>Nothing here blocks the caller: records are rendered on the caller's thread, queued, and the returned stage
 * completes on the writer thread (the pipeline resumes the call on its own event loop).
 */
public final class AuditBroker implements AuditLog, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditBroker.class);
  private static final int MAX_BATCH = 4096;
  // How long records no call waits for may wait for company; well under a human's notice, well over an fsync.
  private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long FAILURE_LOG_INTERVAL_MILLIS = 10_000;
  private static final Pending STOP = new Pending(null, null, 0, null, null);

  private final AuditMode mode;
  private final AuditPolicy policy;
  private final RecordFormat format;
  private final List<AuditSink> sinks;
  private final Clock clock;
  private final BlockingQueue<Pending> queue;
  // Records no call waits for (completions): queued without waking the writer, which takes them with the next batch,
  // or within a second when no batch comes; a wake-up and an fsync per call saved.
  private final ConcurrentLinkedQueue<Pending> later = new ConcurrentLinkedQueue<>();
  private final AtomicInteger laterCount = new AtomicInteger();
  private final int laterCapacity;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final Counter unavailable;
  private final Counter droppedCounter;
  // Group commit's yield: records per batch written (for the file sink, per fsync); the operator's view of what the
  // disk's flush latency costs, and a benchmark's.
  private final DistributionSummary batchRecords;
  private final MeterRegistry meters;
  private final long[] lastFailureLog;
  private final boolean[] failing;
  private final List<String> startNotes;

  // Writer-thread state: the chain.
  private long sequence;
  private byte[] previousHash;
  private long unwritten;
  private final MessageDigest sha256;
  private volatile boolean closed;

  private record Pending(byte[] body, String logId, long emitMillis, String kind, CompletableFuture<Void> done) {}

  private AuditBroker(Builder b) {
    this.mode = b.mode;
    this.policy = b.policy;
    this.format = new RecordFormat(b.node, b.catalog, new RequestDetails(b.salt));
    this.sinks = List.copyOf(b.sinks);
    this.clock = b.clock;
    this.queue = new LinkedBlockingQueue<>(b.queueCapacity);
    this.laterCapacity = b.queueCapacity;
    this.meters = b.meters;
    this.unavailable = Counter.builder("gatehouse_audit_unavailable_total")
        .description("calls refused because no audit sink could record them").register(meters);
    this.droppedCounter = Counter.builder("gatehouse_audit_dropped_total")
        .description("audit records dropped (buffered mode, queue full) or not written (no sink could record)")
        .register(meters);
    this.batchRecords = DistributionSummary.builder("gatehouse_audit_batch_records")
        .description("records per batch written to the sinks (group commit: one write and one fsync per batch)")
        .register(meters);
    this.lastFailureLog = new long[sinks.size()];
    this.failing = new boolean[sinks.size()];
    ChainHead head = ChainHead.GENESIS;
    List<String> notes = new ArrayList<>();
    for (AuditSink s : sinks) {
      if (s instanceof FileSink file) {
        head = file.head();
        notes.addAll(file.repairs());
        break;
      }
    }
    this.startNotes = notes;
    this.sequence = head.sequence();
    this.previousHash = head.hash();
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
    this.writer = new Thread(this::run, "gatehouse-audit-writer");
    writer.setDaemon(true);
  }

  /** A broker over {@code sinks} (at least one), recording calls classified by {@code catalog}. */
  public static Builder builder(ApiCatalog catalog, List<? extends AuditSink> sinks) {
    return new Builder(catalog, sinks);
  }

  /** Starts the writer thread and writes the {@code start} record (and a {@code repair} record per repair). */
  public void start() {
    long now = clock.millis();
    enqueueSelf("start", now, "audit log started on node " + format.node() + " in " + mode.name().toLowerCase(
        java.util.Locale.ROOT) + " mode", 0);
    for (String note : startNotes) {
      enqueueSelf("repair", now, note, 1);
    }
    writer.start();
  }

  public AuditMode mode() {
    return mode;
  }

  @Override
  public CompletionStage<Void> decided(AuditEvent call) {
    AuditLevel level = policy.levelOf(call);
    if (level == AuditLevel.NONE) {
      return CompletableFuture.completedStage(null);
    }
    long now = clock.millis();
    boolean waits = mode == AuditMode.BLOCKING || call.refused();
    CompletableFuture<Void> done = waits ? new CompletableFuture<>() : null;
    Pending p = new Pending(format.call("decision", call, level, now), call.callId(), now, "decision", done);
    if (closed || !queue.offer(p)) {
      lost(1);
      if (waits) {
        unavailable.increment();
        return CompletableFuture.failedStage(new AuditUnavailableException(
            closed ? "the audit log is closed" : "the audit queue is full"));
      }
      return CompletableFuture.completedStage(null);
    }
    return waits ? done : CompletableFuture.completedStage(null);
  }

  @Override
  public void completed(AuditEvent call) {
    String kind;
    if (call.access() == null) {
      kind = "rejected";
    } else if (call.access().allowed()) {
      kind = "completion";
    } else {
      return; // the decision record says everything about a refused call
    }
    AuditLevel level = policy.levelOf(call);
    if (level == AuditLevel.NONE) {
      return;
    }
    long now = clock.millis();
    String logId = kind.equals("completion") ? call.callId() + ".c" : call.callId();
    if (closed || laterCount.incrementAndGet() > laterCapacity) {
      laterCount.decrementAndGet();
      lost(1);
      return;
    }
    later.add(new Pending(format.call(kind, call, level, now), logId, now, kind, null));
  }

  /** A new random call id: 128 bits, hex. */
  public static String newCallId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
  }

  /** Writes what is queued, then closes every sink. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (writer.isAlive()) {
      try {
        queue.put(STOP);
        writer.join(TimeUnit.SECONDS.toMillis(30));
        if (writer.isAlive()) {
          log.error("the audit writer did not finish within 30 s; records still queued may be lost");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (AuditSink s : sinks) {
      try {
        s.close();
      } catch (IOException | RuntimeException e) {
        log.warn("audit sink {} did not close cleanly: {}", s.name(), e.toString());
      }
    }
  }

  private void takeLater(List<Pending> batch) {
    Pending p;
    while (batch.size() < MAX_BATCH && (p = later.poll()) != null) {
      laterCount.decrementAndGet();
      batch.add(p);
    }
  }

  /** Whether the writer thread is still running (for tests: false once {@link #close} has returned). */
  boolean writing() {
    return writer.isAlive();
  }

  private void enqueueSelf(String kind, long now, String message, long count) {
    String id = newCallId();
    queue.add(new Pending(format.event(kind, id, now, message, count), id, now, kind, null));
  }

  private void lost(long n) {
    dropped.addAndGet(n);
    droppedCounter.increment(n);
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    long lastTick = clock.millis();
    boolean stopping = false;
    while (!stopping) {
      Pending first;
      try {
        first = later.isEmpty() ? queue.poll(1, TimeUnit.SECONDS) : queue.poll(COALESCE_NANOS, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        break;
      }
      long now = clock.millis();
      if (first == null || now - lastTick >= 1000) {
        tick(now);
        lastTick = now;
      }
      takeLater(batch);
      if (first == null) {
        if (!batch.isEmpty()) {
          write(batch);
          batch.clear();
        }
        continue;
      }
      if (first != STOP) {
        batch.add(first);
      } else {
        stopping = true;
      }
      queue.drainTo(batch, MAX_BATCH - batch.size());
      if (batch.remove(STOP)) {
        stopping = true;
        queue.drainTo(batch); // whatever raced in after the stop
      } else if (!stopping) {
        stopping = coalesce(batch);
      }
      if (stopping) {
        takeLater(batch);
      }
      if (!batch.isEmpty()) {
        write(batch);
        batch.clear();
      }
    }
    if (batchRecords.count() > 0) {
      log.info("audit log closing: {} records written in {} batches ({} records per batch)",
          (long) batchRecords.totalAmount(), batchRecords.count(),
          String.format(java.util.Locale.ROOT, "%.1f", batchRecords.mean()));
    }
    // Completions that raced in after the stop are counted as lost; calls that queued are refused, not left waiting.
    int late = 0;
    while (later.poll() != null) {
      late++;
    }
    if (late > 0) {
      lost(late);
    }
    List<Pending> rest = new ArrayList<>();
    queue.drainTo(rest);
    for (Pending p : rest) {
      if (p.done() != null) {
        p.done().completeExceptionally(new AuditUnavailableException("the audit log is closed"));
      }
    }
  }

  /**
   * When no call waits for {@code batch} (completion records, buffered mode), holds it up to
   * {@link #COALESCE_NANOS} for more records, and at once when a record a call waits for arrives: so the completion
   * of one call shares the next decision's fsync instead of costing its own. Returns true when the log was closed
   * meanwhile.
   */
  private boolean coalesce(List<Pending> batch) {
    for (Pending p : batch) {
      if (p.done() != null) {
        return false;
      }
    }
    long deadline = System.nanoTime() + COALESCE_NANOS;
    try {
      while (batch.size() < MAX_BATCH) {
        long left = deadline - System.nanoTime();
        Pending p = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
        if (p == null) {
          return false;
        }
        if (p == STOP) {
          queue.drainTo(batch);
          return true;
        }
        batch.add(p);
        if (p.done() != null) {
          queue.drainTo(batch, MAX_BATCH - batch.size());
          return batch.remove(STOP);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private void tick(long now) {
    for (AuditSink s : sinks) {
      try {
        s.tick(now);
      } catch (IOException | RuntimeException e) {
        log.warn("audit sink {} failed its periodic work: {}", s.name(), e.toString());
      }
    }
  }

  private void write(List<Pending> batch) {
    long startSequence = sequence;
    byte[] startHash = previousHash;
    long lostBefore = dropped.getAndSet(0) + unwritten;
    List<AuditEntry> entries = new ArrayList<>(batch.size() + 1);
    long now = clock.millis();
    if (lostBefore > 0) {
      String id = newCallId();
      entries.add(chain(format.event("gap", id, now, lostBefore + " audit records were not written (queue full, "
          + "or no sink could record them)", lostBefore), id, now, "gap"));
    }
    for (Pending p : batch) {
      entries.add(chain(p.body(), p.logId(), p.emitMillis(), p.kind()));
    }
    boolean recorded = false;
    for (int i = 0; i < sinks.size(); i++) {
      AuditSink s = sinks.get(i);
      try {
        s.write(entries);
        recorded = true;
        if (failing[i]) {
          failing[i] = false;
          log.warn("audit sink {} records again", s.name());
        }
      } catch (IOException | RuntimeException e) {
        Counter.builder("gatehouse_audit_sink_failures_total").tag("sink", s.name())
            .description("batches an audit sink could not record").register(meters).increment();
        if (!failing[i] || now - lastFailureLog[i] >= FAILURE_LOG_INTERVAL_MILLIS) {
          failing[i] = true;
          lastFailureLog[i] = now;
          log.error("audit sink {} cannot record: {}", s.name(), e.toString());
        }
      }
    }
    if (recorded) {
      unwritten = 0;
      batchRecords.record(entries.size());
      for (Pending p : batch) {
        if (p.done() != null) {
          p.done().complete(null);
        }
      }
      return;
    }
    sequence = startSequence;
    previousHash = startHash;
    unwritten = lostBefore + batch.size();
    droppedCounter.increment(batch.size());
    // Counted before the calls hear of it, so whoever sees a refusal also sees it counted.
    unavailable.increment(batch.stream().filter(p -> p.done() != null).count());
    AuditUnavailableException failure = new AuditUnavailableException("no audit sink could record the call");
    for (Pending p : batch) {
      if (p.done() != null) {
        p.done().completeExceptionally(failure);
      }
    }
  }

  private AuditEntry chain(byte[] body, String logId, long emitMillis, String kind) {
    byte[] line = format.chained(body, ++sequence, previousHash);
    previousHash = sha256.digest(line);
    return new AuditEntry(sequence, logId, emitMillis, kind, line);
  }

  /** Assembles an {@link AuditBroker}. */
  public static final class Builder {
    private final ApiCatalog catalog;
    private final List<AuditSink> sinks;
    private AuditMode mode = AuditMode.BLOCKING;
    private AuditPolicy policy = AuditPolicy.defaults(AuditPolicy.DEFAULT_LONG_POLL_SAMPLE_EVERY);
    private String node = "gatehouse";
    private byte[] salt;
    private int queueCapacity = 65_536;
    private MeterRegistry meters = new SimpleMeterRegistry();
    private Clock clock = Clock.systemUTC();

    private Builder(ApiCatalog catalog, List<? extends AuditSink> sinks) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      if (sinks.isEmpty()) {
        throw new IllegalArgumentException("an audit log needs at least one sink");
      }
      this.sinks = List.copyOf(sinks);
    }

    public Builder mode(AuditMode mode) {
      this.mode = Objects.requireNonNull(mode);
      return this;
    }

    public Builder policy(AuditPolicy policy) {
      this.policy = Objects.requireNonNull(policy);
      return this;
    }

    /** The node id written into every record and naming this node's chain; default {@code gatehouse}. */
    public Builder node(String node) {
      this.node = Objects.requireNonNull(node);
      return this;
    }

    /** The per-installation salt for payload HMACs (at least 16 bytes); required. */
    public Builder salt(byte[] salt) {
      if (salt.length < 16) {
        throw new IllegalArgumentException("the audit salt must be at least 16 bytes");
      }
      this.salt = salt.clone();
      return this;
    }

    /** How many records may wait for the writer; beyond, blocking mode refuses and buffered mode drops. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be positive");
      }
      this.queueCapacity = capacity;
      return this;
    }

    public Builder meterRegistry(MeterRegistry meters) {
      this.meters = Objects.requireNonNull(meters);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Builds the broker, not yet started. */
    public AuditBroker build() {
      Objects.requireNonNull(salt, "salt");
      return new AuditBroker(this);
    }
  }
}
