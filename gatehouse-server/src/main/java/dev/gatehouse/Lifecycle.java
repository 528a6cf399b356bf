package dev.gatehouse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components of one Gatehouse in dependency order: each is added as soon as it is built, started in that
 * order, and closed in reverse. Building, a failed start and {@link #close()} all end in the same reverse walk, so
 * no failure leaves a port listening or a thread running.
 *
 * <p>A start failure is final: everything added is closed and the lifecycle counts as closed, because a half-started
 * Gatehouse could only be closed anyway, and {@code try (Gatehouse g = builder.build().start())} never gets the
 * instance to close when {@code start()} throws.
 */
final class Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  private enum State { BUILDING, STARTED, CLOSED }

  private final List<Component> components = new ArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private State state = State.BUILDING;

  /** Adds a component to start after, and close before, every one added so far. */
  synchronized void add(Component component) {
    if (state != State.BUILDING) {
      throw new IllegalStateException("components are added before start, not after (" + component.name() + ")");
    }
    components.add(component);
  }

  /** Adds a resource that is live once built; returns it, so it can be added where it is created. */
  <T extends AutoCloseable> T resource(String name, T resource) {
    add(Component.resource(name, resource));
    return resource;
  }

  /**
   * Starts every component in order. When one fails, closes all of them in reverse and throws.
   *
   * @throws GatehouseStartException naming the component that failed
   * @throws IllegalStateException when already started or closed
   */
  synchronized void start() {
    if (state != State.BUILDING) {
      throw new IllegalStateException(state == State.STARTED ? "already started" : "closed");
    }
    Component current = null;
    try {
      for (Component component : components) {
        current = component;
        component.start();
      }
      state = State.STARTED;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new GatehouseStartException(current.name(), reason(e), e);
    } finally {
      // Also on an Error: a half-started Gatehouse must not keep a port open.
      if (state != State.STARTED) {
        close();
      }
    }
  }

  /**
   * Closes every component in reverse order. A component that fails to close is logged in one line and the rest
   * are still closed; waiters in {@link #awaitTermination()} are released either way. Closing twice does nothing.
   */
  synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    try {
      for (Component component : components.reversed()) {
        try {
          component.close();
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
          // One line and no stack trace: shutdown problems are for operators, and a trace would bury the rest.
          log.warn("{} did not close cleanly: {}", component.name(), reason(e));
        }
      }
    } finally {
      closed.countDown();
    }
  }

  /** Blocks until {@link #close()} has finished, including the close after a failed start. */
  void awaitTermination() throws InterruptedException {
    closed.await();
  }

  /**
   * The distinct messages along a cause chain, in one line. Wrappers often keep only part of the story: Jetty says
   * "Failed to bind to /127.0.0.1:7244" and leaves "Address already in use" to its cause.
   */
  static String reason(Throwable failure) {
    StringBuilder reason = new StringBuilder();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
      if (!message.isEmpty() && reason.indexOf(message) < 0) {
        reason.append(reason.isEmpty() ? "" : ": ").append(message);
      }
    }
    return reason.isEmpty() ? failure.getClass().getSimpleName() : reason.toString();
  }
}
