package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.codecserver.CodecHttpServer;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Listen;
import dev.gatehouse.proxy.DataPlane;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A real Gatehouse (plaintext, loopback, port 0) whose later face cannot bind: what had started is closed again.
 *
 * <p>The data plane's port is only known once it listens, and a failed start terminates it, so the test reads the
 * bound address from the data plane's "listening on" log event (its argument, not its text).
 */
class GatehouseLifecycleTest {
  @TempDir Path dir;
  private final InetAddress loopback = InetAddress.getLoopbackAddress();
  private final Logger dataPlaneLog = (Logger) LoggerFactory.getLogger(DataPlane.class);
  private final Logger codecLog = (Logger) LoggerFactory.getLogger(CodecHttpServer.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void captureListeningAddresses() {
    logs.start();
    dataPlaneLog.addAppender(logs);
    codecLog.addAppender(logs);
  }

  @AfterEach
  void release() {
    dataPlaneLog.detachAppender(logs);
    codecLog.detachAppender(logs);
  }

  @Test
  void whenTheCodecServerCannotBindTheDataPlaneStopsListening() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
      Gatehouse gatehouse = Gatehouse.builder().withConfig(config(null, "127.0.0.1:" + taken.getLocalPort())).build();

      assertThatThrownBy(gatehouse::start)
          .isInstanceOf(GatehouseStartException.class)
          .hasMessageStartingWith("cannot start the codec server: ")
          .hasMessageContaining(":" + taken.getLocalPort())
          .hasMessageNotContaining("\n");

      assertRefused(dataPlaneAddress());
      awaitTermination(gatehouse);
    }
  }

  @Test
  void whenTheHealthEndpointCannotBindTheDataPlaneAndCodecServerStopListening() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
      Gatehouse gatehouse = Gatehouse.builder()
          .withConfig(config("127.0.0.1:" + taken.getLocalPort(), "127.0.0.1:0")).build();

      assertThatThrownBy(gatehouse::start)
          .isInstanceOf(GatehouseStartException.class)
          .hasMessageStartingWith("cannot start the health and metrics endpoint: ")
          .hasMessageContaining(":" + taken.getLocalPort());

      assertRefused(dataPlaneAddress());
      assertRefused(codecServerAddress());
      awaitTermination(gatehouse);
      gatehouse.close();
    }
  }

  @Test
  void whenTheDataPlaneCannotBindTheErrorNamesItAndTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
      GatehouseConfig c = config(null, null);
      GatehouseConfig onTakenPort = new GatehouseConfig(c.global(),
          new Listen("127.0.0.1:" + taken.getLocalPort(), null, Duration.ofSeconds(1)), c.upstream(), null);
      Gatehouse gatehouse = Gatehouse.builder().withConfig(onTakenPort).build();

      assertThatThrownBy(gatehouse::start)
          .isInstanceOf(GatehouseStartException.class)
          .hasMessageStartingWith("cannot start the data plane: ")
          .hasMessageContaining(":" + taken.getLocalPort());
      awaitTermination(gatehouse);
    }
  }

  @Test
  void afterAStartedGatehouseClosesEveryPortIsReleasedAndAwaitTerminationReturns() throws Exception {
    try (Gatehouse gatehouse = Gatehouse.builder().withConfig(config("127.0.0.1:0", "127.0.0.1:0")).build().start()) {
      CompletableFuture<Void> terminated = CompletableFuture.runAsync(() -> awaitQuietly(gatehouse));
      InetSocketAddress grpc = new InetSocketAddress(loopback, gatehouse.grpcPort());
      InetSocketAddress http = new InetSocketAddress(loopback, gatehouse.httpPort());
      InetSocketAddress codec = new InetSocketAddress(loopback, gatehouse.codecPort());
      assertThat(terminated).isNotDone();

      gatehouse.close();

      terminated.get(30, TimeUnit.SECONDS);
      assertRefused(grpc);
      assertRefused(http);
      assertRefused(codec);
    }
  }

  /** Plaintext on loopback with the default (noop) authorization; the upstream is never dialled. */
  private GatehouseConfig config(String httpAddress, String codecAddress) throws Exception {
    CodecServer codec = CodecServer.DISABLED;
    if (codecAddress != null) {
      Path keyring = dir.resolve("keyring.properties");
      KeyringFiles.create(keyring, null);
      codec = new CodecServer(codecAddress, null, List.of(), false, null, keyring.toString(), null);
    }
    return new GatehouseConfig(null, new Listen("127.0.0.1:0", httpAddress, Duration.ofSeconds(1)), null, codec);
  }

  private InetSocketAddress dataPlaneAddress() {
    return logs.list.stream()
        .filter(e -> e.getLoggerName().equals(DataPlane.class.getName()) && e.getMessage().startsWith("data plane listening"))
        .map(e -> (InetSocketAddress) ((List<?>) e.getArgumentArray()[0]).getFirst())
        .findFirst().orElseThrow(() -> new AssertionError("the data plane did not report listening"));
  }

  private InetSocketAddress codecServerAddress() {
    return logs.list.stream()
        .filter(e -> e.getLoggerName().equals(codecLog.getName()) && e.getMessage().startsWith("codec server on"))
        .map(e -> (URI) e.getArgumentArray()[0])
        .map(u -> new InetSocketAddress(u.getHost(), u.getPort()))
        .findFirst().orElseThrow(() -> new AssertionError("the codec server did not report listening"));
  }

  private static void assertRefused(SocketAddress address) {
    assertThatThrownBy(() -> {
      try (Socket s = new Socket()) {
        s.connect(address, 10_000);
      }
    }).as("connect to %s", address).isInstanceOf(ConnectException.class);
  }

  private static void awaitTermination(Gatehouse gatehouse) throws Exception {
    CompletableFuture.runAsync(() -> awaitQuietly(gatehouse)).get(30, TimeUnit.SECONDS);
  }

  private static void awaitQuietly(Gatehouse gatehouse) {
    try {
      gatehouse.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
