package dev.gatehouse.control;

import com.google.protobuf.Message;
import dev.gatehouse.api.ByteMarshaller;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.audit.AuditReader;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.store.AccountStore;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane: Temporal Cloud's Ops API ({@code CloudService}, the subset in {@link ApiCatalog#cloud()}) on its
 * own listener, so {@code CloudServiceStubs} and other Cloud Ops API clients manage Gatehouse unchanged. Every call
 * runs the pipeline (identify, authorize, audit) with face {@code control}; store work runs on a small executor of
 * its own, never on an event loop.
 */
public final class ControlPlaneServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlaneServer.class);
  /** Ops API requests are small; a CA bundle is at most 32 KiB. */
  static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
  /** The header Cloud Ops API clients send with the API version they speak; accepted, any version. */
  public static final String API_VERSION_HEADER = "temporal-cloud-api-version";
  /** In place of a request that could not be read (compared by identity). */
  static final byte[] UNREADABLE = new byte[0];
  // grpc-java logs caller-provoked stream errors (an oversized message, a bad header) as WARNINGs with stack traces;
  // caller input must not fill the log (invariant 8). Held here so the levels stay set (JUL keeps loggers weakly);
  // an operator's own JUL level wins.
  private static final java.util.logging.Logger NETTY_SERVER_STREAM =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");
  private static final java.util.logging.Logger NETTY_SERVER_HANDLER =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");

  private final Server server;
  private final ExecutorService storeExecutor;
  private final Duration shutdownGrace;
  private final GrantOps grants;
  private final ReviewOps reviews;
  private final Duration reviewEvery;
  private final java.util.concurrent.ScheduledExecutorService sweeper;

  private ControlPlaneServer(Builder b) {
    for (java.util.logging.Logger l : new java.util.logging.Logger[] {NETTY_SERVER_STREAM, NETTY_SERVER_HANDLER}) {
      if (l.getLevel() == null) {
        l.setLevel(java.util.logging.Level.SEVERE);
      }
    }
    ApiCatalog catalog = b.pipeline.catalog();
    AtomicInteger threads = new AtomicInteger();
    // Bounded: a flood of calls queues here instead of making threads; the store's pool bounds the database.
    this.storeExecutor = new ThreadPoolExecutor(b.storeThreads, b.storeThreads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(1024), r -> {
          Thread t = new Thread(r, "gatehouse-control-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.shutdownGrace = b.shutdownGrace;
    NamespaceRegistrar registrar = b.upstream == null ? NamespaceRegistrar.NONE : new UpstreamRegistrar(b.upstream);
    CloudOps ops = new CloudOps(b.store, b.keys, b.clock, b.apiKeysPerOwner, registrar,
        b.auditReader == null ? AuditLogQuery.NONE : new AuditLogQuery(b.auditReader), b.afterChange, b.elevation);
    GrantOps grantOps = new GrantOps(new dev.gatehouse.access.ElevatedGrants(b.store, b.elevation, b.clock,
        b.grantEvents), b.afterChange);
    this.grants = grantOps;
    // Review events go to the log here; the pipeline audits every review call (who attested what, when, refusals).
    java.util.function.Consumer<dev.gatehouse.access.ReviewEvent> reviewEvents = b.reviewEvents != null
        ? b.reviewEvents : e -> log.info("access review: {} {} {} {}{}: {}", e.action(), e.actor(), e.campaignId(),
            e.itemId(), e.refused() ? " (refused)" : "", e.detail());
    this.reviews = new ReviewOps(new dev.gatehouse.access.AccessReviews(b.store, b.clock, b.reviewPolicy,
        reviewEvents, b.elevatedReviews != null ? b.elevatedReviews
            : dev.gatehouse.access.ElevatedGrantReviews.fromStore(b.store, b.clock)), b.afterChange);
    this.reviewEvery = b.reviewEvery;
    Metadata.Key<String> tokenHeader = Metadata.Key.of(
        b.pipeline.authHeaderName().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
    Metadata.Key<String> extraHeader = Metadata.Key.of(
        b.pipeline.authExtraHeaderName().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
    NettyServerBuilder sb = NettyServerBuilder.forAddress(b.listen)
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .maxInboundMetadataSize(16 * 1024)
        .maxConcurrentCallsPerConnection(100)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    if (b.tls != null) {
      sb.sslContext(b.tls);
    }
    for (ServiceDescriptor service : catalog.services()) {
      ServerServiceDefinition.Builder def = ServerServiceDefinition.builder(service.getName());
      for (ApiMethod m : catalog.methods()) {
        if (!m.serviceName().equals(service.getName())) {
          continue;
        }
        MethodDescriptor<byte[], byte[]> md = catalog.descriptor(m).toBuilder(INBOUND, BYTES).build();
        Message prototype = catalog.requestPrototype(m);
        def.addMethod(md, new ControlCallHandler(m, prototype, b.pipeline, ops, grantOps, reviews, storeExecutor,
            tokenHeader, extraHeader));
      }
      sb.addService(def.build());
    }
    this.server = sb.build();
    // Grants end by the clock on every call; the sweep only writes the expiry down (audit, webhook) within a second.
    this.sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-grant-sweeper");
      t.setDaemon(true);
      return t;
    });
    this.sweepEvery = b.sweepEvery;
  }

  private final Duration sweepEvery;

  /**
   * Writes down the expiry of every grant whose time is up (state, audit record, webhook) now, on the caller's
   * thread; the server does it every second by itself.
   *
   * @return how many grants expired
   */
  public int expireGrantsNow() {
    return grants.expireDue();
  }

  /** The access reviews this control plane serves (the CLI and tests drive them directly). */
  public dev.gatehouse.access.AccessReviews accessReviews() {
    return reviews.reviews();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds and starts serving. */
  public ControlPlaneServer start() {
    try {
      server.start();
    } catch (IOException e) {
      storeExecutor.shutdownNow();
      throw new UncheckedIOException("control plane cannot listen: " + e.getMessage(), e);
    }
    log.info("control plane (Ops API) listening on {}", server.getListenSockets());
    if (!sweepEvery.isZero()) {
      sweeper.scheduleWithFixedDelay(() -> {
        try {
          storeExecutor.execute(() -> {
            try {
              grants.expireDue();
            } catch (RuntimeException e) {
              log.warn("elevated grant sweep failed: {}", e.getClass().getSimpleName());
            }
          });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          // shutting down
        }
      }, sweepEvery.toMillis(), sweepEvery.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (!reviewEvery.isZero()) {
      // Scheduled campaigns start once per period whichever replica checks first; deadlines apply on the check.
      sweeper.scheduleWithFixedDelay(() -> {
        try {
          storeExecutor.execute(() -> {
            try {
              reviews.reviews().startScheduled();
              reviews.reviews().closeDue();
            } catch (RuntimeException e) {
              log.warn("access review check failed: {}", e.getClass().getSimpleName());
            }
          });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          // shutting down
        }
      }, reviewEvery.toMillis(), reviewEvery.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      storeExecutor.shutdown();
      try {
        if (!storeExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
          storeExecutor.shutdownNow();
        }
      } catch (InterruptedException e) {
        storeExecutor.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = ByteMarshaller.BYTES;

  // A message that cannot be read (a corrupt gzip body, over the size limit) becomes a marker, not a stack trace.
  private static final MethodDescriptor.Marshaller<byte[]> INBOUND = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return BYTES.stream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException | RuntimeException e) {
        return UNREADABLE;
      }
    }
  };

  /** Assembles a {@link ControlPlaneServer}. */
  public static final class Builder {
    private InetSocketAddress listen;
    private SslContext tls;
    private CallPipeline pipeline;
    private AccountStore store;
    private ApiKeyIssuer keys;
    private Clock clock = Clock.systemUTC();
    private int apiKeysPerOwner = 10;
    private Supplier<Channel> upstream;
    private AuditReader auditReader;
    private int storeThreads = 4;
    private Runnable afterChange;
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private dev.gatehouse.access.ElevationPolicy elevation = dev.gatehouse.access.ElevationPolicy.DEFAULT;
    private dev.gatehouse.access.GrantEvent.Listener grantEvents;
    private Duration sweepEvery = Duration.ofSeconds(1);
    private dev.gatehouse.access.ReviewPolicy reviewPolicy = dev.gatehouse.access.ReviewPolicy.DEFAULT;
    private java.util.function.Consumer<dev.gatehouse.access.ReviewEvent> reviewEvents;
    private dev.gatehouse.access.ElevatedGrantReviews elevatedReviews;
    private Duration reviewEvery = Duration.ofMinutes(1);

    private Builder() {}

    public Builder listen(InetSocketAddress address) {
      this.listen = address;
      return this;
    }

    /** The listener's TLS ({@code controlPlane.tls}); {@code null} serves plaintext (loopback, tests). */
    public Builder tls(SslContext context) {
      this.tls = context;
      return this;
    }

    /** The pipeline over {@link ApiCatalog#cloud()} with the Ops API policy ({@code auth.CloudAccessPolicy}). */
    public Builder pipeline(CallPipeline pipeline) {
      this.pipeline = Objects.requireNonNull(pipeline);
      return this;
    }

    public Builder store(AccountStore store) {
      this.store = Objects.requireNonNull(store);
      return this;
    }

    /** Makes API keys (the store's {@code ApiKeySecrets}). */
    public Builder apiKeys(ApiKeyIssuer issuer) {
      this.keys = Objects.requireNonNull(issuer);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** The most API keys one user or service account may hold; default 10. */
    public Builder apiKeysPerOwner(int limit) {
      this.apiKeysPerOwner = limit;
      return this;
    }

    /** The upstream frontend's channel, for RegisterNamespace on create; without it, namespaces stay local. */
    public Builder upstream(Supplier<Channel> channel) {
      this.upstream = channel;
      return this;
    }

    /** The audit log's file sink, for GetAuditLogs; without it, GetAuditLogs answers FAILED_PRECONDITION. */
    public Builder auditReader(AuditReader reader) {
      this.auditReader = reader;
      return this;
    }

    /**
     * Runs on the store executor after every change, before the answer: the data plane's identities catch up
     * ({@code StoreIdentities::refreshNow}), so the caller's next call on this replica sees the change.
     */
    public Builder afterChange(Runnable action) {
      this.afterChange = action;
      return this;
    }

    /** The rules of elevated access; default {@link dev.gatehouse.access.ElevationPolicy#DEFAULT}. */
    public Builder elevation(dev.gatehouse.access.ElevationPolicy policy) {
      this.elevation = Objects.requireNonNull(policy);
      return this;
    }

    /** Where grant events go (the audit log's {@code GrantAudit}, a webhook); none by default. */
    public Builder grantEvents(dev.gatehouse.access.GrantEvent.Listener listener) {
      this.grantEvents = listener;
      return this;
    }

    /** How access reviews run (schedule, window, deadline action, finding thresholds). */
    public Builder reviewPolicy(dev.gatehouse.access.ReviewPolicy policy) {
      this.reviewPolicy = policy;
      return this;
    }

    /** Where access review events go (the audit log); the server's log by default. */
    public Builder reviewEvents(java.util.function.Consumer<dev.gatehouse.access.ReviewEvent> listener) {
      this.reviewEvents = listener;
      return this;
    }

    /** The elevated grants reviews include; the store's by default. */
    public Builder elevatedReviews(dev.gatehouse.access.ElevatedGrantReviews elevated) {
      this.elevatedReviews = elevated;
      return this;
    }

    /** How often scheduled campaigns and deadlines are checked; {@link Duration#ZERO} never (tests). */
    public Builder reviewEvery(Duration every) {
      this.reviewEvery = every;
      return this;
    }

    /** How often expired grants are written down; {@link Duration#ZERO} only on {@link #expireGrantsNow}. */
    public Builder sweepEvery(Duration every) {
      this.sweepEvery = Objects.requireNonNull(every);
      return this;
    }

    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Objects.requireNonNull(grace);
      return this;
    }

    public ControlPlaneServer build() {
      Objects.requireNonNull(listen, "listen address");
      Objects.requireNonNull(pipeline, "pipeline");
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(keys, "API key issuer");
      if (!ApiCatalog.CLOUD.equals(pipeline.catalog().services().getFirst().getName())) {
        throw new IllegalArgumentException("the control plane's pipeline must decide over ApiCatalog.cloud()");
      }
      return new ControlPlaneServer(this);
    }
  }
}
