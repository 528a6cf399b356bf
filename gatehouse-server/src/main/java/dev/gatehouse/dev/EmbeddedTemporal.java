package dev.gatehouse.dev;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory Temporal test server, bound to loopback, as the upstream for {@code start-dev} and tests.
 *
 * <p>Not for production: it keeps everything in memory, accepts any namespace name and does not implement
 * RegisterNamespace, ListNamespaces, visibility queries or GetSearchAttributes.
 */
public final class EmbeddedTemporal implements AutoCloseable {
  private final TestServicesStarter services;
  private final Server server;

  private EmbeddedTemporal(TestServicesStarter services, Server server) {
    this.services = services;
    this.server = server;
  }

  /**
   * Starts the server on {@code 127.0.0.1:port} ({@code 0} picks a free port), in real time (no time skipping).
   *
   * @param tls the server's TLS context, or {@code null} for plaintext
   */
  public static EmbeddedTemporal start(int port, SslContext tls) {
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
            .maxInboundMessageSize(128 * 1024 * 1024)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    if (tls != null) {
      builder.sslContext(tls);
    }
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    try {
      return new EmbeddedTemporal(services, builder.build().start());
    } catch (IOException e) {
      services.close();
      throw new UncheckedIOException("cannot start the embedded Temporal server on port " + port, e);
    }
  }

  public int port() {
    return server.getPort();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    services.close();
  }
}
