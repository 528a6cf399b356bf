package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.frontend;
import static dev.gatehouse.tls.TlsTestSupport.serverTls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.TestPki.Issued;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import dev.gatehouse.tls.TlsTestSupport.Client;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload of the client CAs closes the connections whose client certificate the new CAs refuse, after their calls
 * in flight, and leaves the others alone; through real connections to a gRPC server wired as the data plane is
 * (each accepted connection handed to {@link FrontendTls#track}).
 */
class CaReloadClosesConnectionsTest {
  @TempDir Path dir;

  private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<String, String> HOLD = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Hold/Hold")
      .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();

  private final CompletableFuture<StreamObserver<String>> held = new CompletableFuture<>();
  private FrontendTls tls;
  private Server server;
  private EventLoopGroup loops;

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (loops != null) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
    if (tls != null) {
      tls.close();
    }
  }

  private void start(CertFiles serverFiles, Path caFile) throws IOException {
    tls = new FrontendTls(frontend(serverTls(serverFiles, List.of(caFile), true), Map.of(), null), k -> null,
        new SimpleMeterRegistry(), null, Clock.systemUTC(), SslProvider.OPENSSL);
    ServerServiceDefinition hold = ServerServiceDefinition.builder("test.Hold")
        .addMethod(HOLD, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> response) -> {
          if (request.equals("hold")) {
            held.complete(response);
          } else {
            response.onNext(request);
            response.onCompleted();
          }
        }))
        .build();
    loops = new NioEventLoopGroup(2);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .bossEventLoopGroup(loops)
        .workerEventLoopGroup(loops)
        .channelFactory(() -> {
          NioServerSocketChannel channel = new NioServerSocketChannel();
          channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              if (msg instanceof Channel child) {
                tls.track(child);
              }
              ctx.fireChannelRead(msg);
            }
          });
          return channel;
        })
        .sslContext(tls.serverContext())
        .addService(hold)
        .addService(new HealthStatusManager().getHealthService())
        .build()
        .start();
  }

  private static String call(Client c, String request) {
    return ClientCalls.blockingUnaryCall(c.channel, HOLD, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10,
        TimeUnit.SECONDS), request);
  }

  @Test
  void aCaReloadClosesTheConnectionsItNoLongerVouchesForAfterTheirCallsInFlight() throws Exception {
    Issued serverCa = TestPki.spec("Server CA").ca().freshKey().selfSigned();
    CertFiles serverFiles = TestPki.spec("localhost").ekus(TestPki.SERVER_AUTH).dns("localhost")
        .issuedBy(serverCa).write(dir, "server");
    Path serverCaFile = dir.resolve("server-ca.pem");
    Files.writeString(serverCaFile, serverCa.pem());
    Issued leaving = TestPki.spec("Leaving CA").ca().freshKey().selfSigned();
    Issued staying = TestPki.spec("Staying CA").ca().freshKey().selfSigned();
    Path caFile = dir.resolve("client-cas.pem");
    Files.writeString(caFile, leaving.pem() + staying.pem());
    start(serverFiles, caFile);

    CertFiles fromLeaving = TestPki.spec("worker-a").ekus(TestPki.CLIENT_AUTH).issuedBy(leaving).write(dir, "a");
    CertFiles fromStaying = TestPki.spec("worker-b").ekus(TestPki.CLIENT_AUTH).issuedBy(staying).write(dir, "b");
    try (Client a = TlsTestSupport.client(server.getPort(), TlsTestSupport.clientContext(serverCaFile, fromLeaving));
        Client b = TlsTestSupport.client(server.getPort(), TlsTestSupport.clientContext(serverCaFile, fromStaying))) {
      assertThat(call(a, "ping")).isEqualTo("ping");
      assertThat(call(b, "ping")).isEqualTo("ping");
      assertThat(tls.liveConnections()).isEqualTo(2);

      // A call in flight on a's connection when the CA file loses a's CA.
      CompletableFuture<String> inFlight = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(a.channel.newCall(HOLD, io.grpc.CallOptions.DEFAULT), "hold",
          new StreamObserver<>() {
            @Override
            public void onNext(String value) {
              inFlight.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              inFlight.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      StreamObserver<String> response = held.get(10, TimeUnit.SECONDS);
      Files.writeString(caFile, staying.pem());
      tls.reloadNow();
      // a's client has the GOAWAY (its channel goes idle) while the call is still in flight ...
      await().atMost(java.time.Duration.ofSeconds(20))
          .until(() -> a.channel.getState(false) == io.grpc.ConnectivityState.IDLE);
      assertThat(inFlight).isNotDone();

      // ... and the call still completes; then a's connection closes, b's stays.
      response.onNext("done");
      response.onCompleted();
      assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo("done");
      await().atMost(java.time.Duration.ofSeconds(20)).until(() -> tls.liveConnections() == 1);
      assertThat(call(b, "still here")).isEqualTo("still here");
      assertThat(tls.liveConnections()).as("b kept its connection").isEqualTo(1);
      // a reconnects, and the new handshake is judged against the new CAs.
      assertThat(a.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void aReloadThatKeepsTheCaClosesNothing() throws Exception {
    Issued serverCa = TestPki.spec("Server CA").ca().freshKey().selfSigned();
    CertFiles serverFiles = TestPki.spec("localhost").ekus(TestPki.SERVER_AUTH).dns("localhost")
        .issuedBy(serverCa).write(dir, "server");
    Path serverCaFile = dir.resolve("server-ca.pem");
    Files.writeString(serverCaFile, serverCa.pem());
    Issued ca = TestPki.spec("Client CA").ca().freshKey().selfSigned();
    Issued added = TestPki.spec("Added CA").ca().freshKey().selfSigned();
    Path caFile = dir.resolve("client-cas.pem");
    Files.writeString(caFile, ca.pem());
    start(serverFiles, caFile);
    CertFiles client = TestPki.spec("worker").ekus(TestPki.CLIENT_AUTH).issuedBy(ca).write(dir, "w");
    try (Client c = TlsTestSupport.client(server.getPort(), TlsTestSupport.clientContext(serverCaFile, client))) {
      assertThat(call(c, "ping")).isEqualTo("ping");
      Files.writeString(caFile, ca.pem() + added.pem());
      tls.reloadNow();
      assertThat(tls.revalidateConnections()).isZero();
      assertThat(call(c, "pong")).isEqualTo("pong");
      assertThat(tls.liveConnections()).isEqualTo(1);
    }
  }
}
