package dev.gatehouse.proxy;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.config.Listen;
import dev.gatehouse.pipeline.CallGate;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.PeerCertificate;
import io.grpc.DecompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC data plane: serves every method of its {@link ApiCatalog} (WorkflowService, OperatorService and Health),
 * runs each call through the {@link CallPipeline} and forwards admitted calls to the upstream Temporal frontend as
 * opaque bytes, over one multiplexed HTTP/2 connection per event loop.
 */
public final class DataPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
  // grpc-java logs every HTTP/2 stream error a caller provokes (an upper-case header name, say) as a WARNING with a
  // stack trace. Held here so the level set below stays with the logger (JUL keeps loggers weakly).
  private static final java.util.logging.Logger NETTY_SERVER_HANDLER =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");

  /** The Temporal SDK sends messages up to 128 MB; so must we, both ways. */
  public static final int MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
  /** The SDK pings every 30 s; Temporal's frontend permits pings every 10 s. */
  static final Duration PERMIT_KEEPALIVE = Duration.ofSeconds(10);
  // The service Temporal's frontend reports health for.
  static final String UPSTREAM_HEALTH_SERVICE = ApiCatalog.WORKFLOW;

  // Exactly one of the two listeners, as listen.forwarder says.
  private final Server server;
  private final FrameServer frameServer;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final LoopLocalUpstream upstream;
  private final Duration shutdownGrace;
  private final List<ProxiedMethod> methods;
  private final LongAdder inflated = new LongAdder();
  private final List<EventLoop> loops;
  private final NamespaceBinding namespaceBinding;

  private DataPlane(Builder b) {
    if (NETTY_SERVER_HANDLER.getLevel() == null) {
      // Caller input must not fill the log (invariant 8); an operator's own JUL level for it wins.
      NETTY_SERVER_HANDLER.setLevel(java.util.logging.Level.SEVERE);
    }
    ApiCatalog catalog = b.pipeline.catalog();
    this.methods = ProxiedMethod.all(catalog);
    this.shutdownGrace = b.shutdownGrace;
    boolean epoll = Epoll.isAvailable();
    int threads = Runtime.getRuntime().availableProcessors();
    this.boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
    this.workers = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
    List<EventLoop> loops = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    workers.forEach(e -> {
      loops.add((EventLoop) e);
      channels.add(upstreamChannel(b, (EventLoop) e, epoll));
    });
    this.upstream = new LoopLocalUpstream(loops, channels);
    this.loops = List.copyOf(loops);
    // Task tokens and namespace ids may only agree with the authorized namespace (invariant 2); the check asks the
    // upstream for namespace ids, on the calling loop's own connection.
    NamespaceIds ids = new NamespaceIds(this::loopChannel, System::nanoTime);
    this.namespaceBinding = new NamespaceBinding(catalog, ids);
    CallPipeline pipeline = b.pipeline.withObserver(new CallMetrics(b.meterRegistry, catalog.methods()))
        .withFaceGate(namespaceBinding);
    // gRPC metadata keys are lower-case on the wire, whatever case the config spells them in.
    Metadata.Key<String> tokenHeader =
        Metadata.Key.of(pipeline.authHeaderName().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
    Metadata.Key<String> extraHeader =
        Metadata.Key.of(pipeline.authExtraHeaderName().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
    InputWarnings warnings = InputWarnings.standard(log);
    UpstreamFailures failures = new UpstreamFailures(b.upstreamAddress.getHostString() + ":" + b.upstreamAddress.getPort());
    CountingGzip gzip = new CountingGzip(inflated);
    if (b.frames) {
      // Calls are relayed as HTTP/2 frames over FrameUpstream's connections; the grpc-java channels above stay for
      // what speaks gRPC from the gateway itself (namespace-id lookups, the HTTP API, the readiness check) and
      // connect only when first used.
      FrameUpstream.Target target =
          new FrameUpstream.Target(b.upstreamAddress, b.upstreamTls, b.upstreamAuthority, b.connectTimeout, epoll);
      FrameServer.Shared shared = FrameServer.Shared.of(methods, pipeline, warnings, failures, tokenHeader,
          extraHeader, gzip, b.maxMessageBytes, target);
      FrameServer.Limits limits = new FrameServer.Limits(b.maxHeaderListBytes, b.maxConcurrentCallsPerConnection,
          b.maxRstFrames, b.rstWindow, PERMIT_KEEPALIVE, b.shutdownGrace);
      this.frameServer = new FrameServer(shared, limits, b.listenAddress, boss, workers,
          () -> serverChannel(epoll, b.acceptedConnections), b.serverTls, b.peerParser, target);
      this.server = null;
      return;
    }
    this.frameServer = null;

    NettyServerBuilder sb =
        NettyServerBuilder.forAddress(b.listenAddress)
            .directExecutor()
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelFactory(() -> serverChannel(epoll, b.acceptedConnections))
            .maxInboundMessageSize(b.maxMessageBytes)
            // HTTP/2 abuse bounds, per connection: the header list (SETTINGS_MAX_HEADER_LIST_SIZE), concurrent
            // streams (SETTINGS_MAX_CONCURRENT_STREAMS), and the rate of RST_STREAMs from the caller: past it the
            // connection is closed with GOAWAY ENHANCE_YOUR_CALM (rapid reset, CVE-2023-44487).
            .maxInboundMetadataSize(b.maxHeaderListBytes)
            .maxConcurrentCallsPerConnection(b.maxConcurrentCallsPerConnection)
            .maxRstFramesPerWindow(b.maxRstFrames, (int) b.rstWindow.toSeconds())
            // Inflates only messages asked for, i.e. after authentication; bounded by maxInboundMessageSize.
            .decompressorRegistry(DecompressorRegistry.getDefaultInstance().with(gzip, true))
            .permitKeepAliveTime(PERMIT_KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .addTransportFilter(new PeerIdentityFilter(b.peerParser));
    if (b.serverTls != null) {
      sb.sslContext(b.serverTls);
    }
    for (ServiceDescriptor service : catalog.services()) {
      ServerServiceDefinition.Builder def = ServerServiceDefinition.builder(service.getName());
      for (ProxiedMethod m : methods) {
        if (m.method().serviceName().equals(service.getName())) {
          def.addMethod(m.served(),
              new ProxyCallHandler(m, upstream, pipeline, failures, tokenHeader, extraHeader, warnings));
        }
      }
      sb.addService(def.build());
    }
    this.server = sb.build();
  }

  /** The listening socket, with a handler that hands each accepted connection to {@code accepted} first. */
  static ServerChannel serverChannel(boolean epoll, Consumer<Channel> accepted) {
    ServerChannel channel = epoll ? new EpollServerSocketChannel() : new NioServerSocketChannel();
    if (accepted != null) {
      // Added before the bootstrap's acceptor, so it sees every child channel the listener accepts.
      channel.pipeline().addLast(new AcceptedConnections(accepted));
    }
    return channel;
  }

  @ChannelHandler.Sharable
  private static final class AcceptedConnections extends ChannelInboundHandlerAdapter {
    private final Consumer<Channel> accepted;

    AcceptedConnections(Consumer<Channel> accepted) {
      this.accepted = accepted;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel child) {
        accepted.accept(child);
      }
      ctx.fireChannelRead(msg);
    }
  }

  private static ManagedChannel upstreamChannel(Builder b, EventLoop loop, boolean epoll) {
    NettyChannelBuilder cb =
        NettyChannelBuilder.forAddress(b.upstreamAddress)
            .directExecutor()
            .eventLoopGroup(loop)
            .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .maxInboundMetadataSize(64 * 1024)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(15, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(true)
            .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) b.connectTimeout.toMillis())
            // The gateway retries nothing itself: the SDK owns retry policy and a retried write must stay its choice.
            .disableRetry()
            .disableServiceConfigLookUp();
    if (b.upstreamTls != null) {
      cb.sslContext(b.upstreamTls).negotiationType(NegotiationType.TLS);
      if (b.upstreamAuthority != null) {
        cb.overrideAuthority(b.upstreamAuthority);
      }
    } else {
      cb.usePlaintext();
    }
    return cb.build();
  }

  private ManagedChannel loopChannel() {
    for (EventLoop loop : loops) {
      if (loop.inEventLoop()) {
        return upstream.channel(loop);
      }
    }
    return upstream.any();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds the listen address and starts serving. */
  public DataPlane start() {
    try {
      if (frameServer != null) {
        frameServer.start();
      } else {
        server.start();
      }
    } catch (IOException e) {
      upstream.shutdownNow();
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      // An unstarted server cannot report its listen sockets (it throws "Not started"); the transport's message
      // names the address.
      throw new UncheckedIOException("cannot listen: " + e.getMessage(), e);
    }
    log.info("data plane listening on {} ({} forwarder)",
        frameServer != null ? List.of(frameServer.localAddress()) : server.getListenSockets(),
        frameServer != null ? "frames" : "grpc");
    return this;
  }

  /** The bound port (useful when listening on port 0). */
  public int port() {
    if (frameServer != null) {
      return ((InetSocketAddress) frameServer.localAddress()).getPort();
    }
    return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
  }

  /**
   * A connection to the upstream frontend for other faces that forward gRPC calls (the HTTP API): the data plane's
   * own internode connection, with its TLS and identity. Calls on it should name their own executor
   * ({@code CallOptions.withExecutor}): it runs on the data plane's event loops otherwise.
   */
  public io.grpc.Channel upstreamChannel() {
    return upstream.any();
  }

  /**
   * The data plane's check that task tokens and namespace ids agree with the authorized namespace (invariant 2),
   * for other faces that forward the same requests ({@link CallPipeline#withFaceGate}).
   */
  public CallGate namespaceBinding() {
    return namespaceBinding;
  }

  /** Bytes inflated from gzip-compressed requests so far. */
  long inflatedBytes() {
    return inflated.sum();
  }

  /** Full names of every method served. */
  public List<String> servedMethods() {
    return methods.stream().map(ProxiedMethod::fullMethodName).toList();
  }

  /**
   * Asks the upstream frontend whether it is serving, over the same connection the data plane uses.
   *
   * @return true when the upstream answered SERVING within the timeout
   */
  public boolean upstreamServing(Duration timeout) {
    try {
      HealthCheckResponse r =
          HealthGrpc.newBlockingStub(upstream.any())
              .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .check(HealthCheckRequest.newBuilder().setService(UPSTREAM_HEALTH_SERVICE).build());
      return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Stops accepting calls, lets in-flight calls finish for up to the grace period, then cancels what is left and
   * closes the upstream connection.
   */
  @Override
  public void close() {
    try {
      if (frameServer != null) {
        frameServer.close(shutdownGrace);
        return;
      }
      server.shutdown();
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("in-flight calls still running after {}; cancelling them", shutdownGrace);
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      if (server != null) {
        server.shutdownNow();
      }
      Thread.currentThread().interrupt();
    } finally {
      upstream.shutdown();
      try {
        if (!upstream.awaitTermination(5, TimeUnit.SECONDS)) {
          upstream.shutdownNow();
        }
      } catch (InterruptedException e) {
        upstream.shutdownNow();
        Thread.currentThread().interrupt();
      }
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }

  /** Assembles a {@link DataPlane}; every setting but the two addresses has a safe default. */
  public static final class Builder {
    private InetSocketAddress listenAddress;
    private InetSocketAddress upstreamAddress;
    private SslContext serverTls;
    private SslContext upstreamTls;
    private String upstreamAuthority;
    private Function<SSLSession, PeerCertificate> peerParser = s -> null;
    private Consumer<Channel> acceptedConnections;
    private CallPipeline pipeline;
    private MeterRegistry meterRegistry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private Duration shutdownGrace = Duration.ofSeconds(30);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private int maxMessageBytes = MAX_MESSAGE_BYTES;
    private int maxHeaderListBytes = Listen.DEFAULT_MAX_HEADER_LIST_BYTES;
    private int maxConcurrentCallsPerConnection = Listen.DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION;
    private int maxRstFrames = Listen.DEFAULT_MAX_RST_FRAMES_PER_WINDOW;
    private Duration rstWindow = Listen.DEFAULT_RST_FRAMES_WINDOW;
    private boolean frames = Listen.DEFAULT.framesForwarder();

    private Builder() {}

    /**
     * The HTTP/2 bounds of {@code listen} ({@code maxHeaderListBytes}, {@code maxConcurrentCallsPerConnection},
     * {@code maxRstFramesPerWindow} per {@code rstFramesWindow}) and its {@code forwarder}; without this call,
     * their defaults.
     */
    public Builder http2Limits(Listen listen) {
      this.maxHeaderListBytes = listen.maxHeaderListBytes();
      this.maxConcurrentCallsPerConnection = listen.maxConcurrentCallsPerConnection();
      this.maxRstFrames = listen.maxRstFramesPerWindow();
      this.rstWindow = listen.rstFramesWindow();
      this.frames = listen.framesForwarder();
      return this;
    }

    /** The largest request message, also after decompression; tests use a small one. */
    Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    public Builder listen(InetSocketAddress address) {
      this.listenAddress = address;
      return this;
    }

    /** TLS for callers; {@code null} serves plaintext. */
    public Builder serverTls(SslContext context) {
      this.serverTls = context;
      return this;
    }

    /**
     * Called with every connection the listener accepts, before its TLS handshake (e.g. {@code FrontendTls::track},
     * which closes connections whose certificate a CA reload invalidated).
     */
    public Builder acceptedConnections(Consumer<Channel> observer) {
      this.acceptedConnections = observer;
      return this;
    }

    /** Turns a verified TLS session into the caller's certificate identity; called once per connection. */
    public Builder peerCertificates(Function<SSLSession, PeerCertificate> parser) {
      this.peerParser = Objects.requireNonNull(parser);
      return this;
    }

    public Builder upstream(InetSocketAddress address) {
      this.upstreamAddress = address;
      return this;
    }

    /**
     * TLS to the upstream; {@code null} dials plaintext.
     *
     * @param authority the server name to verify and send as SNI instead of the address's host, or {@code null}
     */
    public Builder upstreamTls(SslContext context, String authority) {
      this.upstreamTls = context;
      this.upstreamAuthority = authority;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** The pipeline every call runs through (required: there is no unchecked data plane). */
    public Builder pipeline(CallPipeline pipeline) {
      this.pipeline = Objects.requireNonNull(pipeline);
      return this;
    }

    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry);
      return this;
    }

    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Objects.requireNonNull(grace);
      return this;
    }

    public DataPlane build() {
      Objects.requireNonNull(listenAddress, "listen address");
      Objects.requireNonNull(upstreamAddress, "upstream address");
      Objects.requireNonNull(pipeline, "pipeline");
      return new DataPlane(this);
    }
  }
}
