package dev.gatehouse.bench.load;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Listen;
import dev.gatehouse.dev.DevPki;
import java.nio.file.Path;

/**
 * The gateway process of the load run: Gatehouse with mTLS on both legs in front of an upstream on loopback,
 * authorizing by client certificate ({@code mtls}, also what two arguments mean, as older builds of this class
 * took) or by bearer JWT checked against the keys in a JWKS file ({@code jwt}).
 *
 * <p>Usage: {@code GatewayMain <pki-dir> <upstream-port> [mtls | jwt <jwks-file>]}. Prints {@code PORT <n>} once
 * listening and runs until standard input closes.
 */
public final class GatewayMain {
  private static final String USAGE = "usage: GatewayMain <pki-dir> <upstream-port> [mtls | jwt <jwks-file>]";

  /** With this system property set to a folder, the gateway runs with its audit log on (blocking mode) there. */
  public static final String AUDIT_DIR_PROPERTY = "gatehouse.bench.auditDir";

  /** With this system property set to {@code jdk}, the gateway's frontend runs the JDK's TLS engine. */
  public static final String TLS_ENGINE_PROPERTY = "gatehouse.bench.tlsEngine";

  private GatewayMain() {}

  public static void main(String[] args) {
    GatehouseConfig config;
    try {
      config = config(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    String auditDir = System.getProperty(AUDIT_DIR_PROPERTY);
    if (auditDir != null) {
      config = config.withAudit(Audit.inDirectory(auditDir));
    }
    String engine = System.getProperty(TLS_ENGINE_PROPERTY);
    if (engine != null) {
      Listen l = config.listen();
      config = new GatehouseConfig(config.global(), new Listen(l.grpcAddress(), l.httpAddress(),
          l.shutdownGracePeriod(), l.maxHeaderListBytes(), l.maxConcurrentCallsPerConnection(),
          l.maxRstFramesPerWindow(), l.rstFramesWindow(), engine, l.forwarder()), config.upstream(), config.codecServer(),
          config.audit());
    }
    Gatehouse gateway = Gatehouse.builder().withConfig(config).build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
    System.out.println("PORT " + gateway.grpcPort());
    System.out.flush();
    BenchCluster.awaitParentGone(System.in);
    System.exit(0);
  }

  private static GatehouseConfig config(String[] args) {
    if (args.length < 2 || args.length > 4) {
      throw new IllegalArgumentException("wrong number of arguments");
    }
    DevPki pki = DevPki.ensure(Path.of(args[0]));
    int upstreamPort = Integer.parseInt(args[1]);
    GatewayAuth auth = args.length > 2 ? GatewayAuth.of(args[2]) : GatewayAuth.MTLS;
    return switch (auth) {
      case MTLS -> {
        if (args.length != 2 && args.length != 3) {
          throw new IllegalArgumentException("mtls takes no further argument");
        }
        yield BenchCluster.gatewayConfig(pki, upstreamPort);
      }
      case JWT -> {
        if (args.length != 4) {
          throw new IllegalArgumentException("jwt needs the JWKS file");
        }
        yield BenchCluster.jwtGatewayConfig(pki, upstreamPort, Path.of(args[3]));
      }
    };
  }
}
