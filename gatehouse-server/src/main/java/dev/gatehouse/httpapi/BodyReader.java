package dev.gatehouse.httpapi;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads one request body as its bytes arrive, holding no thread while it waits (Jetty's {@code read}/{@code demand}):
 * a caller that dribbles its body cannot starve the thread pool. The buffer grows with what arrived, never from
 * {@code Content-Length}, each growth reserved in the {@link BodyBudget}; the whole body must arrive within the
 * deadline. {@code done} hears exactly one {@link Outcome}; the reservation is the caller's to {@link #release}.
 */
final class BodyReader implements Runnable {
  private static final int FIRST_CHUNK = 16 * 1024;

  /** How the read ended. */
  enum Outcome { COMPLETE, TOO_LARGE, OVER_BUDGET, TIMED_OUT, FAILED }

  private final Request request;
  private final long maxBytes;
  private final BodyBudget budget;
  private final BiConsumer<Outcome, BodyReader> done;
  private byte[] buffer = new byte[0];
  private int length;
  private long reserved;
  private boolean finished;
  private Scheduler.Task deadline;

  BodyReader(Request request, long maxBytes, BodyBudget budget, BiConsumer<Outcome, BodyReader> done) {
    this.request = request;
    this.maxBytes = maxBytes;
    this.budget = budget;
    this.done = done;
  }

  /** Starts reading; the deadline counts from now. */
  void start(Duration timeout) {
    Scheduler.Task task = request.getComponents().getScheduler()
        .schedule(() -> finish(Outcome.TIMED_OUT), timeout.toMillis(), TimeUnit.MILLISECONDS);
    synchronized (this) {
      deadline = task;
    }
    run();
  }

  /** The demand callback: reads what is there, then asks to be called again when more arrives. */
  @Override
  public void run() {
    while (true) {
      synchronized (this) {
        if (finished) {
          return;
        }
      }
      Content.Chunk chunk = request.read();
      if (chunk == null) {
        request.demand(this);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        // An idle timeout or a broken connection.
        finish(Outcome.FAILED);
        return;
      }
      Outcome problem;
      try {
        problem = append(chunk.getByteBuffer());
      } finally {
        chunk.release();
      }
      if (problem != null) {
        finish(problem);
        return;
      }
      if (chunk.isLast()) {
        finish(Outcome.COMPLETE);
        return;
      }
    }
  }

  private synchronized Outcome append(ByteBuffer bytes) {
    if (finished) {
      return null;
    }
    int n = bytes.remaining();
    if (n == 0) {
      return null;
    }
    if (length + (long) n > maxBytes) {
      return Outcome.TOO_LARGE;
    }
    if (length + n > buffer.length) {
      long wanted = Math.max(length + (long) n, Math.max(FIRST_CHUNK, 2L * buffer.length));
      int capacity = (int) Math.min(wanted, maxBytes);
      if (!budget.tryReserve(capacity - buffer.length)) {
        return Outcome.OVER_BUDGET;
      }
      reserved += capacity - buffer.length;
      byte[] grown = new byte[capacity];
      System.arraycopy(buffer, 0, grown, 0, length);
      buffer = grown;
    }
    bytes.get(buffer, length, n);
    length += n;
    return null;
  }

  private void finish(Outcome outcome) {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
      if (deadline != null) {
        deadline.cancel();
      }
      if (outcome != Outcome.COMPLETE) {
        releaseLocked();
      }
    }
    done.accept(outcome, this);
  }

  /** The body read; valid after {@link Outcome#COMPLETE} until {@link #release}. */
  synchronized byte[] bytes() {
    return buffer;
  }

  synchronized int length() {
    return length;
  }

  /** Gives the buffer's bytes back to the budget; idempotent. */
  synchronized void release() {
    releaseLocked();
  }

  private void releaseLocked() {
    budget.release(reserved);
    reserved = 0;
    buffer = new byte[0];
    length = 0;
  }
}
