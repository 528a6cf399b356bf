package dev.gatehouse.proxy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One upstream connection per server event loop, each driven by that same loop: a call admitted on a loop is
 * forwarded on the connection that loop owns, so request and response cross the gateway without a hand-off to
 * another thread, and each leg's headers, message and trailers leave in one flush.
 */
final class LoopLocalUpstream extends Channel {
  private final EventLoop[] loops;
  private final ManagedChannel[] channels;

  LoopLocalUpstream(List<EventLoop> loops, List<ManagedChannel> channels) {
    this.loops = loops.toArray(EventLoop[]::new);
    this.channels = channels.toArray(ManagedChannel[]::new);
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    return current().newCall(method, options);
  }

  private ManagedChannel current() {
    for (int i = 0; i < loops.length; i++) {
      if (loops[i].inEventLoop()) {
        return channels[i];
      }
    }
    // Not on a server loop (with directExecutor every call is; health checks are not): any connection will do.
    return channels[0];
  }

  @Override
  public String authority() {
    return channels[0].authority();
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
