package dev.gatehouse.proxy;

import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.PeerCertificate;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.group.ChannelGroup;
import io.grpc.netty.shaded.io.netty.channel.group.DefaultChannelGroup;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2CodecUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2PingFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.flush.FlushConsolidationHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frame forwarder's listener ({@code listen.forwarder: frames}): Netty's HTTP/2 codec per caller connection,
 * one {@link FrameCall} per stream, the same HTTP/2 bounds as the grpc forwarder (header list, concurrent streams,
 * rapid reset, ping policy), and for each event loop its own upstream connection ({@link FrameUpstream}).
 */
final class FrameServer {
  private static final Logger log = LoggerFactory.getLogger(FrameServer.class);
  /** grpc-java's server allows two pings too early (after the last response write) before it says goodbye. */
  private static final int MAX_PING_STRIKES = 2;
  // Flushes held back at most before one is let through, as FlushConsolidationHandler's default.
  static final int FLUSHES_PER_WRITE = 256;

  /**
   * What every call of the listener shares.
   *
   * @param paths each method's {@code :path}, by catalog index
   */
  record Shared(CallPipeline pipeline, InputWarnings warnings, UpstreamFailures failures,
      Metadata.Key<String> tokenHeader, Metadata.Key<String> extraHeader, CountingGzip gzip, int maxMessageBytes,
      Map<String, ProxiedMethod> byPath, List<AsciiString> paths, AsciiString upstreamScheme,
      AsciiString upstreamAuthority) {

    static Shared of(List<ProxiedMethod> methods, CallPipeline pipeline, InputWarnings warnings,
        UpstreamFailures failures, Metadata.Key<String> tokenHeader, Metadata.Key<String> extraHeader,
        CountingGzip gzip, int maxMessageBytes, FrameUpstream.Target target) {
      Map<String, ProxiedMethod> byPath = new HashMap<>();
      AsciiString[] paths = new AsciiString[methods.size()];
      for (ProxiedMethod m : methods) {
        String path = "/" + m.fullMethodName();
        byPath.put(path, m);
        paths[m.method().index()] = AsciiString.cached(path);
      }
      return new Shared(pipeline, warnings, failures, tokenHeader, extraHeader, gzip, maxMessageBytes,
          Map.copyOf(byPath), List.of(paths), target.scheme(), target.authorityHeader());
    }

    ProxiedMethod method(CharSequence path) {
      return byPath.get(path.toString());
    }

    AsciiString path(ProxiedMethod m) {
      return paths.get(m.method().index());
    }
  }

  /** The HTTP/2 bounds per caller connection ({@code listen}'s), and how long shutdown lets calls drain. */
  record Limits(int maxHeaderListBytes, int maxConcurrentStreams, int maxRstFrames, Duration rstWindow,
      Duration permitKeepAlive, Duration shutdownGrace) {}

  /** One caller connection: who it is, its loop's upstream, and its ping policy. Touched only on its loop. */
  static final class ConnectionState {
    private final SocketAddress remote;
    private final FrameUpstream upstream;
    private final long permitNanos;
    private PeerIdentityFilter.Identity identity = PeerIdentityFilter.Identity.NONE;
    private long lastValidPing;
    private int pingStrikes;

    ConnectionState(SocketAddress remote, FrameUpstream upstream, Duration permitKeepAlive) {
      this.remote = remote;
      this.upstream = upstream;
      this.permitNanos = permitKeepAlive.toNanos();
      this.lastValidPing = System.nanoTime() - permitNanos;
    }

    SocketAddress remote() {
      return remote;
    }

    FrameUpstream upstream() {
      return upstream;
    }

    PeerIdentityFilter.Identity identity() {
      return identity;
    }

    /** The server wrote response headers or data: pings are welcome again (grpc-java's KeepAliveEnforcer). */
    void sent() {
      pingStrikes = 0;
      lastValidPing = System.nanoTime() - permitNanos;
    }

    /** True when a ping arriving now is within the policy. */
    boolean pingAcceptable() {
      long now = System.nanoTime();
      if (now - lastValidPing >= permitNanos) {
        lastValidPing = now;
        return true;
      }
      return ++pingStrikes <= MAX_PING_STRIKES;
    }
  }

  private final Shared shared;
  private final Limits limits;
  private final SslContext serverTls;
  private final Function<SSLSession, PeerCertificate> peerParser;
  private final Map<EventLoop, FrameUpstream> upstreams = new IdentityHashMap<>();
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final ServerBootstrap bootstrap;
  private final InetSocketAddress address;
  private Channel listener;

