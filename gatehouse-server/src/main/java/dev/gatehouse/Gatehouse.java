package dev.gatehouse;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.LoadedConfig;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.Authorizer;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.codecserver.CodecHttpServer;
import dev.gatehouse.proxy.AccessGate;
import dev.gatehouse.proxy.CallGate;
import dev.gatehouse.proxy.DataPlane;
import dev.gatehouse.tls.FrontendTls;
import dev.gatehouse.tls.InternodeTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Gatehouse instance: the data plane in front of a Temporal frontend, with its TLS, pipeline and operations
 * endpoint, assembled from one static configuration.
 *
 * <pre>{@code
 * try (Gatehouse g = Gatehouse.builder().withConfigLoader(Path.of("config"), "production", "").build().start()) {
 *   g.awaitTermination();
 * }
 * }</pre>
 */
public final class Gatehouse implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gatehouse.class);

  private final LoadedConfig config;
  private final PrometheusMeterRegistry meters;
  private final ScheduledExecutorService scheduler;
  private final DataPlane dataPlane;
  private final OperationsServer operations;
  private final CodecHttpServer codecServer;
  private final Deque<AutoCloseable> resources;
  private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

  private Gatehouse(LoadedConfig config, PrometheusMeterRegistry meters, ScheduledExecutorService scheduler,
      DataPlane dataPlane, OperationsServer operations, CodecHttpServer codecServer, Deque<AutoCloseable> resources) {
    this.config = config;
    this.meters = meters;
    this.scheduler = scheduler;
    this.dataPlane = dataPlane;
    this.operations = operations;
    this.codecServer = codecServer;
    this.resources = resources;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts listening. Every configuration problem has already surfaced in {@link Builder#build()}. */
  public Gatehouse start() {
    dataPlane.start();
    if (operations != null) {
      operations.start();
      log.info("health and metrics on http://{}:{}/ (livez, readyz, metrics)",
          config.config().listen().httpAddress().replaceFirst(":\\d+$", ""), operations.port());
    }
    if (codecServer != null) {
      codecServer.start();
    }
    return this;
  }

  /** The data plane's bound port. */
  public int grpcPort() {
    return dataPlane.port();
  }

  /** The health/metrics port, or -1 when that endpoint is disabled. */
  public int httpPort() {
    return operations == null ? -1 : operations.port();
  }

  /** The codec server's bound port, or -1 when {@code codecServer.address} is not set. */
  public int codecPort() {
    return codecServer == null ? -1 : codecServer.port();
  }

  /** The codec server's base URL for the Web UI and CLI, or {@code null} when it is disabled. */
  public java.net.URI codecEndpoint() {
    return codecServer == null ? null : codecServer.endpoint();
  }

  public GatehouseConfig config() {
    return config.config();
  }

  /** Whether the upstream frontend answers SERVING, as {@code /readyz} reports it. */
  public boolean ready() {
    return dataPlane.upstreamServing(Duration.ofSeconds(2));
  }

  /** Blocks until {@link #close()} has finished (e.g. from a shutdown hook). */
  public void awaitTermination() throws InterruptedException {
    closed.await();
  }

  /** Drains in-flight calls (up to {@code listen.shutdownGracePeriod}) and releases everything. */
  @Override
  public synchronized void close() {
    if (closed.getCount() == 0) {
      return;
    }
    if (operations != null) {
      operations.close();
    }
    dataPlane.close();
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        log.warn("error while shutting down: {}", e.toString());
      }
    }
    scheduler.shutdownNow();
    meters.close();
    closed.countDown();
  }

  /** Assembles a {@link Gatehouse}; {@link #build()} validates everything and fails with one clear line. */
  public static final class Builder {
    private LoadedConfig config;
    private ClaimMapper claimMapper;
    private Authorizer authorizer;
    private final List<CallGate> gates = new ArrayList<>();

    private Builder() {}

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

    /** Appends a pipeline stage that runs after Gatehouse's own checks, before the call is forwarded. */
    public Builder withGate(CallGate gate) {
      gates.add(Objects.requireNonNull(gate));
      return this;
    }

    public Gatehouse build() {
      if (config == null) {
        throw new IllegalStateException("no configuration: call withConfig or withConfigLoader");
      }
      ConfigValidator.validate(config);
      GatehouseConfig c = config.config();
      Deque<AutoCloseable> resources = new ArrayDeque<>();
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-scheduler");
        t.setDaemon(true);
        return t;
      });
      DataPlane dataPlane = null;
      try {
        FrontendTls frontend = new FrontendTls(c.global().tls(), config.origin()::fileOf, meters, scheduler);
        resources.push(frontend);
        InternodeTls internode = new InternodeTls(c.global().tls(), config.origin()::fileOf, meters, scheduler);
        resources.push(internode);

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
            .meterRegistry(meters)
            .peerCertificates(FrontendTls::peerOf);
        if (frontend.enabled()) {
          dp.serverTls(frontend.serverContext());
        }
        if (internode.enabled()) {
          dp.upstreamTls(internode.clientContext(), internode.authorityOverride().orElse(null));
        }
        AccessController.Builder access = AccessController.builder(c.global().authorization()).meterRegistry(meters);
        access.scheduler(scheduler).configOrigin(config.origin());
        if (claimMapper != null) {
          access.claimMapper(claimMapper);
        }
        if (authorizer != null) {
          access.authorizer(authorizer);
        }
        AccessController accessController = access.build();
        resources.push(accessController);
        dp.gate(new AccessGate(accessController));
        gates.forEach(dp::gate);
        dataPlane = dp.build();
        DataPlane built = dataPlane;

        CodecHttpServer codecServer = null;
        if (c.codecServer().enabled()) {
          // The same access controller as the data plane: one identity and authorization scheme for both faces.
          codecServer = CodecHttpServer.builder(c.codecServer(), accessController)
              .fileOfKey(config.origin()::fileOf)
              .minTlsVersion(c.global().tls().frontend().minVersion())
              .meterRegistry(meters)
              .scheduler(scheduler)
              .build();
          resources.push(codecServer);
        }

        OperationsServer operations = null;
        if (c.listen().httpAddress() != null) {
          operations = new OperationsServer(ConfigValidator.socketAddress(c.listen().httpAddress(), true),
              () -> built.upstreamServing(Duration.ofSeconds(2)), meters);
        }
        return new Gatehouse(config, meters, scheduler, dataPlane, operations, codecServer, resources);
      } catch (RuntimeException e) {
        if (dataPlane != null) {
          dataPlane.close();
        }
        for (AutoCloseable r : resources) {
          try {
            r.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        scheduler.shutdownNow();
        meters.close();
        throw e;
      }
    }
  }
}
