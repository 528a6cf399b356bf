package dev.gatehouse.httpapi;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.HttpsListener;
import dev.gatehouse.tls.JdkServerTls;
import io.grpc.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
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

  private final HttpsListener listener;
  private final HttpApiHandler handler;

  private HttpApiServer(HttpsListener listener, HttpApiHandler handler) {
    this.listener = listener;
    this.handler = handler;
  }

  /** A builder for the listener {@code config} describes, running every call through {@code pipeline}. */
  public static Builder builder(HttpApi config, CallPipeline pipeline, Channel upstream) {
    return new Builder(config, pipeline, upstream);
  }

  /**
   * Starts listening and, with {@link Builder#tlsRefresh}, checking the TLS files.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public synchronized HttpApiServer start() {
    listener.start();
    log.info("HTTP API on {} ({} routes)", endpoint(), handler.routes().size());
    return this;
  }

  /** The periodic check of the TLS files, at once. */
  void refresh() {
    listener.reloadTls();
  }

  /** The bound port. */
  public int port() {
    return listener.port();
  }

  /** The base URL, e.g. {@code https://localhost:7243}. */
  public URI endpoint() {
    return listener.endpoint();
  }

  HttpApiHandler handler() {
    return handler;
  }

  /** Stops the server; requests in flight are cut off. */
  @Override
  public synchronized void close() {
    listener.close();
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

      HttpsListener listener = HttpsListener.builder("HTTP API", "gatehouse-httpapi", address)
          .tls(https ? JdkServerTls.create(material, minTlsVersion, keyPrefix, fileOfKey, registry) : null)
          // Workflow ids may hold '/', sent as %2F inside one path segment; the handler splits the raw path itself.
          .encodedSlashes()
          .errorHandler(new JsonErrors())
          .handler(handler)
          .refresh(scheduler, refreshInterval, null)
          .build();
      return new HttpApiServer(listener, handler);
    }
  }
}
