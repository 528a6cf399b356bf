package dev.gatehouse.codecserver;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.pipeline.BodyBudget;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.HttpsListener;
import dev.gatehouse.tls.JdkServerTls;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
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

  private final HttpsListener listener;
  private final NamespaceCodecs codecs;
  private final BodyBudget budget;

  private CodecHttpServer(HttpsListener listener, NamespaceCodecs codecs, BodyBudget budget) {
    this.listener = listener;
    this.codecs = codecs;
    this.budget = budget;
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
    listener.start();
    log.info("codec server on {}", endpoint());
    return this;
  }

  /** The in-flight body budget, for tests. */
  BodyBudget budget() {
    return budget;
  }

  /** The bound port. */
  public int port() {
    return listener.port();
  }

  /**
   * What to give the Web UI ({@code TEMPORAL_CODEC_ENDPOINT}) and the CLI ({@code --codec-endpoint}), e.g.
   * {@code https://localhost:7244}.
   */
  public URI endpoint() {
    return listener.endpoint();
  }

  /** The periodic check: keyrings, and the server's own certificate and client CAs. */
  void refresh() {
    reloadKeyrings();
    listener.reloadTls();
  }

  /** Checks every keyring file now and reloads those whose content changed; returns how many were reloaded. */
  int reloadKeyrings() {
    return reloadKeyrings(codecs);
  }

  private static int reloadKeyrings(NamespaceCodecs codecs) {
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
    listener.close();
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

      JdkServerTls tls = https
          ? JdkServerTls.create(config.tls(), minTlsVersion, "codecServer.tls", fileOfKey, meters) : null;
      CorsPolicy cors = new CorsPolicy(config.allowedOrigins(), config.allowCredentials());
      BodyBudget budget = new BodyBudget(config.maxInFlightBodyBytes());
      Gauge.builder("gatehouse.codec.body.buffered", budget, BodyBudget::inUse).baseUnit("bytes")
          .description("Request-body bytes the codec server holds, over all requests").register(meters);
      HttpsListener listener = HttpsListener.builder("codec server", "gatehouse-codec", address)
          .tls(tls)
          .errorHandler(new TerseErrors(cors))
          .handler(new CodecHandler(pipeline, codecs, cors, config.maxBodyBytes(), new CodecMetrics(meters), budget,
              config.bodyReadTimeout()))
          .refresh(scheduler, config.refreshInterval(), () -> reloadKeyrings(codecs))
          .build();
      return new CodecHttpServer(listener, codecs, budget);
    }
  }
}
