package dev.gatehouse.bench.load;

import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import java.nio.file.Path;

/**
 * The upstream process of the load run: the in-memory Temporal server with mTLS on a free loopback port.
 *
 * <p>Usage: {@code UpstreamMain <pki-dir>}. Prints {@code PORT <n>} once serving and runs until standard input
 * closes.
 */
public final class UpstreamMain {
  private UpstreamMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: UpstreamMain <pki-dir>");
      System.exit(2);
    }
    DevPki pki = DevPki.ensure(Path.of(args[0]));
    EmbeddedTemporal upstream = EmbeddedTemporal.start(0, BenchCluster.upstreamTls(pki));
    Runtime.getRuntime().addShutdownHook(new Thread(upstream::close, "upstream-shutdown"));
    System.out.println("PORT " + upstream.port());
    System.out.flush();
    BenchCluster.awaitParentGone(System.in);
    System.exit(0);
  }
}
