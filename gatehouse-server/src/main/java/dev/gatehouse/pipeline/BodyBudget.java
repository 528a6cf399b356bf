package dev.gatehouse.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request-body bytes an HTTP face holds at once, over all its requests (e.g. {@code codecServer.maxInFlightBodyBytes},
 * {@code httpApi.maxInFlightBodyBytes}; each face keeps its own).
 * Buffers grow as bytes arrive and each growth is reserved here first, so a caller that declares a large body and
 * sends it slowly holds only what it sent, and many such callers together hold at most the budget.
 */
public final class BodyBudget {
  private final long limit;
  private final AtomicLong inUse = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();

  public BodyBudget(long limit) {
    this.limit = limit;
  }

  /** Reserves {@code bytes}; false, reserving nothing, when that would go past the budget. */
  public boolean tryReserve(long bytes) {
    while (true) {
      long current = inUse.get();
      long next = current + bytes;
      if (next > limit) {
        return false;
      }
      if (inUse.compareAndSet(current, next)) {
        peak.accumulateAndGet(next, Math::max);
        return true;
      }
    }
  }

  public void release(long bytes) {
    inUse.addAndGet(-bytes);
  }

  public long inUse() {
    return inUse.get();
  }

  /** The most ever reserved at once. */
  public long peak() {
    return peak.get();
  }

  public long limit() {
    return limit;
  }
}
