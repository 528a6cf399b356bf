package dev.gatehouse.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's change listeners. Whatever learns of a new version (this store's own write, a poll of the counter, a
 * PostgreSQL notification) {@link #announce announces} it; listeners hear each new highest version once, on the
 * feed's own thread, never on the caller's. Announcements that arrive while listeners run coalesce into one.
 */
final class ChangeFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccountStore.class);

  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong seen;
  private final ExecutorService thread;
  /** Only the feed's thread touches it. */
  private long delivered;

  ChangeFeed(long version) {
    this.seen = new AtomicLong(version);
    this.delivered = version;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-store-changes");
      t.setDaemon(true);
      return t;
    });
  }

  AutoCloseable add(LongConsumer listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void announce(long version) {
    if (seen.getAndAccumulate(version, Math::max) < version) {
      try {
        thread.execute(this::deliver);
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  long seen() {
    return seen.get();
  }

  private void deliver() {
    long version = seen.get();
    if (version <= delivered) {
      return;
    }
    delivered = version;
    for (LongConsumer listener : listeners) {
      try {
        listener.accept(version);
      } catch (RuntimeException e) {
        log.warn("store: a change listener failed on version {}: {}", version, e.getClass().getName());
      }
    }
  }

  @Override
  public void close() {
    listeners.clear();
    thread.shutdownNow();
    try {
      thread.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
