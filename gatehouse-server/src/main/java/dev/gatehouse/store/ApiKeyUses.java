package dev.gatehouse.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * API key uses, coalesced in memory: {@link #record} is a map update on the caller's thread; the store's background
 * thread writes a key's latest use at most about once a {@link #EVERY minute} (a key's first use at the next
 * flush), and everything left at close.
 */
final class ApiKeyUses {
  static final Duration EVERY = Duration.ofMinutes(1);
  /** More distinct keys than this waiting at once are dropped until the next flush: memory stays bounded. */
  private static final int MAX_PENDING = 1_000_000;

  private final Clock clock;
  private final Consumer<Map<String, Instant>> writer;
  private final ConcurrentHashMap<String, Instant> pending = new ConcurrentHashMap<>();
  /** When each key was last written; only the flushing thread touches it (flush is synchronized). */
  private final Map<String, Instant> written = new HashMap<>();

  ApiKeyUses(Clock clock, Consumer<Map<String, Instant>> writer) {
    this.clock = clock;
    this.writer = writer;
  }

  void record(String keyId, Instant at) {
    Instant was = pending.get(keyId);
    if (was != null && !at.isAfter(was)) {
      return;
    }
    if (was == null && pending.size() >= MAX_PENDING) {
      return;
    }
    pending.merge(keyId, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** Writes the waiting uses of keys not written in the last minute, or all of them when {@code all}. */
  synchronized void flush(boolean all) {
    Instant now = clock.instant();
    Map<String, Instant> batch = new HashMap<>();
    for (Map.Entry<String, Instant> e : pending.entrySet()) {
      Instant last = written.get(e.getKey());
      if (all || last == null || !now.isBefore(last.plus(EVERY))) {
        batch.put(e.getKey(), e.getValue());
      }
    }
    written.values().removeIf(t -> now.isAfter(t.plus(EVERY)));
    if (batch.isEmpty()) {
      return;
    }
    try {
      writer.accept(batch);
    } catch (RuntimeException e) {
      return; // kept pending: the next flush tries again
    }
    for (Map.Entry<String, Instant> e : batch.entrySet()) {
      pending.remove(e.getKey(), e.getValue());
      written.put(e.getKey(), now);
    }
  }
}
