package dev.gatehouse.bench.load;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.config.Listen;
import dev.gatehouse.dev.DevMode;
import dev.gatehouse.dev.DevPki;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * The TLS material and configurations every process of the load run shares: one dev PKI, mTLS on every leg,
 * the same certificates the end-to-end tests use.
 */
final class BenchCluster {
  /** The server name every leg verifies: the dev PKI's server and upstream certificates carry it. */
  static final String SERVER_NAME = DevMode.SERVER_NAME;
  /** The audience the JWT gateway requires and the bench tokens name. */
  static final String AUDIENCE = "gatehouse-bench";

  private BenchCluster() {}

  /** The upstream's server context: the upstream certificate, client certificates from the dev CA required. */
  static SslContext upstreamTls(DevPki pki) throws SSLException {
    return DevMode.upstreamTls(pki);
  }

  /**
   * A gateway on a free loopback port with mTLS on both legs, no health/metrics listener, and claim mapping and
   * authorization on as in production: the dev client certificate maps (claim mapper {@code mtls}) to
   * {@code default:write}, and Temporal's default authorizer decides every call.
   */
  static GatehouseConfig gatewayConfig(DevPki pki, int upstreamPort) {
    return gatewayConfig(pki, upstreamPort, DevMode.certificateAuthorization(Map.of("default", "write"), null));
  }

  /**
   * The same gateway deciding by bearer JWT instead: claim mapper {@code default} with the RS256 key in
   * {@code jwks}, audience {@link #AUDIENCE}, the token cache at its default size, Temporal's default authorizer.
   * The client certificate is still required (mTLS on both legs), it just grants nothing.
   */
  static GatehouseConfig jwtGatewayConfig(DevPki pki, int upstreamPort, Path jwks) {
    return gatewayConfig(pki, upstreamPort, jwtAuthorization(jwks));
  }

  static Authorization jwtAuthorization(Path jwks) {
    // The JWKS file does not change during a run; an hour's refresh keeps re-reads out of the measurement.
    return new Authorization(new JwtKeyProvider(List.of(jwks.toUri().toString()), Duration.ofHours(1)), null, null,
        "default", "default", null, null, AUDIENCE);
  }

  private static GatehouseConfig gatewayConfig(DevPki pki, int upstreamPort, Authorization authorization) {
    return DevMode.config(pki, new Listen("127.0.0.1:0", null, Duration.ofSeconds(5)), upstreamPort, SERVER_NAME,
        authorization);
  }

  /** Service stubs as a worker builds them, with the dev client certificate: one channel to {@code port}. */
  static WorkflowServiceStubs clientStubs(DevPki pki, int port) throws SSLException {
    return clientStubs(pki, port, null);
  }

  /**
   * As {@link #clientStubs(DevPki, int)}, and every call also carries {@code authorization: <value>} from
   * {@code authorization} as a worker with a token supplier sends it; {@code null}: no header.
   */
  static WorkflowServiceStubs clientStubs(DevPki pki, int port, Supplier<String> authorization) throws SSLException {
    SslContext ssl = GrpcSslContexts.forClient()
        .trustManager(pki.caCert().toFile())
        .keyManager(pki.clientCert().toFile(), pki.clientKey().toFile())
        .build();
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder()
        .setTarget(SERVER_NAME + ":" + port)
        .setSslContext(ssl)
        .setRpcTimeout(Duration.ofSeconds(10));
    if (authorization != null) {
      options.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(authorization::get));
    }
    return WorkflowServiceStubs.newServiceStubs(options.build());
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
