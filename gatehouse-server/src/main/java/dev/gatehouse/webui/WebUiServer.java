package dev.gatehouse.webui;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Identification;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.config.WebUi;
import dev.gatehouse.tls.HttpsListener;
import dev.gatehouse.tls.JdkServerTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a Temporal Web UI build at its own address, in the Go ui-server's contract: the static build with an
 * {@code index.html} fallback, {@code /api/v1/settings}, the {@code /api/v1} API (handed to the HTTP API face,
 * configured by the root for the ui-server's JSON form) and OIDC sign-in ({@code /auth/...}) with the ui-server's
 * cookies. Every API and codec call the page makes carries the signed-in person's access token, so Gatehouse
 * identifies, authorizes and audits it as that person.
 *
 * <pre>{@code
 * WebUiServer ui = WebUiServer.builder(config.webUi(), accessController)
 *     .api(httpApiHandler).codecEndpoint(codec.endpoint()).fallbackTls(frontendServerTls).build().start();
 * }</pre>
 *
 * <p>HTTPS (TLS 1.3 unless configured otherwise) is required except on a loopback address.
 */
public final class WebUiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebUiServer.class);

  private final HttpsListener listener;
  private final ExecutorService worker;

  private WebUiServer(HttpsListener listener, ExecutorService worker) {
    this.listener = listener;
    this.worker = worker;
  }

  /** A builder for the UI {@code config} describes; {@code access} checks the access tokens sign-in hands out. */
  public static Builder builder(WebUi config, AccessController access) {
    return new Builder(config, access);
  }

  /** Starts listening. @throws IllegalStateException when the address cannot be bound */
  public synchronized WebUiServer start() {
    listener.start();
    log.info("web UI on {}", endpoint());
    return this;
  }

  /** The bound port. */
  public int port() {
    return listener.port();
  }

  /** The URL people open, e.g. {@code https://localhost:8233}. */
  public URI endpoint() {
    return listener.endpoint();
  }

  /** New handshakes use the certificate and key once their files change (no client certificates to re-check). */
  void reloadTls() {
    listener.reloadTls();
  }

  @Override
  public synchronized void close() {
    try {
      listener.close();
    } finally {
      worker.shutdownNow();
    }
  }

  /** Jetty's own answers (bad requests, unhandled failures): one short line, never a page or a stack. */
  private static final class TerseErrors extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
        Callback callback) {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      String reason = HttpStatus.getMessage(code);
      Content.Sink.write(response, true, (reason == null ? "error" : reason.toLowerCase(Locale.ROOT)) + "\n",
          callback);
    }
  }

  /** Builds a {@link WebUiServer}; {@link #build()} checks the configuration and reads the UI build. */
  public static final class Builder {
    private final WebUi config;
    private final AccessController access;
    private Handler api;
    private Supplier<URI> codecEndpoint = () -> null;
    private ServerTls fallbackTls = ServerTls.EMPTY;
    private String minTlsVersion;
    private Function<String, String> fileOfKey = key -> null;
    private MeterRegistry registry;
    private Supplier<String> devToken;
    private String version = "gatehouse";
    private ScheduledExecutorService scheduler;
    private Duration refreshInterval = Duration.ofMinutes(1);

    private Builder(WebUi config, AccessController access) {
      this.config = Objects.requireNonNull(config, "config");
      this.access = Objects.requireNonNull(access, "access");
    }

    /**
     * The handler for {@code /api/v1/**} (all but settings), serving Temporal's HTTP API in the ui-server's form (no
     * payload shorthand) through the pipeline; it reads the caller's credential from {@code Authorization}. Without
     * it the API answers 503.
     */
    public Builder api(Handler api) {
      this.api = api;
      return this;
    }

    /** Gatehouse's own codec server, the UI's codec endpoint unless {@code webUi.codec.endpoint} is set. */
    public Builder codecEndpoint(URI codecEndpoint) {
      return codecEndpoint(() -> codecEndpoint);
    }

    /** As {@link #codecEndpoint(URI)}, asked once when the first settings request comes (after start). */
    public Builder codecEndpoint(Supplier<URI> codecEndpoint) {
      this.codecEndpoint = Objects.requireNonNull(codecEndpoint);
      return this;
    }

    /** The certificate to serve when {@code webUi.tls} has none: the frontend's ({@code global.tls.frontend.server}). */
    public Builder fallbackTls(ServerTls tls) {
      this.fallbackTls = tls == null ? ServerTls.EMPTY : tls;
      return this;
    }

    public Builder minTlsVersion(String minTlsVersion) {
      this.minTlsVersion = minTlsVersion;
      return this;
    }

    public Builder fileOfKey(Function<String, String> fileOfKey) {
      this.fileOfKey = Objects.requireNonNull(fileOfKey);
      return this;
    }

    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Dev mode: sign-in hands out {@code devToken}'s tokens with no provider; only on a loopback address. */
    public Builder devSignIn(Supplier<String> devToken) {
      this.devToken = devToken;
      return this;
    }

    /** Re-reads the TLS files every {@code interval} on {@code scheduler}; without it they are read once. */
    public Builder tlsRefresh(ScheduledExecutorService scheduler, Duration interval) {
      this.scheduler = scheduler;
      this.refreshInterval = Objects.requireNonNull(interval);
      return this;
    }

    /** What {@code Version} in the settings says. */
    public Builder version(String version) {
      this.version = Objects.requireNonNull(version);
      return this;
    }

    /**
     * @throws ConfigException when the address, TLS material, sign-in or UI build is unusable
     */
    public WebUiServer build() {
      if (!config.enabled()) {
        throw new ConfigException(fileOfKey.apply("webUi.address"), "webUi.address", "is not set: the Web UI is off");
      }
      InetSocketAddress address = ConfigValidator.socketAddress(config.address(), true);
      boolean loopback = address.getAddress().isLoopbackAddress();
      ServerTls tls = config.tls().hasCertificate() ? config.tls()
          : new ServerTls(fallbackTls.certFile(), fallbackTls.keyFile(), fallbackTls.certData(),
              fallbackTls.keyData(), null, null, false);
      String tlsKey = config.tls().hasCertificate() ? "webUi.tls" : "global.tls.frontend.server";
      boolean https = tls.hasCertificate();
      if (!https && !loopback) {
        throw new ConfigException(fileOfKey.apply("webUi.address"), "webUi.tls.certFile",
            "the Web UI listens on " + config.address() + " without TLS; set webUi.tls (or "
                + "global.tls.frontend.server) certFile and keyFile (plain HTTP is only allowed on a loopback address)");
      }
      if (config.oidc() == null && devToken == null) {
        throw new ConfigException(fileOfKey.apply("webUi.address"), "webUi.oidc",
            "required: the OpenID Connect provider people sign in with (issuer, clientId, redirectUrl)");
      }
      if (devToken != null && !loopback) {
        throw new ConfigException(fileOfKey.apply("webUi.address"), "webUi.address",
            "dev sign-in is only served on a loopback address, not " + config.address());
      }
      StaticAssets assets;
      try {
        assets = StaticAssets.load(Path.of(config.assetsDir()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(fileOfKey.apply("webUi.assetsDir"), "webUi.assetsDir", e.getMessage());
      }
      if (!https) {
        log.warn("the web UI serves plain HTTP on {} (loopback only)", config.address());
      }
      MeterRegistry meters = registry != null ? registry : new SimpleMeterRegistry();
      SessionCookies cookies = new SessionCookies(https);
      ExecutorService worker = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gatehouse-webui-", 0)
          .factory());
      SignIn signIn = devToken != null ? new DevSignIn(cookies, devToken, config.sessionMaxAge())
          : new OidcSignIn(cookies, config.oidc(), config.sessionMaxAge(), worker, this::accessTokenProblem);
      Supplier<URI> codecUrl = codecEndpoint;
      String uiVersion = version;
      Supplier<String> settings = () -> Settings.json(true, config.defaultNamespace(),
          config.codec().endpoint() != null ? URI.create(config.codec().endpoint()) : codecUrl.get(),
          config.codec().passAccessToken(), config.codec().includeCredentials(), uiVersion);

      HttpsListener listener = HttpsListener.builder("web UI", "gatehouse-webui", address)
          .tls(https ? JdkServerTls.create(tls, minTlsVersion, tlsKey, fileOfKey, meters) : null)
          // Workflow ids may hold '/', sent as %2F in one API path segment. Static files are looked up by name in
          // memory, never on disk, so an encoded separator cannot reach outside the build.
          .encodedSlashes()
          // Long enough for the UI's history long polls (waitNewEvent) to be answered on the same connection.
          .idleTimeout(Duration.ofSeconds(90))
          .errorHandler(new TerseErrors())
          .handler(new WebUiHandler(assets, settings, signIn, cookies, api))
          .refresh(scheduler, refreshInterval, null)
          .build();
      return new WebUiServer(listener, worker);
    }

    /** Why Gatehouse's credential check would refuse this access token, or {@code null} when it accepts it. */
    private String accessTokenProblem(String accessToken) {
      ApiMethod method = access.catalog().find(ApiCatalog.WORKFLOW + "/ListNamespaces");
      Identification who = access.identify(new AuthInfo("Bearer " + accessToken, null, null, null, null), method);
      if (!who.refused()) {
        return null;
      }
      return who.refusal().reason() == null ? "refused" : who.refusal().reason();
    }
  }
}
