package dev.gatehouse.bench.load;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.tls.DevPki;
import java.nio.file.Path;

/**
 * The gateway process of the load run: Gatehouse with mTLS on both legs in front of an upstream on loopback.
 *
 * <p>Usage: {@code GatewayMain <pki-dir> <upstream-port>}. Prints {@code PORT <n>} once listening and runs until
 * standard input closes.
 */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: GatewayMain <pki-dir> <upstream-port>");
      System.exit(2);
    }
    DevPki pki = DevPki.ensure(Path.of(args[0]));
    int upstreamPort = Integer.parseInt(args[1]);
    Gatehouse gateway = Gatehouse.builder().withConfig(BenchCluster.gatewayConfig(pki, upstreamPort)).build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
    System.out.println("PORT " + gateway.grpcPort());
    System.out.flush();
    BenchCluster.awaitParentGone(System.in);
    System.exit(0);
  }
}
