package dev.gatehouse;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Listen;
import dev.gatehouse.dev.DevMode;
import dev.gatehouse.dev.DevPki;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Test fixtures: a dev PKI, an mTLS embedded upstream, and configs for a gateway in front of it. */
public final class DevCluster {
  private DevCluster() {}

  public static SslContext upstreamTls(DevPki pki) throws Exception {
    return DevMode.upstreamTls(pki);
  }

  /** A gateway config with mTLS on both legs, listening on free loopback ports; the dev client cert is admin. */
  public static GatehouseConfig config(DevPki pki, int upstreamPort, String upstreamServerName) {
    return DevMode.config(pki, new Listen("127.0.0.1:0", "127.0.0.1:0", Duration.ofSeconds(5)), upstreamPort,
        upstreamServerName, devAuthorization());
  }

  /** Service stubs as a worker would build them: only the TLS context differs from a direct connection. */
  public static WorkflowServiceStubs stubs(int port, Path caCert, Path clientCert, Path clientKey) throws Exception {
    return stubs(port, caCert, clientCert, clientKey, o -> {});
  }

  /** As above, with extra options (e.g. an authorization header provider). */
  public static WorkflowServiceStubs stubs(int port, Path caCert, Path clientCert, Path clientKey,
      java.util.function.Consumer<WorkflowServiceStubsOptions.Builder> options) throws Exception {
    var ssl = GrpcSslContexts.forClient().trustManager(caCert.toFile());
    if (clientCert != null) {
      ssl.keyManager(clientCert.toFile(), clientKey.toFile());
    }
    WorkflowServiceStubsOptions.Builder b = WorkflowServiceStubsOptions.newBuilder()
        .setTarget("localhost:" + port)
        .setSslContext(ssl.build())
        .setRpcTimeout(Duration.ofSeconds(10));
    options.accept(b);
    return WorkflowServiceStubs.newServiceStubs(b.build());
  }

  public static File file(Path p) {
    return p.toFile();
  }

  public static Authorization devAuthorization() {
    return DevMode.certificateAuthorization(Map.of(), "admin");
  }
}
