package dev.gatehouse.httpapi;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request-body bytes the HTTP API holds at once, over all requests ({@code httpApi.maxInFlightBodyBytes}; the codec server keeps its own).
 * Buffers grow as bytes arrive and each growth is reserved here first, so a caller that declares a large body and
 * sends it slowly holds only what it sent, and many such callers together hold at most the budget.
 */
final class BodyBudget {
  private final long limit;
  private final AtomicLong inUse = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();

  BodyBudget(long limit) {
    this.limit = limit;
  }

  /** Reserves {@code bytes}; false, reserving nothing, when that would go past the budget. */
  boolean tryReserve(long bytes) {
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

  void release(long bytes) {
    inUse.addAndGet(-bytes);
  }

  long inUse() {
    return inUse.get();
  }

  /** The most ever reserved at once. */
  long peak() {
    return peak.get();
  }

  long limit() {
    return limit;
  }
}
