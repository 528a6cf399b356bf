package dev.gatehouse.tls;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.config.ClientTls;
import dev.gatehouse.config.ExpirationChecks;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.slf4j.LoggerFactory;

/** Real gRPC servers and channels over real TLS, and config records, for the tests of this package. */
final class TlsTestSupport {
  static {
    // Netty and gRPC debug logging would drown the surefire output files.
    ((Logger) LoggerFactory.getLogger("io.grpc")).setLevel(Level.INFO);
    ((Logger) LoggerFactory.getLogger("io.netty")).setLevel(Level.INFO);
  }

  private TlsTestSupport() {}

  /** Writes {@code <name>.pem} and {@code <name>-key.pem} and returns their paths. */
  record CertFiles(Path cert, Path key) {}

  static CertFiles write(Path dir, String name, IssuedCertificate issued) {
    CertFiles files = new CertFiles(dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"));
    try {
      issued.write(files.cert(), files.key());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  static Path writeCa(Path dir, String name, CertificateAuthority ca) {
    Path file = dir.resolve(name + ".pem");
    try {
      java.nio.file.Files.writeString(file, ca.certificatePem());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  static ServerTls serverTls(CertFiles files, List<Path> clientCas, boolean requireClientAuth) {
    return new ServerTls(files.cert().toString(), files.key().toString(), null, null,
        clientCas.stream().map(Path::toString).toList(), null, requireClientAuth);
  }

  static RootTls frontend(ServerTls server, Map<String, ServerTls> hostOverrides, String minVersion) {
    return new RootTls(new GroupTls(server, null, hostOverrides, null, null, minVersion), null, null, null);
  }

  static RootTls frontend(ServerTls server, Duration refresh, ExpirationChecks checks) {
    return new RootTls(new GroupTls(server, null, null, null, null, null), null, refresh, checks);
  }

  static RootTls internode(ServerTls server, ClientTls client, String minVersion) {
    return new RootTls(null, new GroupTls(server, client, null, null, null, minVersion), null, null);
  }

  /** A gRPC server on a free loopback port serving grpc.health.v1, recording the last caller's session. */
  static final class HealthServer implements AutoCloseable {
    final Server server;
    final AtomicReference<SSLSession> lastSession = new AtomicReference<>();

    HealthServer(SslContext context) {
      HealthStatusManager health = new HealthStatusManager();
      ServerInterceptor recorder = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
          lastSession.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
          return next.startCall(call, headers);
        }
      };
      try {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(context)
            .addService(ServerInterceptors.intercept(health.getHealthService(), recorder))
            .build()
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    int port() {
      return server.getPort();
    }

    @Override
    public void close() {
      try {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A channel that remembers the TLS session of its last call. */
  static final class Client implements AutoCloseable {
    final ManagedChannel channel;
    final AtomicReference<SSLSession> lastSession = new AtomicReference<>();

    Client(String host, int port, SslContext context, String authority) {
      ClientInterceptor recorder = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
          return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
              super.start(new io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onHeaders(Metadata h) {
                  lastSession.set(getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                  super.onHeaders(h);
                }
              }, headers);
            }
          };
        }
      };
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port).sslContext(context).intercept(recorder);
      if (authority != null) {
        builder.overrideAuthority(authority);
      }
      channel = builder.build();
    }

    /** One health check; returns the status it ended with. */
    io.grpc.Status.Code check() {
      try {
        HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
        return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING ? io.grpc.Status.Code.OK : io.grpc.Status.Code.UNKNOWN;
      } catch (StatusRuntimeException e) {
        return e.getStatus().getCode();
      }
    }

    /** One health check that must fail; returns the failure. */
    StatusRuntimeException failure() {
      try {
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        return e;
      }
      throw new AssertionError("the call succeeded");
    }

    X509Certificate serverCertificate() throws Exception {
      return (X509Certificate) lastSession.get().getPeerCertificates()[0];
    }

    @Override
    public void close() {
      try {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static Client client(int port, SslContext context) {
    return new Client("localhost", port, context, null);
  }

  /** A plain grpc-java client context: trusts {@code ca}, presents {@code files} when given. */
  static SslContext clientContext(Path ca, CertFiles files, String... protocols) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient().trustManager(ca.toFile());
      if (files != null) {
        b.keyManager(files.cert().toFile(), files.key().toFile());
      }
      if (protocols.length > 0) {
        b.protocols(protocols);
      }
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Captures what a class logs, for as long as the returned appender is attached. */
  static ListAppender<ILoggingEvent> capture(Class<?> type) {
    Logger logger = (Logger) LoggerFactory.getLogger(type);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender;
  }

  static void release(Class<?> type, ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(type)).detachAppender(appender);
  }
}
