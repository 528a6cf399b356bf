package dev.gatehouse.proxy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One upstream connection per server event loop, each driven by that same loop: a call admitted on a loop is
 * forwarded on the connection that loop owns, so request and response cross the gateway without a hand-off to
 * another thread, and each leg's headers, message and trailers leave in one flush.
 *
 * <p>A call captures its loop when it arrives ({@link #loopOfCurrentThread()}) and forwards on that loop's
 * connection ({@link #channel(EventLoop)}), from that loop: the pipeline resumes a pending stage there. Asking from
 * any other thread is a bug and fails loudly rather than quietly using another loop's connection.
 */
final class LoopLocalUpstream {
  private final EventLoop[] loops;
  private final ManagedChannel[] channels;

  LoopLocalUpstream(List<EventLoop> loops, List<ManagedChannel> channels) {
    this.loops = loops.toArray(EventLoop[]::new);
    this.channels = channels.toArray(ManagedChannel[]::new);
  }

  /**
   * The server event loop running the calling thread.
   *
   * @throws IllegalStateException when called off the data plane's event loops
   */
  EventLoop loopOfCurrentThread() {
    for (EventLoop loop : loops) {
      if (loop.inEventLoop()) {
        return loop;
      }
    }
    throw new IllegalStateException("not on a data-plane event loop: " + Thread.currentThread().getName());
  }

  /**
   * The connection {@code loop} owns; must be called from that loop.
   *
   * @throws IllegalStateException when called from another thread
   */
  ManagedChannel channel(EventLoop loop) {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("forwarding off the call's event loop: " + Thread.currentThread().getName());
    }
    for (int i = 0; i < loops.length; i++) {
      if (loops[i] == loop) {
        return channels[i];
      }
    }
    throw new IllegalStateException("not a data-plane event loop");
  }

  /** A connection for callers off the event loops, such as the readiness check. */
  ManagedChannel any() {
    return channels[0];
  }

  void shutdown() {
    for (ManagedChannel c : channels) {
      c.shutdown();
    }
  }

  void shutdownNow() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }

  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    for (ManagedChannel c : channels) {
      if (!c.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }
}
