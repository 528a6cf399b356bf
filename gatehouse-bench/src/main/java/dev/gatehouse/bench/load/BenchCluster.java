package dev.gatehouse.bench.load;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.ClientTls;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.Listen;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.config.Upstream;
import dev.gatehouse.tls.DevPki;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * The TLS material and configurations every process of the load run shares: one dev PKI, mTLS on every leg,
 * the same certificates the end-to-end tests use.
 */
final class BenchCluster {
  /** The server name every leg verifies: the dev PKI's server and upstream certificates carry it. */
  static final String SERVER_NAME = "localhost";

  private BenchCluster() {}

  /** The upstream's server context: the upstream certificate, client certificates from the dev CA required. */
  static SslContext upstreamTls(DevPki pki) throws SSLException {
    return GrpcSslContexts.forServer(pki.upstreamCert().toFile(), pki.upstreamKey().toFile())
        .trustManager(pki.caCert().toFile())
        .clientAuth(ClientAuth.REQUIRE)
        .build();
  }

  /** A gateway on a free loopback port with mTLS on both legs, no health/metrics listener. */
  static GatehouseConfig gatewayConfig(DevPki pki, int upstreamPort) {
    ServerTls frontendServer = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null,
        List.of(pki.caCert().toString()), null, true);
    ServerTls internodeIdentity = new ServerTls(pki.internodeCert().toString(), pki.internodeKey().toString(),
        null, null, null, null, false);
    ClientTls internodeClient = new ClientTls(SERVER_NAME, false, List.of(pki.caCert().toString()), null, true);
    RootTls tls = new RootTls(
        new GroupTls(frontendServer, null, null, null, null, null),
        new GroupTls(internodeIdentity, internodeClient, null, null, null, null),
        null, null);
    return new GatehouseConfig(
        new Global(tls, authorization()),
        new Listen("127.0.0.1:0", null, Duration.ofSeconds(5)),
        new Upstream("127.0.0.1:" + upstreamPort, Duration.ofSeconds(5)),
        null);
  }

  /**
   * Claim mapping and authorization on, as in production: the dev client certificate maps (claim mapper
   * {@code mtls}) to {@code default:write}, and Temporal's default authorizer decides every call.
   */
  static Authorization authorization() {
    return new Authorization(null, null, null, "default", "mtls", null, null, null,
        List.of(new CertificateRule("dev-worker", null, null, null, Map.of("default", "write"), null)),
        false, false, null, null, null);
  }

  /** Service stubs as a worker builds them, with the dev client certificate: one channel to {@code port}. */
  static WorkflowServiceStubs clientStubs(DevPki pki, int port) throws SSLException {
    SslContext ssl = GrpcSslContexts.forClient()
        .trustManager(pki.caCert().toFile())
        .keyManager(pki.clientCert().toFile(), pki.clientKey().toFile())
        .build();
    return WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder()
            .setTarget(SERVER_NAME + ":" + port)
            .setSslContext(ssl)
            .setRpcTimeout(Duration.ofSeconds(10))
            .build());
  }

  /**
   * Blocks until standard input ends: the harness holds the other end of the pipe, so a child process ends with
   * it even when the harness is killed and its shutdown hook never runs.
   */
  static void awaitParentGone(InputStream in) {
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // nothing to read: the pipe only tells us the parent is alive
      }
    } catch (IOException e) {
      // a broken pipe means the same as end of input
    }
  }
}
