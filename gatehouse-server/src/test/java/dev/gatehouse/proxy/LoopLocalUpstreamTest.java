package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Forwarding uses the connection of the loop the call arrived on, and asking from anywhere else fails loudly. */
class LoopLocalUpstreamTest {

  @Test
  void eachLoopGetsItsOwnConnectionAndOtherThreadsAreRefused() throws Exception {
    NioEventLoopGroup group = new NioEventLoopGroup(2);
    // Never connected: channels dial lazily, and nothing here makes a call.
    ManagedChannel a = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    ManagedChannel b = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    try {
      EventLoop first = group.next();
      EventLoop second = group.next();
      LoopLocalUpstream upstream = new LoopLocalUpstream(List.of(first, second), List.of(a, b));

      assertThat(first.submit(() -> upstream.channel(upstream.loopOfCurrentThread())).get(5, TimeUnit.SECONDS))
          .isSameAs(a);
      assertThat(second.submit(() -> upstream.channel(upstream.loopOfCurrentThread())).get(5, TimeUnit.SECONDS))
          .isSameAs(b);
      assertThatIllegalStateException().isThrownBy(upstream::loopOfCurrentThread)
          .withMessageContaining("not on a data-plane event loop");
      assertThatIllegalStateException().isThrownBy(() -> upstream.channel(first))
          .withMessageContaining("off the call's event loop");
    } finally {
      a.shutdownNow();
      b.shutdownNow();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
  }
}
