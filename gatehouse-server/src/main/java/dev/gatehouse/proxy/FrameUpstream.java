package dev.gatehouse.proxy;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2PingFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.flush.FlushConsolidationHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateEvent;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import io.grpc.netty.shaded.io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The frame forwarder's connection to the upstream for one event loop: one multiplexed HTTP/2 connection (internode
 * mTLS with the same client context as the grpc forwarder), owned and only ever touched by that loop, so no locks.
 * It is dialed on the first call, dialed again after it closes or fails, and left to drain after the upstream's
 * GOAWAY while new calls go to a fresh connection. Calls that arrive while it is being dialed wait for that dial;
 * after a failed dial, calls fail fast (UNAVAILABLE) until the backoff has passed.
 */
final class FrameUpstream {
  /** Like the grpc forwarder's upstream channels: a keepalive ping after 30 s of silence. */
  private static final Duration KEEPALIVE = Duration.ofSeconds(30);
  static final int WINDOW = 1024 * 1024;

  /** Where and how to dial; shared by every loop's connection. */
  record Target(InetSocketAddress address, SslContext tls, String authority, Duration connectTimeout, boolean epoll) {
    /** The {@code :authority} of forwarded calls, which TLS also verifies and sends as SNI. */
    AsciiString authorityHeader() {
      return new AsciiString(authority != null ? authority : address.getHostString() + ":" + address.getPort());
    }

    AsciiString scheme() {
      return new AsciiString(tls != null ? "https" : "http");
    }
  }

  // After a failed dial, calls fail at once for a while instead of each dialing an upstream that is down (grpc-java's
  // channels back off too): 100 ms, doubling up to 5 s, forgotten once a connection comes up.
  static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final EventLoop loop;
  private final Target target;
  private final LongSupplier nanoTime;
  private Channel connection;
  private Promise<Channel> ready;
  private boolean closed;
  private Throwable lastDialFailure;
  private long backoffNanos;
  private long retryAtNanos;
  private int dials;

  FrameUpstream(EventLoop loop, Target target) {
    this(loop, target, System::nanoTime);
  }

  FrameUpstream(EventLoop loop, Target target, LongSupplier nanoTime) {
    this.loop = loop;
    this.target = target;
    this.nanoTime = nanoTime;
  }

  /** How many times this loop has dialed the upstream (for tests). */
  int dials() {
    return dials;
  }

  /**
   * Opens a stream on this loop's connection (dialing it first when needed) and hands it, or the failure, to
   * {@code then}, on this loop. The stream does not read until asked ({@code autoRead} off).
   */
  void openStream(ChannelHandler handler, Consumer<Future<Http2StreamChannel>> then) {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("forwarding off the call's event loop: " + Thread.currentThread().getName());
    }
    Promise<Channel> r = connection();
    if (r.isDone()) {
      open(r, handler, then);
    } else {
      r.addListener(f -> open(r, handler, then));
    }
  }

  private void open(Future<Channel> connected, ChannelHandler handler, Consumer<Future<Http2StreamChannel>> then) {
    if (!connected.isSuccess()) {
      then.accept(loop.newFailedFuture(connected.cause()));
      return;
    }
    new Http2StreamChannelBootstrap(connected.getNow())
        .option(ChannelOption.AUTO_READ, false)
        .handler(handler)
        .open()
        .addListener(f -> {
          @SuppressWarnings("unchecked")
          Future<Http2StreamChannel> stream = (Future<Http2StreamChannel>) f;
          then.accept(stream);
        });
  }

  /** The connection in use, or a new dial when there is none (or it failed, closed, or is going away). */
  private Promise<Channel> connection() {
    if (ready != null && (!ready.isDone() || (ready.isSuccess() && connection.isActive()))) {
      return ready;
    }
    Promise<Channel> promise = loop.newPromise();
    if (lastDialFailure != null && nanoTime.getAsLong() - retryAtNanos < 0) {
      return promise.setFailure(lastDialFailure);
    }
    ready = promise;
    if (closed) {
      promise.setFailure(new IllegalStateException("the data plane is shut down"));
      return promise;
    }
    dials++;
    promise.addListener(f -> {
      if (f.isSuccess()) {
        lastDialFailure = null;
        backoffNanos = 0;
      } else {
        lastDialFailure = f.cause();
        backoffNanos = backoffNanos == 0 ? FIRST_BACKOFF_NANOS : Math.min(2 * backoffNanos, MAX_BACKOFF_NANOS);
        retryAtNanos = nanoTime.getAsLong() + backoffNanos;
      }
    });
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(target.epoll() ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) target.connectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (target.tls() != null) {
              String host = target.authority() != null ? hostOf(target.authority()) : target.address().getHostString();
              SslHandler ssl = target.tls().newHandler(ch.alloc(), host, target.address().getPort());
              ch.pipeline().addLast(ssl);
            }
            Http2Settings settings = Http2Settings.defaultSettings()
                .initialWindowSize(WINDOW).maxHeaderListSize(64 * 1024).pushEnabled(false);
            Http2FrameCodec codec =
                Http2FrameCodecBuilder.forClient().initialSettings(settings).validateHeaders(false).build();
            ch.pipeline().addLast(
                // The requests the loop forwarded in one pass leave in one write (see FrameServer).
                new FlushConsolidationHandler(FrameServer.FLUSHES_PER_WRITE, true),
                codec,
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                new IdleStateHandler(0, 0, KEEPALIVE.toSeconds(), TimeUnit.SECONDS),
                new Connection(promise, codec));
          }
        });
    b.connect(target.address()).addListener(f -> {
      if (!f.isSuccess()) {
        promise.tryFailure(f.cause());
        return;
      }
      Channel ch = ((io.grpc.netty.shaded.io.netty.channel.ChannelFuture) f).channel();
      connection = ch;
      ch.closeFuture().addListener(c -> promise.tryFailure(new java.nio.channels.ClosedChannelException()));
    });
    return promise;
  }

  private static String hostOf(String authority) {
    int colon = authority.lastIndexOf(':');
    return colon > 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
  }

  /** Closes this loop's connection; calls on it fail, later ones are refused. Run on the loop. */
  void close() {
    closed = true;
    if (connection != null) {
      connection.close();
    }
  }

  /** The connection's own events: TLS done, GOAWAY, keepalive, and failures kept out of the log. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    private final Promise<Channel> promise;
    private final Http2FrameCodec codec;

    Connection(Promise<Channel> promise, Http2FrameCodec codec) {
      this.promise = promise;
      this.codec = codec;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      FrameServer.widenConnectionWindow(codec, ctx);
      // Ready once the codec ahead of us has sent its preface (it does so on channelActive, which the connect
      // future's listeners would otherwise beat).
      if (target.tls() == null) {
        promise.trySuccess(ctx.channel());
      }
      ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent hs) {
        if (hs.isSuccess()) {
          promise.trySuccess(ctx.channel());
        } else {
          promise.tryFailure(hs.cause());
          ctx.close();
        }
      } else if (evt instanceof IdleStateEvent) {
        ctx.writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2GoAwayFrame && ready == promise) {
        // Streams in flight finish on this connection; new calls dial a fresh one.
        ready = null;
      }
      if (!(msg instanceof Http2PingFrame)) {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // The calls on the connection learn of it from their streams closing; UpstreamFailures logs the kind.
      promise.tryFailure(cause);
      ctx.close();
    }
  }
}
