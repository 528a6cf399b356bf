package dev.gatehouse;

/**
 * One part of a running Gatehouse as {@link Lifecycle} starts and stops it: a face that listens, or a resource the
 * faces use (TLS reloaders, the access controller, the scheduler, the meter registry).
 *
 * <p>Most parts hold threads, event loops or scheduled reloads from the moment they are built, so {@link #close()}
 * must release them whether {@link #start()} ran, failed or never ran.
 */
interface Component {
  /** How start errors and shutdown logs name this part, e.g. {@code "codec server"}. */
  String name();

  void start() throws Exception;

  void close() throws Exception;

  /** A part that is live once built and needs only releasing. */
  static Component resource(String name, AutoCloseable resource) {
    return new Part(name, () -> {}, resource);
  }

  static Component of(String name, Action start, AutoCloseable close) {
    return new Part(name, start, close);
  }

  /** {@link Runnable} that may throw, so a part's own start method can be passed as it is. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  record Part(String name, Action onStart, AutoCloseable onClose) implements Component {
    @Override
    public void start() throws Exception {
      onStart.run();
    }

    @Override
    public void close() throws Exception {
      onClose.close();
    }
  }
}
