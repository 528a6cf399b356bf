package dev.gatehouse;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.Authorizer;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.codecserver.CodecHttpServer;
import dev.gatehouse.httpapi.HttpApiHandler;
import dev.gatehouse.httpapi.HttpApiServer;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.LoadedConfig;
import dev.gatehouse.audit.AuditBroker;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.audit.AuditLogs;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.auth.StoreIdentities;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.audit.AuditKeys;
import dev.gatehouse.audit.AuditReader;
import dev.gatehouse.auth.CloudAccessPolicy;
import dev.gatehouse.config.ControlPlane;
import dev.gatehouse.control.ApiKeyIssuer;
import dev.gatehouse.control.ControlPlaneServer;
import dev.gatehouse.tls.ListenerTls;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.tls.NamespaceTrust;
import dev.gatehouse.pipeline.CallGate;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.proxy.DataPlane;
import dev.gatehouse.tls.FrontendTls;
import dev.gatehouse.tls.InternodeTls;
import dev.gatehouse.tls.TlsEngine;
import dev.gatehouse.webui.WebUiServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Gatehouse instance: the data plane in front of a Temporal frontend, with its TLS, pipeline, codec server and
 * operations endpoint, assembled from one static configuration.
 *
 * <pre>{@code
 * try (Gatehouse g = Gatehouse.builder().withConfigLoader(Path.of("config"), "production", "").build().start()) {
 *   g.awaitTermination();
 * }
 * }</pre>
 *
 * <p>Its parts are started in dependency order and closed in reverse. When {@link #start()} fails it closes what it
 * had started before throwing, so the pattern above leaks nothing although {@code g} is never assigned.
 */
public final class Gatehouse implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gatehouse.class);

  private final LoadedConfig config;
  private final Lifecycle lifecycle;
  private final DataPlane dataPlane;
  private final Optional<CodecHttpServer> codecServer;
  private final Optional<OperationsServer> operations;
  private final Optional<ControlPlaneServer> controlPlane;
  private final Optional<HttpApiServer> httpApi;
  private final Optional<WebUiServer> webUi;

  private Gatehouse(LoadedConfig config, Lifecycle lifecycle, DataPlane dataPlane,
      Optional<CodecHttpServer> codecServer, Optional<OperationsServer> operations,
      Optional<HttpApiServer> httpApi, Optional<WebUiServer> webUi, Optional<ControlPlaneServer> controlPlane) {
    this.httpApi = httpApi;
    this.webUi = webUi;
    this.config = config;
    this.lifecycle = lifecycle;
    this.dataPlane = dataPlane;
    this.codecServer = codecServer;
    this.operations = operations;
    this.controlPlane = controlPlane;
  }

  /** The Web UI's URL (e.g. {@code https://localhost:8233}), or {@code null} when {@code webUi.address} is not set. */
  public URI webUiEndpoint() {
    return webUi.map(WebUiServer::endpoint).orElse(null);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening: the data plane, then the codec server, then the health and metrics endpoint, so
   * {@code /livez} answers only once every face is up. Every configuration problem has already surfaced in {@link Builder#build()}.
   *
   * @throws GatehouseStartException when a part cannot start (e.g. its port is taken); this instance is then closed
   */
  public Gatehouse start() {
    lifecycle.start();
    return this;
  }

  /** The data plane's bound port. */
  public int grpcPort() {
    return dataPlane.port();
  }

  /** The health/metrics port, or -1 when that endpoint is disabled. */
  public int httpPort() {
    return operations.map(OperationsServer::port).orElse(-1);
  }

  /** The control plane's (Ops API) bound port, or -1 when {@code controlPlane.address} is not set. */
  public int controlPort() {
    return controlPlane.map(ControlPlaneServer::port).orElse(-1);
  }

  /** The codec server's bound port, or -1 when {@code codecServer.address} is not set. */
  public int codecPort() {
    return codecServer.map(CodecHttpServer::port).orElse(-1);
  }

  /** The HTTP API's bound port, or -1 when {@code httpApi.address} is not set. */
  public int httpApiPort() {
    return httpApi.map(HttpApiServer::port).orElse(-1);
  }

  /** The HTTP API's base URL, or {@code null} when it is disabled. */
  public URI httpApiEndpoint() {
    return httpApi.map(HttpApiServer::endpoint).orElse(null);
  }

  /** The codec server's base URL for the Web UI and CLI, or {@code null} when it is disabled. */
  public URI codecEndpoint() {
    return codecServer.map(CodecHttpServer::endpoint).orElse(null);
  }

  public GatehouseConfig config() {
    return config.config();
  }

  /** Whether the upstream frontend answers SERVING, as {@code /readyz} reports it. */
  public boolean ready() {
    return dataPlane.upstreamServing(Duration.ofSeconds(2));
  }

  /** Blocks until {@link #close()} has finished (e.g. from a shutdown hook), or a failed start has closed it. */
  public void awaitTermination() throws InterruptedException {
    lifecycle.awaitTermination();
  }

  /**
   * Drains in-flight calls (up to {@code listen.shutdownGracePeriod}) and releases everything, in reverse start
   * order. A part that fails to stop is logged and the others are still stopped.
   */
  @Override
  public void close() {
    lifecycle.close();
  }

  /** Assembles a {@link Gatehouse}; {@link #build()} validates everything and fails with one clear line. */
  public static final class Builder {
    private LoadedConfig config;
    private ClaimMapper claimMapper;
    private Authorizer authorizer;
    private AccountStore accountStore;
    private final List<CallGate> gates = new ArrayList<>();
    private Supplier<String> webUiDevToken;
    private java.time.Clock clock = java.time.Clock.systemUTC();

    private Builder() {}

    /**
     * The clock API key expiry and elevated grants are decided against (data plane and control plane); tests
     * substitute their own. Default: the system clock in UTC.
     */
    public Builder withClock(java.time.Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /**
     * Dev mode only: the Web UI signs people in without a provider, handing out {@code devToken}'s tokens (on a
     * loopback address only).
     */
    public Builder withWebUiDevSignIn(Supplier<String> devToken) {
      this.webUiDevToken = Objects.requireNonNull(devToken);
      return this;
    }

    /** Uses a configuration built in code (or loaded elsewhere). */
    public Builder withConfig(GatehouseConfig config) {
      this.config = ConfigLoader.of(Objects.requireNonNull(config));
      return this;
    }

    /** Uses an already loaded configuration, keeping which file each key came from for error messages. */
    public Builder withConfig(LoadedConfig config) {
      this.config = Objects.requireNonNull(config);
      return this;
    }

    /** Temporal's WithConfigLoader: {@code base.yaml}, then {@code <env>.yaml}, then {@code <env>_<zone>.yaml}. */
    public Builder withConfigLoader(Path dir, String env, String zone) {
      this.config = ConfigLoader.load(dir, env, zone);
      return this;
    }

    /**
     * Uses this claim mapper instead of the one {@code global.authorization.claimMapper} names. The caller keeps
     * ownership: Gatehouse does not close it.
     */
    public Builder withClaimMapper(ClaimMapper claimMapper) {
      this.claimMapper = Objects.requireNonNull(claimMapper);
      return this;
    }

    /** Uses this authorizer instead of the one {@code global.authorization.authorizer} names. */
    public Builder withAuthorizer(Authorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer);
      return this;
    }

    /**
     * Uses this store for identities (API keys, namespace CAs) instead of the one {@code store} configures. The
     * caller keeps ownership: Gatehouse does not close it.
     */
    public Builder withAccountStore(AccountStore store) {
      this.accountStore = Objects.requireNonNull(store);
      return this;
    }

    /** Appends a pipeline stage that runs after Gatehouse's own checks, before the call is forwarded. */
    public Builder withGate(CallGate gate) {
      gates.add(Objects.requireNonNull(gate));
      return this;
    }

    /**
     * Validates the configuration and builds every part, not yet listening.
     *
     * @throws ConfigException when the configuration or a file it names is unusable
     */
    public Gatehouse build() {
      if (config == null) {
        throw new IllegalStateException("no configuration: call withConfig or withConfigLoader");
      }
      ConfigValidator.validate(config);
      GatehouseConfig c = config.config();
      Lifecycle lifecycle = new Lifecycle();
      try {
        // Added in dependency order: the lifecycle closes them in reverse, the faces before what they use.
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        lifecycle.add(Component.of("meter registry", () -> {}, meters::close));
        ScheduledExecutorService scheduler = newScheduler();
        lifecycle.add(Component.of("scheduler", () -> {}, scheduler::shutdownNow));
        AccountStore store = accountStore(c, lifecycle);
        StoreIdentities identities = store == null ? null : storeIdentities(c, store, meters, scheduler, lifecycle);
        FrontendTls frontend = lifecycle.resource("frontend TLS",
            new FrontendTls(c.global().tls(), config.origin()::fileOf, meters, scheduler,
                TlsEngine.of(c.listen().tlsEngine()), identities == null ? null : identities.trust()));
        if (identities != null) {
          identities.onTrustChange(frontend::trustNamespaces);
        }
        InternodeTls internode = lifecycle.resource("internode TLS",
            new InternodeTls(c.global().tls(), config.origin()::fileOf, meters, scheduler));
        DataPlane.Builder dp = dataPlane(c, frontend, internode, meters);

        AccessController.Builder access = AccessController.builder(c.global().authorization()).meterRegistry(meters);
        access.scheduler(scheduler).configOrigin(config.origin()).tls(c.global().tls());
        if (claimMapper != null) {
          access.claimMapper(claimMapper);
        }
        if (authorizer != null) {
          access.authorizer(authorizer);
        }
        if (identities != null) {
          access.storeIdentities(identities);
        } else if (c.controlPlane().namespaceDomain() != null) {
          String domain = c.controlPlane().namespaceDomain();
          access.namespaceEndpoints(serverName -> NamespaceTrust.endpointNamespace(domain, serverName));
        }
        AccessController accessController = access.build();
        lifecycle.resource("access controller", accessController);
        CallPipeline.Builder pipeline = CallPipeline.builder(accessController);
        AuditLog auditLog = auditLog(c, accessController, meters, scheduler, lifecycle);
        pipeline.auditLog(auditLog);
        gates.forEach(pipeline::gate);
        CallPipeline calls = pipeline.build();
        DataPlane dataPlane = dp.pipeline(calls).build();
        lifecycle.add(Component.of("data plane", dataPlane::start, dataPlane));

        CodecHttpServer codecServer = null;
        if (c.codecServer().enabled()) {
          // The same access controller as the data plane: one identity and authorization scheme for both faces.
          codecServer = CodecHttpServer.builder(c.codecServer(), calls.withoutGates())
              .fileOfKey(config.origin()::fileOf)
              .minTlsVersion(c.global().tls().frontend().minVersion())
              .meterRegistry(meters)
              .scheduler(scheduler)
              .build();
          lifecycle.add(Component.of("codec server", codecServer::start, codecServer));
        }

        HttpApiServer httpApi = null;
        if (c.httpApi().enabled()) {
          // The same pipeline as the data plane, with its task-token and namespace-id check; forwarded on the data
          // plane's internode connection.
          httpApi = HttpApiServer.builder(c.httpApi(), calls.withFaceGate(dataPlane.namespaceBinding()),
                  dataPlane.upstreamChannel())
              .frontendTls(c.global().tls().frontend().server())
              .minTlsVersion(c.global().tls().frontend().minVersion())
              .fileOfKey(config.origin()::fileOf)
              .meterRegistry(meters)
              .tlsRefresh(scheduler, c.global().tls().refreshIntervalFor(c.global().tls().frontend()))
              .build();
          lifecycle.add(Component.of("HTTP API", httpApi::start, httpApi));
        }

        WebUiServer webUi = null;
        if (c.webUi().enabled()) {
          WebUiServer.Builder ui = WebUiServer.builder(c.webUi(), accessController)
              // The ui-server's API form: /api/v1 only, proto3 JSON without payload shorthand; the caller's
              // credential is the Authorization header the page sends, never a cookie.
              .api(HttpApiHandler.builder(calls.withFaceGate(dataPlane.namespaceBinding()),
                      dataPlane.upstreamChannel())
                  .routePrefix("/api/v1")
                  .payloadShorthand(false)
                  .ignoreUnknownQueryParameters(true)
                  .build())
              .codecEndpoint(codecEndpointOf(codecServer))
              .fallbackTls(c.global().tls().frontend().server())
              .minTlsVersion(c.global().tls().frontend().minVersion())
              .fileOfKey(config.origin()::fileOf)
              .meterRegistry(meters)
              .tlsRefresh(scheduler, c.global().tls().refreshIntervalFor(c.global().tls().frontend()));
          if (webUiDevToken != null) {
            ui.devSignIn(webUiDevToken);
          }
          webUi = ui.build();
          lifecycle.add(Component.of("web UI", webUi::start, webUi));
        }

        ControlPlaneServer controlPlane = null;
        if (c.controlPlane().enabled()) {
          controlPlane = controlPlane(c, store, identities, auditLog, dataPlane, meters, scheduler, lifecycle);
          lifecycle.add(Component.of("control plane", controlPlane::start, controlPlane));
        }

        Optional<OperationsServer> operations = operations(c, dataPlane, meters);
        operations.ifPresent(o -> lifecycle.add(Component.of("health and metrics endpoint", o::start, o)));
        return new Gatehouse(config, lifecycle, dataPlane, Optional.ofNullable(codecServer), operations,
            Optional.ofNullable(httpApi), Optional.ofNullable(webUi), Optional.ofNullable(controlPlane));
      } catch (RuntimeException e) {
        lifecycle.close();
        throw e;
      }
    }

    /** The codec server's URL once it listens (it starts before the Web UI), for the UI's settings. */
    private static Supplier<URI> codecEndpointOf(CodecHttpServer codecServer) {
      return codecServer == null ? () -> null : codecServer::endpoint;
    }

    /**
     * The store's identities (API keys, namespace CAs) when a store is given ({@link #withAccountStore}) or
     * configured ({@code store}, opened here and closed after everything that uses it), else {@code null}: read once
     * here, then kept current from the store's changes.
     */
    private StoreIdentities storeIdentities(GatehouseConfig c, AccountStore store, PrometheusMeterRegistry meters,
        ScheduledExecutorService scheduler, Lifecycle lifecycle) {
      PluginContext context = PluginContext.builder(c.global().authorization())
          .origin(config.origin())
          .meterRegistry(meters)
          .scheduler(scheduler)
          .tls(c.global().tls())
          .clock(clock)
          .build();
      return lifecycle.resource("store identities", StoreIdentities.start(store, ApiKeySecrets.forStore(store),
          context, c.controlPlane().namespaceDomain()));
    }

    /**
     * The account store: the one given to {@link #withAccountStore} (the caller owns it), else the one
     * {@code store} configures (opened here, closed with Gatehouse), else none.
     */
    private AccountStore accountStore(GatehouseConfig c, Lifecycle lifecycle) {
      if (accountStore != null) {
        return accountStore;
      }
      if (!c.store().configured()) {
        return null;
      }
      return lifecycle.resource("account store", AccountStore.open(c.store(), java.time.Clock.systemUTC()));
    }

    /**
     * The Ops API on {@code controlPlane.address}: its own access controller (the Cloud catalog, API keys from the
     * store, Cloud's permissions), the same audit log as the data plane, and the data plane's upstream channel for
     * RegisterNamespace.
     */
    private ControlPlaneServer controlPlane(GatehouseConfig c, AccountStore store, StoreIdentities identities,
        AuditLog auditLog,
        DataPlane dataPlane, PrometheusMeterRegistry meters, ScheduledExecutorService scheduler,
        Lifecycle lifecycle) {
      if (identities == null) {
        throw new ConfigException(config.origin().fileOf("controlPlane.address"), "controlPlane.address",
            "the control plane needs the account store: set store.dir (e.g. /var/lib/gatehouse) or store.url");
      }
      if (store.account().isEmpty()) {
        log.warn("the store has no account yet: run `gatehouse init` to make the first Owner and their API key");
      }
      AccessController access = lifecycle.resource("control plane access controller",
          AccessController.builder(c.global().authorization())
              .catalog(ApiCatalog.cloud())
              .claimMapper(identities.apiKeyMapper())
              .authorizer(CloudAccessPolicy.INSTANCE)
              .meterRegistry(meters)
              .scheduler(scheduler)
              .configOrigin(config.origin())
              .build());
      CallPipeline pipeline = CallPipeline.builder(access).auditLog(auditLog).build();
      ControlPlane cp = c.controlPlane();
      SslContext tls = cp.tls().hasCertificate()
          ? ListenerTls.serverContext(cp.tls(), "controlPlane.tls", cp.minVersion(), config.origin()::fileOf)
          : null;
      if (tls == null) {
        log.warn("the control plane serves plaintext on {} (loopback only)", cp.address());
      }
      ControlPlaneServer.Builder b = ControlPlaneServer.builder()
          .listen(ConfigValidator.socketAddress(cp.address(), true))
          .tls(tls)
          .pipeline(pipeline)
          .store(store)
          .apiKeys(ApiKeyIssuer.of(ApiKeySecrets.forStore(store)))
          .apiKeysPerOwner(cp.apiKeysPerOwner())
          .upstream(dataPlane::upstreamChannel)
          .afterChange(identities::refreshNow)
          .clock(clock)
          .elevation(elevation(cp.grants()))
          .grantEvents(grantEvents(cp.grants(), auditLog))
          .reviewEvents(new dev.gatehouse.access.ReviewAudit(auditLog, clock))
          .shutdownGrace(c.listen().shutdownGracePeriod());
      if (c.audit().on() && c.audit().dir() != null) {
        try {
          byte[] key = c.audit().encryptionKeyFile() == null ? null
              : AuditKeys.readEncryptionKey(Path.of(c.audit().encryptionKeyFile()));
          b.auditReader(new AuditReader(Path.of(c.audit().dir()), key));
        } catch (java.io.IOException e) {
          throw new ConfigException(config.origin().fileOf("audit.encryptionKeyFile"), "audit.encryptionKeyFile",
              "cannot be read: " + e.getMessage(), e);
        }
      }
      return b.build();
    }

    /** {@code controlPlane.grants} as the access package's policy (validated already). */
    static dev.gatehouse.access.ElevationPolicy elevation(dev.gatehouse.config.AccessGrants g) {
      List<dev.gatehouse.access.ElevationPolicy.AutoApproval> rules = new ArrayList<>();
      for (dev.gatehouse.config.AccessGrants.AutoApprove r : g.autoApprove()) {
        rules.add(new dev.gatehouse.access.ElevationPolicy.AutoApproval(r.name(), java.util.Set.copyOf(r.groups()),
            java.util.Set.copyOf(r.namespaces()),
            dev.gatehouse.store.NamespacePermission.valueOf(r.maxPermission().toUpperCase(java.util.Locale.ROOT)),
            r.maxDuration() == null ? g.maxDuration() : r.maxDuration()));
      }
      return new dev.gatehouse.access.ElevationPolicy(g.maxDuration(), g.requestTtl(),
          java.util.Set.copyOf(g.protectedNamespaces()), rules, g.breakGlass());
    }

    /** Grant events go to the audit log, and to the webhook when one is set. */
    private dev.gatehouse.access.GrantEvent.Listener grantEvents(dev.gatehouse.config.AccessGrants g,
        AuditLog auditLog) {
      dev.gatehouse.access.GrantEvent.Listener audit = new dev.gatehouse.access.GrantAudit(auditLog, clock);
      if (g.webhook() == null) {
        return audit;
      }
      dev.gatehouse.access.GrantEvent.Listener hook =
          new dev.gatehouse.access.WebhookNotifier(java.net.URI.create(g.webhook()));
      return event -> {
        audit.on(event);
        hook.on(event);
      };
    }

    /** The audit log from {@code audit}, started before the faces and closed after them. */
    private AuditLog auditLog(GatehouseConfig c, AccessController access, PrometheusMeterRegistry meters,
        ScheduledExecutorService scheduler, Lifecycle lifecycle) {
      if (!c.audit().on()) {
        log.warn("no audit log: calls are not recorded (add an audit section with audit.dir)");
        return AuditLog.OFF;
      }
      PluginContext context = PluginContext.builder(c.global().authorization())
          .origin(config.origin())
          .meterRegistry(meters)
          .scheduler(scheduler)
          .build();
      AuditBroker broker = AuditLogs.fromConfig(c.audit(), access.catalog(), context);
      lifecycle.add(Component.of("audit log", broker::start, broker));
      log.info("audit log in {} ({} mode)", c.audit().dir(), broker.mode().name().toLowerCase(Locale.ROOT));
      return broker;
    }

    private static ScheduledExecutorService newScheduler() {
      // One thread for every periodic check (TLS and keyring reloads): each is short and none is latency-critical.
      return Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-scheduler");
        t.setDaemon(true);
        return t;
      });
    }

    /** The data plane's settings from {@code listen}, {@code upstream} and TLS; the gates are added by the caller. */
    private DataPlane.Builder dataPlane(GatehouseConfig c, FrontendTls frontend, InternodeTls internode,
        PrometheusMeterRegistry meters) {
      InetSocketAddress listen = ConfigValidator.socketAddress(c.listen().grpcAddress(), true);
      if (!frontend.enabled() && !listen.getAddress().isLoopbackAddress()) {
        throw new ConfigException(config.origin().fileOf("global.tls.frontend.server.certFile"),
            "global.tls.frontend.server.certFile",
            "the data plane listens on " + c.listen().grpcAddress() + " without TLS; set certFile and keyFile "
                + "(plaintext is only allowed on a loopback address)");
      }
      if (!frontend.enabled()) {
        log.warn("the data plane serves plaintext on {} (loopback only): callers are not authenticated by TLS",
            c.listen().grpcAddress());
      }
      DataPlane.Builder dp = DataPlane.builder()
          .listen(listen)
          .upstream(ConfigValidator.socketAddress(c.upstream().address(), false))
          .connectTimeout(c.upstream().connectTimeout())
          .shutdownGrace(c.listen().shutdownGracePeriod())
          .http2Limits(c.listen())
          .meterRegistry(meters)
          .peerCertificates(FrontendTls::peerOf);
      if (frontend.enabled()) {
        dp.serverTls(frontend.serverContext()).acceptedConnections(frontend::track);
      }
      if (internode.enabled()) {
        dp.upstreamTls(internode.clientContext(), internode.authorityOverride().orElse(null));
      }
      return dp;
    }

    private static Optional<OperationsServer> operations(GatehouseConfig c, DataPlane dataPlane,
        PrometheusMeterRegistry meters) {
      if (c.listen().httpAddress() == null) {
        return Optional.empty();
      }
      return Optional.of(new OperationsServer(ConfigValidator.socketAddress(c.listen().httpAddress(), true),
          () -> dataPlane.upstreamServing(Duration.ofSeconds(2)), meters));
    }
  }
}