  FrameServer(Shared shared, Limits limits, InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
      Supplier<ServerChannel> serverChannel, SslContext serverTls, Function<SSLSession, PeerCertificate> peerParser,
      FrameUpstream.Target target) {
    this.shared = shared;
    this.limits = limits;
    this.serverTls = serverTls;
    this.peerParser = peerParser;
    this.address = address;
    workers.forEach(e -> upstreams.put((EventLoop) e, new FrameUpstream((EventLoop) e, target)));
    this.bootstrap = new ServerBootstrap()
        .group(boss, workers)
        .channelFactory(serverChannel::get)
        .localAddress(address)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            accept(ch);
          }
        });
  }

  void start() throws IOException {
    ChannelFuture bound = bootstrap.bind().awaitUninterruptibly();
    if (!bound.isSuccess()) {
      // Named as grpc-java's server names it, so the operator sees which address is taken.
      throw new IOException("Failed to bind to address " + address, bound.cause());
    }
    listener = bound.channel();
  }

  SocketAddress localAddress() {
    return listener.localAddress();
  }

  private void accept(Channel ch) {
    connections.add(ch);
    ConnectionState state = new ConnectionState(ch.remoteAddress(), upstreams.get(ch.eventLoop()),
        limits.permitKeepAlive());
    if (serverTls == null) {
      addHttp2(ch.pipeline(), state);
      return;
    }
    SslHandler ssl = serverTls.newHandler(ch.alloc());
    ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
          if (!hs.isSuccess()) {
            // The TLS layer has sent its alert (and the verifier logged why); nothing else to say.
            ctx.close();
            return;
          }
          // gRPC is HTTP/2 only; as grpc-java's server does, a caller that did not negotiate h2 by ALPN is closed
          // rather than read as HTTP/2 it may not be speaking.
          if (!"h2".equals(ssl.applicationProtocol())) {
            log.debug("caller connection from {} closed: ALPN negotiated {}, not h2", ctx.channel().remoteAddress(),
                ssl.applicationProtocol());
            ctx.close();
            return;
          }
          // Parsed once per connection, not once per call (as PeerIdentityFilter does for grpc-java).
          state.identity = PeerIdentityFilter.Identity.of(peerParser, ssl.engine().getSession());
          ChannelPipeline p = ctx.pipeline();
          p.remove(this);
          addHttp2(p, state);
          return;
        }
        ctx.fireUserEventTriggered(evt);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("caller connection failed before HTTP/2: {}", cause.toString());
        ctx.close();
      }
    });
  }

  private void addHttp2(ChannelPipeline p, ConnectionState state) {
    Http2Settings settings = new Http2Settings()
        .maxConcurrentStreams(limits.maxConcurrentStreams())
        .maxHeaderListSize(limits.maxHeaderListBytes())
        .initialWindowSize(FrameUpstream.WINDOW);
    Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
        .initialSettings(settings)
        .validateHeaders(true)
        // HTTP/2 rapid reset (CVE-2023-44487): past this rate, GOAWAY ENHANCE_YOUR_CALM and close.
        .decoderEnforceMaxRstFramesPerWindow(limits.maxRstFrames(), (int) limits.rstWindow().toSeconds())
        .gracefulShutdownTimeoutMillis(limits.shutdownGrace().toMillis())
        .build();
    // Each call's answer flushes; consolidated, the answers the loop produced in one pass leave in one TLS write, as
    // grpc-java's WriteQueue does (one flush per call doubled the socket writes under load).
    p.addLast(new FlushConsolidationHandler(FLUSHES_PER_WRITE, true));
    p.addLast(codec, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel stream) {
        stream.config().setAutoRead(false);
        stream.pipeline().addLast(new FrameCall(shared, state));
      }
    }), new ConnectionPolicy(codec, state));
  }

  /** The connection's own frames: pings under the keepalive policy, a wider connection window, quiet failures. */
  private static final class ConnectionPolicy extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;
    private final ConnectionState state;

    ConnectionPolicy(Http2FrameCodec codec, ConnectionState state) {
      this.codec = codec;
      this.state = state;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (ctx.channel().isActive()) {
        widenWindow(ctx);
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      widenWindow(ctx);
      ctx.fireChannelActive();
    }

    private void widenWindow(ChannelHandlerContext ctx) {
      widenConnectionWindow(codec, ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2PingFrame ping && !ping.ack() && !state.pingAcceptable()) {
          ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM,
                  ByteBufUtil.writeAscii(ctx.alloc(), "too_many_pings")))
              .addListener(ChannelFutureListener.CLOSE);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Caller input must not fill the log (invariant 8). The codec answers HTTP/2 errors itself, with the GOAWAY
      // code they call for (ENHANCE_YOUR_CALM for rapid reset); closing here first would say NO_ERROR instead.
      log.debug("caller connection failed: {}", cause.toString());
      if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
        ctx.close();
      }
    }
  }

  /**
   * Makes a connection's receive window as large as a stream's ({@link FrameUpstream#WINDOW}, as grpc-java does on
   * both legs), not HTTP/2's 64 KiB, which would let all the connection's streams together have only 64 KiB in
   * flight. Call once the codec has sent its preface.
   */
  static void widenConnectionWindow(Http2FrameCodec codec, ChannelHandlerContext ctx) {
    try {
      var connectionStream = codec.connection().connectionStream();
      var flow = codec.connection().local().flowController();
      int grow = FrameUpstream.WINDOW - flow.windowSize(connectionStream);
      if (grow > 0) {
        flow.incrementWindowSize(connectionStream, grow);
        ctx.flush();
      }
    } catch (Http2Exception e) {
      log.debug("could not widen the connection window: {}", e.toString());
    }
  }

  /**
   * Stops accepting, says GOAWAY on every connection and lets calls in flight finish for up to {@code grace}, then
   * closes what is left and the upstream connections.
   */
  void close(Duration grace) throws InterruptedException {
    if (listener != null) {
      listener.close().await(5, TimeUnit.SECONDS);
    }
    // Each connection's codec sends GOAWAY and closes once its streams are done (or after the grace period).
    connections.close().await(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    for (Map.Entry<EventLoop, FrameUpstream> e : upstreams.entrySet()) {
      if (!e.getKey().isShuttingDown()) {
        e.getKey().submit(e.getValue()::close).await(5, TimeUnit.SECONDS);
      }
    }
  }
}
