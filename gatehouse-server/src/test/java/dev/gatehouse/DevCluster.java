package dev.gatehouse;

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
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Test fixtures: a dev PKI, an mTLS embedded upstream, and configs for a gateway in front of it. */
public final class DevCluster {
  private DevCluster() {}

  public static SslContext upstreamTls(DevPki pki) throws Exception {
    return GrpcSslContexts.forServer(pki.upstreamCert().toFile(), pki.upstreamKey().toFile())
        .trustManager(pki.caCert().toFile())
        .clientAuth(ClientAuth.REQUIRE)
        .build();
  }

  /** A gateway config with mTLS on both legs, listening on free loopback ports. */
  public static GatehouseConfig config(DevPki pki, int upstreamPort, String upstreamServerName) {
    ServerTls frontendServer = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null,
        List.of(pki.caCert().toString()), null, true);
    ServerTls internodeIdentity = new ServerTls(pki.internodeCert().toString(), pki.internodeKey().toString(),
        null, null, null, null, false);
    ClientTls internodeClient = new ClientTls(upstreamServerName, false, List.of(pki.caCert().toString()), null, true);
    RootTls tls = new RootTls(
        new GroupTls(frontendServer, null, null, null, null, null),
        new GroupTls(internodeIdentity, internodeClient, null, null, null, null),
        null, null);
    return new GatehouseConfig(
        new Global(tls, devAuthorization()),
        new Listen("127.0.0.1:0", "127.0.0.1:0", Duration.ofSeconds(5)),
        new Upstream("127.0.0.1:" + upstreamPort, Duration.ofSeconds(5)),
        null);
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

  /**
   * Dev mode authorizes by client certificate (claim mapper {@code mtls}, Temporal's default authorizer): the
   * generated {@code dev-worker} certificate is a system admin, any other certificate from the dev CA gets nothing.
   */
  public static Authorization devAuthorization() {
    return new Authorization(null, null, null, "default", "mtls", null, null, null,
        List.of(new CertificateRule("dev-worker", null, null, null, Map.of(), "admin")), false, false, null, null, null);
  }
}
