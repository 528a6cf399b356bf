package dev.gatehouse.dev;

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
import dev.gatehouse.dev.DevPki;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * The dev-mode layout on a {@link DevPki}: an {@link EmbeddedTemporal} upstream that requires Gatehouse's internode
 * certificate, and a Gatehouse in front of it with mTLS on both legs. {@code start-dev}, the end-to-end tests and
 * the load harness all run this same layout.
 */
public final class DevMode {
  /** The name in the dev server and upstream certificates. */
  public static final String SERVER_NAME = "localhost";
  /** The common name of the dev client certificate. */
  public static final String DEV_WORKER = "dev-worker";

  private DevMode() {}

  /** The embedded upstream's TLS: its own certificate, client certificates from the dev CA required, TLS 1.3. */
  public static SslContext upstreamTls(DevPki pki) throws SSLException {
    return GrpcSslContexts.forServer(pki.upstreamCert().toFile(), pki.upstreamKey().toFile())
        .trustManager(pki.caCert().toFile())
        .clientAuth(ClientAuth.REQUIRE)
        .protocols("TLSv1.3")
        .build();
  }

  /**
   * A gateway with mTLS on both legs in front of an upstream on loopback; no codec server.
   *
   * @param upstreamServerName the name the upstream's certificate must carry ({@link #SERVER_NAME} for the dev PKI)
   */
  public static GatehouseConfig config(
      DevPki pki, Listen listen, int upstreamPort, String upstreamServerName, Authorization authorization) {
    ServerTls frontend = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null,
        List.of(pki.caCert().toString()), null, true);
    ServerTls internodeIdentity = new ServerTls(pki.internodeCert().toString(), pki.internodeKey().toString(),
        null, null, null, null, false);
    ClientTls internodeClient =
        new ClientTls(upstreamServerName, false, List.of(pki.caCert().toString()), null, true);
    RootTls tls = new RootTls(
        new GroupTls(frontend, null, null, null, null, null),
        new GroupTls(internodeIdentity, internodeClient, null, null, null, null),
        Duration.ofMinutes(1), null);
    return new GatehouseConfig(new Global(tls, authorization), listen,
        new Upstream("127.0.0.1:" + upstreamPort, Duration.ofSeconds(5)), null);
  }

  /**
   * Authorization by client certificate (claim mapper {@code mtls}, Temporal's default authorizer): the dev client
   * certificate gets these roles, any other certificate from the dev CA gets nothing.
   *
   * @param namespaces namespace to role ({@code read}, {@code write}, {@code admin})
   * @param system the system role, or {@code null}
   */
  public static Authorization certificateAuthorization(Map<String, String> namespaces, String system) {
    return new Authorization(null, null, null, "default", "mtls", null, null, null,
        List.of(new CertificateRule(DEV_WORKER, null, null, null, namespaces, system)), false, false, null, null, null);
  }
}
