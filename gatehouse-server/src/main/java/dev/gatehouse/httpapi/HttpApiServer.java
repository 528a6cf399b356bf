package dev.gatehouse.httpapi;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.JdkServerTls;
import io.grpc.Channel;
import io.micrometer.core.instrument.MeterRegistry;
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
import org.eclipse.jetty.http.UriCompliance;
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
 * Temporal's HTTP API on its own HTTPS listener ({@code httpApi.address}): TLS 1.3 by default with the frontend's
 * certificate and client CAs (client certificates optional unless {@code requireClientAuth}), or
 * {@code httpApi.tls}; plain HTTP only on a loopback address. Requests are served by an {@link HttpApiHandler}.
 *
 * <pre>{@code
 * HttpApiServer api = HttpApiServer.builder(config.httpApi(), pipeline, dataPlane.upstreamChannel())
 *     .frontendTls(config.global().tls().frontend().server()).build().start();
 * }</pre>
 */
public final class HttpApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);
  private static final int REQUEST_HEADER_BYTES = 32 * 1024;
  // Over the 7 days (604800 s) a TLS 1.3 ticket may live: the JDK then issues none (resumption is refused anyway).
  private static final int NO_TICKETS_SESSION_SECONDS = 604_801;

  private final Server server;
  private final ServerConnector connector;
  private final boolean https;
  private final JdkServerTls tls;
  private final ScheduledExecutorService scheduler;
  private final Duration refreshInterval;
  private final HttpApiHandler handler;
  private ScheduledFuture<?> reloads;

  private HttpApiServer(Server server, ServerConnector connector, boolean https, JdkServerTls tls,
      ScheduledExecutorService scheduler, Duration refreshInterval, HttpApiHandler handler) {
    this.server = server;
    this.connector = connector;
    this.https = https;
    this.tls = tls;
    this.scheduler = scheduler;
    this.refreshInterval = refreshInterval;
    this.handler = handler;
  }

  /** A builder for the listener {@code config} describes, running every call through {@code pipeline}. */
  public static Builder builder(HttpApi config, CallPipeline pipeline, Channel upstream) {
    return new Builder(config, pipeline, upstream);
  }

  /**
   * Starts listening.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public synchronized HttpApiServer start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + connector.getHost() + ":" + connector.getPort() + ": "
          + e.getMessage(), e);
    }
    if (scheduler != null && tls != null) {
      long millis = refreshInterval.toMillis();
      reloads = scheduler.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
    }
    log.info("HTTP API on {} ({} routes)", endpoint(), handler.routes().size());
    return this;
  }

  void refresh() {
    try {
      if (tls.reloadIfChanged()) {
        log.info("HTTP API: new TLS material in use for new connections");
        closeRefusedConnections();
      }
    } catch (RuntimeException e) {
      log.warn("HTTP API: TLS material check failed: {}", e.getClass().getName());
    }
  }

  /**
   * After a reload of the client CAs: connections whose client certificate no longer validates are closed now when
   * idle, else marked so that they serve no further request (the one in flight is answered first).
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
      log.info("HTTP API: closing the connection from {}{}: after the CA reload, {}",
          endPoint.getRemoteSocketAddress(), busy ? " after its request in flight" : "", refusal);
      if (!busy) {
        endPoint.close();
        closed++;
      }
    }
    return closed;
  }

  /** Closes, unanswered, a connection marked refused by a CA reload when its next request arrives. */
  private static final class RefusedConnections extends Handler.Wrapper {
    static final String REFUSED = "dev.gatehouse.httpapi.refusedByCaReload";

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

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  /** The base URL, e.g. {@code https://localhost:7243}. */
  public URI endpoint() {
    String host = connector.getHost() == null ? "localhost" : connector.getHost();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return URI.create((https ? "https://" : "http://") + host + ":" + port());
  }

  HttpApiHandler handler() {
    return handler;
  }

  /** Stops the server; requests in flight are cut off. */
  @Override
  public synchronized void close() {
    if (reloads != null) {
      reloads.cancel(false);
    }
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("HTTP API did not stop cleanly", e);
    }
  }

  /** Jetty's own answers (malformed request, headers too large) as a short JSON error, never an HTML page. */
  private static final class JsonErrors extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
        Callback callback) {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpApiHandler.JSON);
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      String reason = HttpStatus.getMessage(code);
      int grpc = HttpApiHandler.statusOf(code).getCode().value();
      Content.Sink.write(response, true, "{\"code\":" + grpc + ",\"message\":\""
          + (reason == null ? "error" : reason.toLowerCase(Locale.ROOT).replace("\"", "")) + "\"}\n", callback);
    }
  }

  static boolean strongSuite(String suite) {
    return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")
        || (suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_") || suite.contains("_CHACHA20_")));
  }

  /** Builds an {@link HttpApiServer}; {@link #build()} checks the configuration and reads the TLS material. */
  public static final class Builder {
    private final HttpApi config;
    private final CallPipeline pipeline;
    private final Channel upstream;
    private ServerTls frontendTls = ServerTls.EMPTY;
    private String minTlsVersion;
    private Function<String, String> fileOfKey = key -> null;
    private MeterRegistry registry;
    private ScheduledExecutorService scheduler;
    private Duration refreshInterval = Duration.ofMinutes(1);

    private Builder(HttpApi config, CallPipeline pipeline, Channel upstream) {
      this.config = Objects.requireNonNull(config, "config");
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
      this.upstream = Objects.requireNonNull(upstream, "upstream");
    }

    /** The frontend's server TLS ({@code global.tls.frontend.server}), used when {@code httpApi.tls} sets none. */
    public Builder frontendTls(ServerTls frontend) {
      this.frontendTls = frontend == null ? ServerTls.EMPTY : frontend;
      return this;
    }

    /** The lowest TLS version accepted: {@code "1.3"} (the default) or {@code "1.2"}. */
    public Builder minTlsVersion(String minTlsVersion) {
      this.minTlsVersion = minTlsVersion;
      return this;
    }

    /** Which configuration file set a dotted key, for error messages. */
    public Builder fileOfKey(Function<String, String> fileOfKey) {
      this.fileOfKey = Objects.requireNonNull(fileOfKey);
      return this;
    }

    /** Where requests ({@code gatehouse.http.requests}) and refused client certificates are counted. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Checks the TLS files for changes every {@code interval}; without one ({@code null}) they are read once. */
    public Builder tlsRefresh(ScheduledExecutorService scheduler, Duration interval) {
      this.scheduler = interval == null ? null : scheduler;
      this.refreshInterval = interval == null ? Duration.ofMinutes(1) : interval;
      return this;
    }

    /**
     * Reads the routes and the TLS material and prepares the server (not started).
     *
     * @throws ConfigException when the address or TLS material is unusable, or plain HTTP would be served on an
     *     address other than loopback
     */
    public HttpApiServer build() {
      if (!config.enabled()) {
        throw new ConfigException(fileOfKey.apply("httpApi.address"), "httpApi.address",
            "is not set: the HTTP API is disabled");
      }
      InetSocketAddress address = ConfigValidator.socketAddress(config.address(), true);
      boolean own = config.tls().hasCertificate();
      ServerTls material = own ? config.tls() : frontendTls;
      String keyPrefix = own ? "httpApi.tls" : "global.tls.frontend.server";
      boolean https = material.hasCertificate();
      if (!https && !address.getAddress().isLoopbackAddress()) {
        throw new ConfigException(fileOfKey.apply("httpApi.address"), "httpApi.tls.certFile",
            "the HTTP API listens on " + config.address() + " without TLS; set httpApi.tls (or the frontend's"
                + " certificate) (plain HTTP is only allowed on a loopback address: it carries tokens)");
      }
      if (!https) {
        log.warn("the HTTP API serves plain HTTP on {} (loopback only)", config.address());
      }
      CallPipeline calls = registry == null ? pipeline : pipeline.withObserver(new HttpApiMetrics(registry));
      HttpApiHandler handler = HttpApiHandler.builder(calls, upstream)
          .allowedOrigins(config.allowedOrigins(), config.allowCredentials())
          .bodyLimits(config.maxBodyBytes(), config.maxInFlightBodyBytes(), config.bodyReadTimeout())
          .namespaceDomain(config.namespaceDomain())
          .build();

      QueuedThreadPool threads = new QueuedThreadPool(64, 2);
      threads.setName("gatehouse-httpapi");
      Server server = new Server(threads);
      HttpConfiguration http = new HttpConfiguration();
      http.setSendServerVersion(false);
      http.setSendXPoweredBy(false);
      http.setRequestHeaderSize(REQUEST_HEADER_BYTES);
      // Workflow ids may hold '/', sent as %2F inside one path segment; the handler splits the raw path itself.
      http.setUriCompliance(UriCompliance.DEFAULT.with("httpapi",
          UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
      HttpConnectionFactory h1 = new HttpConnectionFactory(http);
      ServerConnector connector;
      JdkServerTls tls = null;
      if (https) {
        tls = JdkServerTls.create(material, minTlsVersion, keyPrefix, fileOfKey, registry);
        JdkServerTls jdk = tls;
        SslContextFactory.Server ssl = new SslContextFactory.Server() {
          @Override
          public SSLParameters customize(SSLParameters jettys) {
            SSLParameters parameters = jdk.serverParameters();
            parameters.setCipherSuites(Arrays.stream(jettys.getCipherSuites()).filter(HttpApiServer::strongSuite)
                .toArray(String[]::new));
            return parameters;
          }
        };
        ssl.setSslContext(tls.sslContext());
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
      server.setErrorHandler(new JsonErrors());
      server.setHandler(new RefusedConnections(handler));
      return new HttpApiServer(server, connector, https, tls, scheduler, refreshInterval, handler);
    }
  }
}
