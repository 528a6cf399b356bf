package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The frame forwarder's upstream connection backs off after a failed dial instead of dialing once per call. */
class FrameUpstreamTest {
  private final NioEventLoopGroup group = new NioEventLoopGroup(1);

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void callsDuringTheBackoffFailAtOnceAndTheBackoffDoubles() throws Exception {
    InetSocketAddress refused;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refused = new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    } // closed: nothing listens there now, so every dial is refused
    EventLoop loop = group.next();
    AtomicLong now = new AtomicLong(1_000_000_000L);
    FrameUpstream upstream = new FrameUpstream(loop,
        new FrameUpstream.Target(refused, null, null, Duration.ofSeconds(5), false), now::get);

    assertThat(open(loop, upstream).isSuccess()).isFalse();
    assertThat(dials(loop, upstream)).isEqualTo(1);
    for (int i = 0; i < 5; i++) {
      Future<Http2StreamChannel> failed = open(loop, upstream);
      assertThat(failed.isSuccess()).isFalse();
      assertThat(failed.cause()).as("the dial's own failure, for the caller's UNAVAILABLE").isNotNull();
    }
    assertThat(dials(loop, upstream)).as("no dial while backing off").isEqualTo(1);

    now.addAndGet(FrameUpstream.FIRST_BACKOFF_NANOS);
    open(loop, upstream);
    assertThat(dials(loop, upstream)).isEqualTo(2);
    now.addAndGet(FrameUpstream.FIRST_BACKOFF_NANOS);
    open(loop, upstream);
    assertThat(dials(loop, upstream)).as("the second backoff is twice the first").isEqualTo(2);
    now.addAndGet(FrameUpstream.FIRST_BACKOFF_NANOS);
    open(loop, upstream);
    assertThat(dials(loop, upstream)).isEqualTo(3);

    now.addAndGet(10 * FrameUpstream.MAX_BACKOFF_NANOS);
    open(loop, upstream);
    assertThat(dials(loop, upstream)).isEqualTo(4);
  }

  private static Future<Http2StreamChannel> open(EventLoop loop, FrameUpstream upstream) throws Exception {
    CompletableFuture<Future<Http2StreamChannel>> result = new CompletableFuture<>();
    loop.execute(() -> upstream.openStream(new ChannelInboundHandlerAdapter(), result::complete));
    return result.get(10, TimeUnit.SECONDS);
  }

  private static int dials(EventLoop loop, FrameUpstream upstream) throws Exception {
    return loop.submit(upstream::dials).get(10, TimeUnit.SECONDS);
  }
}
