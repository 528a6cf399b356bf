package dev.gatehouse.codecserver;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.JdkServerTls;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLParameters;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The codec server the Temporal Web UI and CLI call to see and enter the plaintext of payloads that workers
 * encrypted with {@link EncryptionCodec}, speaking Temporal's codec server protocol ({@code POST /encode},
 * {@code POST /decode}, also under {@code /{namespace}/}).
 *
 * <p>Callers are identified and authorized by the same {@link AccessController} as the data plane: decoding in a
 * namespace needs what reading its workflow histories needs ({@code GetWorkflowExecutionHistory}, read access),
 * encoding what starting a workflow needs ({@code StartWorkflowExecution}, write access). Keys come from
 * {@code codecServer.namespaceKeyrings}, else {@code codecServer.keyringFile}, and are reloaded when a file changes.
 * HTTPS (TLS 1.3 unless configured otherwise, optional client certificates) is required except on a loopback
 * address.
 *
 * <pre>{@code
 * CodecHttpServer codec = CodecHttpServer.builder(config.codecServer(), accessController)
 *     .meterRegistry(registry).scheduler(scheduler).build().start();
 * }</pre>
 */
public final class CodecHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CodecHttpServer.class);
  private static final int REQUEST_HEADER_BYTES = 32 * 1024;
  // Over the 7 days (604800 s) a TLS 1.3 ticket may live: the JDK then issues none.
  static final int NO_TICKETS_SESSION_SECONDS = 604_801;

  private final Server server;
  private final ServerConnector connector;
  private final boolean https;
  private final NamespaceCodecs codecs;
  private final ScheduledExecutorService scheduler;
  private final Duration refreshInterval;
  private final JdkServerTls tls;
  private final BodyBudget budget;
  private ScheduledFuture<?> reloads;

  private CodecHttpServer(Server server, ServerConnector connector, boolean https, NamespaceCodecs codecs,
      ScheduledExecutorService scheduler, Duration refreshInterval, JdkServerTls tls, BodyBudget budget) {
    this.tls = tls;
    this.budget = budget;
    this.server = server;
    this.connector = connector;
    this.https = https;
    this.codecs = codecs;
    this.scheduler = scheduler;
    this.refreshInterval = refreshInterval;
  }

  /** A builder for the server {@code config} describes, running every call through {@code pipeline}. */
  public static Builder builder(CodecServer config, CallPipeline pipeline) {
    return new Builder(config, pipeline);
  }

  /** A builder for the server {@code config} describes, with a pipeline of {@code access} alone (no audit hook). */
  public static Builder builder(CodecServer config, AccessController access) {
    return new Builder(config, CallPipeline.builder(access).build());
  }

  /**
   * Starts listening and, with a scheduler, checking the keyring files and its TLS files every {@code refreshInterval}.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public synchronized CodecHttpServer start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + connector.getHost() + ":" + connector.getPort() + ": "
          + e.getMessage(), e);
    }
    if (scheduler != null) {
      long millis = refreshInterval.toMillis();
      reloads = scheduler.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
    }
    log.info("codec server on {}", endpoint());
    return this;
  }

  /** The in-flight body budget, for tests. */
  BodyBudget budget() {
    return budget;
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  /**
   * What to give the Web UI ({@code TEMPORAL_CODEC_ENDPOINT}) and the CLI ({@code --codec-endpoint}), e.g.
   * {@code https://localhost:7244}.
   */
  public URI endpoint() {
    String host = connector.getHost() == null ? "localhost" : connector.getHost();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return URI.create((https ? "https://" : "http://") + host + ":" + port());
  }

  /** Checks every keyring file now and reloads those whose content changed; returns how many were reloaded. */
  /** The periodic check: keyrings, and the server's own certificate and client CAs. */
  void refresh() {
    reloadKeyrings();
    if (tls != null) {
      try {
        if (tls.reloadIfChanged()) {
          log.info("codec server: new TLS material in use for new connections");
          closeRefusedConnections();
        }
      } catch (RuntimeException e) {
        log.warn("codec server: TLS material check failed: {}", e.getClass().getName());
      }
    }
  }

  /**
   * After a reload of the client CAs: connections whose client certificate no longer validates are closed now when
   * idle, else marked so that they serve no further request (see {@link RefusedConnections}).
   */
  int closeRefusedConnections() {
    int closed = 0;
    for (EndPoint endPoint : connector.getConnectedEndPoints()) {
      if (!(endPoint.getConnection() instanceof SslConnection ssl)) {
        continue;
      }
      String refusal = tls.refusal(ssl.getSSLEngine().getSession());
      if (refusal == null) {
        continue;
      }
      boolean busy = false;
      if (ssl.getSslEndPoint().getConnection() instanceof HttpConnection http) {
        http.setAttribute(RefusedConnections.REFUSED, Boolean.TRUE);
        busy = http.getHttpChannel().getRequest() != null;
      }
      log.info("codec server: closing the connection from {}{}: after the CA reload, {}",
          endPoint.getRemoteSocketAddress(), busy ? " after its request in flight" : "", refusal);
      if (!busy) {
        endPoint.close();
        closed++;
      }
    }
    return closed;
  }

  /**
   * Closes, without an answer, a connection marked refused by a CA reload when its next request arrives; the one in
   * flight at the reload is answered first. A client retries a request on a reused connection that closes unanswered.
   */
  private static final class RefusedConnections extends Handler.Wrapper {
    static final String REFUSED = "dev.gatehouse.codec.refusedByCaReload";

    RefusedConnections(Handler next) {
      super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (Boolean.TRUE.equals(request.getConnectionMetaData().getAttribute(REFUSED))) {
        request.getConnectionMetaData().getConnection().getEndPoint().close();
        callback.failed(new EofException("connection refused by a CA reload"));
        return true;
      }
      return super.handle(request, response, callback);
    }
  }

  int reloadKeyrings() {
    try {
      return codecs.reload();
    } catch (RuntimeException e) {
      log.warn("codec server: keyring check failed: {}", e.getClass().getName());
      return 0;
    }
  }

  /** Stops the keyring checks and the server; requests in flight are cut off. */
  @Override
  public synchronized void close() {
    if (reloads != null) {
      reloads.cancel(false);
    }
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("codec server did not stop cleanly", e);
    }
  }

  /**
   * Jetty's own answers (a malformed request, headers too large, an unhandled failure) as one short line of text:
   * never an HTML page, a stack or the name of an exception.
   */
  private static final class TerseErrors extends ErrorHandler {
    private final CorsPolicy cors;

    TerseErrors(CorsPolicy cors) {
      this.cors = cors;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
        Callback callback) {
      // Jetty's own refusals (a path like //decode, bad headers) reach a browser page too: with CORS headers it
      // sees the status instead of a CORS failure.
      String origin = request.getHeaders().get(HttpHeader.ORIGIN);
      if (cors.allows(origin)) {
        cors.addResponseHeaders(response.getHeaders(), origin);
        response.getHeaders().put(HttpHeader.VARY, "Origin");
      }
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      String reason = HttpStatus.getMessage(code);
      Content.Sink.write(response, true, (reason == null ? "error" : reason.toLowerCase(Locale.ROOT)) + "\n", callback);
    }
  }

  /**
   * TLS 1.3's suites, and for TLS 1.2 (only with {@code minVersion: 1.2}) forward-secret AEAD ones, as browsers and Go
   * prefer; CBC, SHA-1 MACs and static RSA key exchange are left out.
   */
  static boolean strongSuite(String suite) {
    return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")
        || (suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_") || suite.contains("_CHACHA20_")));
  }

  /** Builds a {@link CodecHttpServer}; {@link #build()} checks the configuration and loads the keyrings. */
  public static final class Builder {
    private final CodecServer config;
    private final CallPipeline pipeline;
    private final AccessController access;
    private Function<String, String> fileOfKey = key -> null;
    private String minTlsVersion;
    private MeterRegistry registry;
    private ScheduledExecutorService scheduler;

    private Builder(CodecServer config, CallPipeline pipeline) {
      this.config = Objects.requireNonNull(config, "config");
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
      this.access = pipeline.accessController();
    }

    /** Which configuration file set a dotted key, for error messages; default: unknown. */
    public Builder fileOfKey(Function<String, String> fileOfKey) {
      this.fileOfKey = Objects.requireNonNull(fileOfKey);
      return this;
    }

    /** The lowest TLS version accepted: {@code "1.3"} (the default) or {@code "1.2"}. */
    public Builder minTlsVersion(String minTlsVersion) {
      this.minTlsVersion = minTlsVersion;
      return this;
    }

    /** Where to record metrics; default: a private registry. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Runs the keyring checks every {@code codecServer.refreshInterval}; without it keyrings are not reloaded. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * Checks the configuration, reads the TLS material and the keyrings, and prepares the server (not started).
     *
     * @throws ConfigException when the address, TLS material or a keyring is unusable, or when the server would
     *     serve plain HTTP on an address other than loopback
     */
    public CodecHttpServer build() {
      if (!config.enabled()) {
        throw new ConfigException(fileOfKey.apply("codecServer.address"), "codecServer.address",
            "is not set: the codec server is disabled");
      }
      if (config.maxBodyBytes() <= 0) {
        throw new ConfigException(fileOfKey.apply("codecServer.maxBodyBytes"), "codecServer.maxBodyBytes",
            "must be positive (e.g. 4194304 for 4 MiB)");
      }
      if (config.maxInFlightBodyBytes() < config.maxBodyBytes()) {
        throw new ConfigException(fileOfKey.apply("codecServer.maxInFlightBodyBytes"),
            "codecServer.maxInFlightBodyBytes", "must be at least codecServer.maxBodyBytes (e.g. 67108864 for 64 MiB)");
      }
      if (config.bodyReadTimeout().isNegative() || config.bodyReadTimeout().isZero()) {
        throw new ConfigException(fileOfKey.apply("codecServer.bodyReadTimeout"), "codecServer.bodyReadTimeout",
            "must be positive (e.g. 30s)");
      }
      if (config.refreshInterval().isNegative() || config.refreshInterval().isZero()) {
        throw new ConfigException(fileOfKey.apply("codecServer.refreshInterval"), "codecServer.refreshInterval",
            "must be positive (e.g. 1m)");
      }
      InetSocketAddress address = ConfigValidator.socketAddress(config.address(), true);
      boolean https = config.tls().hasCertificate();
      if (!https) {
        if (config.tls().hasClientCas()) {
          throw new ConfigException(fileOfKey.apply("codecServer.tls.certFile"), "codecServer.tls.certFile",
              "client CAs are set without a server certificate (set certFile and keyFile)");
        }
        if (!address.getAddress().isLoopbackAddress()) {
          String file = fileOfKey.apply("codecServer.tls.certFile");
          throw new ConfigException(file != null ? file : fileOfKey.apply("codecServer.address"),
              "codecServer.tls.certFile",
              "the codec server listens on " + config.address() + " without TLS; set certFile and keyFile "
                  + "(plain HTTP is only allowed on a loopback address: it carries tokens and decrypted payloads)");
        }
        log.warn("the codec server serves plain HTTP on {} (loopback only)", config.address());
      }
      if (access.allowsEverything()) {
        log.warn("the codec server runs with authorizer noop: any caller may decode any namespace's payloads");
      }
      MeterRegistry meters = registry != null ? registry : new SimpleMeterRegistry();
      NamespaceCodecs codecs = NamespaceCodecs.load(config, fileOfKey, meters);

      QueuedThreadPool threads = new QueuedThreadPool(64, 2);
      threads.setName("gatehouse-codec");
      Server server = new Server(threads);
      HttpConfiguration http = new HttpConfiguration();
      http.setSendServerVersion(false);
      http.setSendXPoweredBy(false);
      // Web UI access tokens can be large; the claim mapper bounds them itself (maxTokenSize).
      http.setRequestHeaderSize(REQUEST_HEADER_BYTES);
      HttpConnectionFactory h1 = new HttpConnectionFactory(http);
      ServerConnector connector;
      JdkServerTls tls = null;
      if (https) {
        tls = JdkServerTls.create(config.tls(), minTlsVersion, "codecServer.tls", fileOfKey, meters);
        JdkServerTls material = tls;
        SslContextFactory.Server ssl = new SslContextFactory.Server() {
          @Override
          public SSLParameters customize(SSLParameters jettys) {
            // Protocols, client-auth mode and the no-resumption marker come from JdkServerTls.
            SSLParameters parameters = material.serverParameters();
            parameters.setCipherSuites(Arrays.stream(jettys.getCipherSuites()).filter(CodecHttpServer::strongSuite)
                .toArray(String[]::new));
            return parameters;
          }
        };
        ssl.setSslContext(tls.sslContext());
        // Resumption is refused anyway (serverParameters); a ticket would only cost a message and a cached session.
        // The JDK sends no TLS 1.3 NewSessionTicket, nor a TLS 1.2 ticket, when the session lifetime exceeds the
        // 7 days a ticket may live (RFC 8446 4.6.1); one cached session bounds the TLS 1.2 session-ID cache.
        tls.sslContext().getServerSessionContext().setSessionTimeout(NO_TICKETS_SESSION_SECONDS);
        tls.sslContext().getServerSessionContext().setSessionCacheSize(1);
        connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, h1.getProtocol()), h1);
      } else {
        connector = new ServerConnector(server, 1, 1, h1);
      }
      connector.setHost(address.getHostString());
      connector.setPort(address.getPort());
      connector.setIdleTimeout(Duration.ofSeconds(30).toMillis());
      server.addConnector(connector);
      CorsPolicy cors = new CorsPolicy(config.allowedOrigins(), config.allowCredentials());
      server.setErrorHandler(new TerseErrors(cors));
      BodyBudget budget = new BodyBudget(config.maxInFlightBodyBytes());
      Gauge.builder("gatehouse.codec.body.buffered", budget, BodyBudget::inUse).baseUnit("bytes")
          .description("Request-body bytes the codec server holds, over all requests").register(meters);
      server.setHandler(new RefusedConnections(new CodecHandler(pipeline, codecs, cors, config.maxBodyBytes(),
          new CodecMetrics(meters),
          budget, config.bodyReadTimeout())));
      return new CodecHttpServer(server, connector, https, codecs, scheduler, config.refreshInterval(), tls, budget);
    }
  }
}
