package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.internode;
import static dev.gatehouse.tls.TlsTestSupport.write;
import static dev.gatehouse.tls.TlsTestSupport.writeCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.config.ClientTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import dev.gatehouse.tls.TlsTestSupport.Client;
import dev.gatehouse.tls.TlsTestSupport.HealthServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The internode client context against a real TLS upstream that requires a client certificate. */
class InternodeTlsTest {
  @TempDir static Path dir;

  static CertificateAuthority ca;
  static Path caFile;
  static Path otherCaFile;
  static CertFiles upstreamFiles;
  static CertFiles internodeFiles;

  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  InternodeTls tls;
  HealthServer upstream;

  @BeforeAll
  static void pki() {
    ca = CertificateAuthority.create("Cluster CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(365));
    caFile = writeCa(dir, "ca", ca);
    otherCaFile = writeCa(dir, "other-ca",
        CertificateAuthority.create("Other CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(365)));
    upstreamFiles = write(dir, "upstream", ca.leaf("temporal-frontend")
        .dnsNames("localhost", "frontend.temporal.internal").ipAddresses("127.0.0.1").serverAuth().issue());
    internodeFiles = write(dir, "internode", ca.leaf("gatehouse-internode").clientAuth().issue());
  }

  @AfterEach
  void stop() throws Exception {
    if (upstream != null) {
      upstream.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  private static SslContext upstreamContext(CertFiles files) throws Exception {
    return GrpcSslContexts.forServer(files.cert().toFile(), files.key().toFile())
        .trustManager(caFile.toFile())
        .clientAuth(ClientAuth.REQUIRE)
        .build();
  }

  private static ServerTls clientCertificate(CertFiles files) {
    return new ServerTls(files.cert().toString(), files.key().toString(), null, null, null, null, false);
  }

  private static ClientTls client(String serverName, boolean disableHostVerification, Path rootCa, boolean forceTls) {
    return new ClientTls(serverName, disableHostVerification, rootCa == null ? null : List.of(rootCa.toString()),
        null, forceTls);
  }

  private void start(ClientTls client, SslProvider provider) throws Exception {
    tls = new InternodeTls(internode(clientCertificate(internodeFiles), client, null), k -> "config/base.yaml",
        registry, null, Clock.systemUTC(), provider);
    upstream = new HealthServer(upstreamContext(upstreamFiles));
  }

  private void start(ClientTls client) throws Exception {
    start(client, SslProvider.OPENSSL);
  }

  private Client dial(String host) {
    return new Client(host, upstream.port(), tls.clientContext(), tls.authorityOverride().orElse(null));
  }

  private double failures(String reason) {
    var counter = registry.find(HandshakeFailures.METRIC).tags("group", "internode", "reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void theUpstreamIsVerifiedAndSeesTheInternodeCertificate(SslProvider provider) throws Exception {
    start(client(null, false, caFile, false), provider);
    assertThat(tls.enabled()).isTrue();
    assertThat(tls.authorityOverride()).isEmpty();
    for (String host : List.of("localhost", "127.0.0.1")) {
      try (Client c = dial(host)) {
        assertThat(c.check()).as(host).isEqualTo(Status.Code.OK);
      }
      assertThat(FrontendTls.peerOf(upstream.lastSession.get()).commonName()).isEqualTo("gatehouse-internode");
    }
  }

  @Test
  void serverNameIsUsedForSniAndVerificationWhateverAddressIsDialed() throws Exception {
    tls = new InternodeTls(internode(clientCertificate(internodeFiles),
        client("frontend.temporal.internal", false, caFile, false), null), k -> null, registry, null);
    assertThat(tls.authorityOverride()).contains("frontend.temporal.internal");
    // An upstream that serves the right name only to clients that ask for it by SNI.
    CertFiles defaultCert = write(dir, "sni-default", ca.leaf("default").dnsNames("localhost").serverAuth().issue());
    CertFiles named = write(dir, "sni-named", ca.leaf("named").dnsNames("frontend.temporal.internal").serverAuth().issue());
    try (FrontendTls sniUpstream = new FrontendTls(TlsTestSupport.frontend(
        TlsTestSupport.serverTls(defaultCert, List.of(caFile), true),
        java.util.Map.of("frontend.temporal.internal", TlsTestSupport.serverTls(named, List.of(caFile), true)), null),
        k -> null, registry, null)) {
      upstream = new HealthServer(sniUpstream.serverContext());
      try (Client c = dial("127.0.0.1")) {
        assertThat(c.check()).isEqualTo(Status.Code.OK);
        assertThat(PeerCertificate.of(c.serverCertificate()).commonName()).isEqualTo("named");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void aServerNameMismatchFailsWithAMessageNamingTheName(SslProvider provider) throws Exception {
    start(client("wrong.example", false, caFile, false), provider);
    StatusRuntimeException failure;
    try (Client c = dial("127.0.0.1")) {
      failure = c.failure();
    }
    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(InternodeTls.handshakeFailure(failure)).hasValueSatisfying(message -> assertThat(message)
        .contains("\"wrong.example\"", "global.tls.internode.client.serverName", "frontend.temporal.internal"));
    await().until(() -> failures("host_mismatch") >= 1);
  }

  @Test
  void theServerNameIsCheckedEvenIfTheChannelDoesNotOverrideTheAuthority() throws Exception {
    start(client("wrong.example", false, caFile, false));
    try (Client c = new Client("localhost", upstream.port(), tls.clientContext(), null)) {
      assertThat(InternodeTls.handshakeFailure(c.failure())).hasValueSatisfying(m -> assertThat(m).contains("wrong.example"));
    }
  }

  @Test
  void withoutServerNameTheDialedHostMustBeInTheCertificate() throws Exception {
    start(client(null, false, caFile, false));
    CertFiles noIp = write(dir, "upstream-noip", ca.leaf("x").dnsNames("localhost").serverAuth().issue());
    upstream.close();
    upstream = new HealthServer(upstreamContext(noIp));
    try (Client c = dial("127.0.0.1")) {
      assertThat(InternodeTls.handshakeFailure(c.failure())).hasValueSatisfying(m -> assertThat(m).contains("\"127.0.0.1\""));
    }
    try (Client c = dial("localhost")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void disableHostVerificationSkipsTheNameButNotTheChain() throws Exception {
    start(client("wrong.example", true, caFile, false));
    try (Client c = dial("127.0.0.1")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    tls.close();
    tls = new InternodeTls(internode(clientCertificate(internodeFiles), client("wrong.example", true, otherCaFile, false),
        null), k -> null, registry, null);
    try (Client c = dial("127.0.0.1")) {
      assertThat(InternodeTls.handshakeFailure(c.failure()))
          .hasValueSatisfying(m -> assertThat(m).contains("does not chain to a configured CA"));
    }
    await().until(() -> failures("untrusted") >= 1);
  }

  @Test
  void anUpstreamCertificateWithoutServerAuthIsRefused() throws Exception {
    start(client(null, false, caFile, false));
    upstream.close();
    upstream = new HealthServer(upstreamContext(write(dir, "upstream-client-only",
        ca.leaf("y").dnsNames("localhost").clientAuth().issue())));
    try (Client c = dial("localhost")) {
      assertThat(InternodeTls.handshakeFailure(c.failure())).hasValueSatisfying(m -> assertThat(m).contains("serverAuth"));
    }
  }

  @Test
  void forceTlsWithoutRootCasUsesTheSystemRoots() throws Exception {
    tls = new InternodeTls(internode(null, client(null, false, null, true), null), k -> null, registry, null);
    upstream = new HealthServer(upstreamContext(upstreamFiles));
    assertThat(tls.enabled()).isTrue();
    try (Client c = dial("localhost")) {
      // TLS was spoken: the handshake got as far as judging the upstream's certificate.
      assertThat(InternodeTls.handshakeFailure(c.failure()))
          .hasValueSatisfying(m -> assertThat(m).contains("not trusted by the system roots"));
    }
  }

  @Test
  void withNothingConfiguredTheUpstreamIsPlainText() {
    InternodeTls plain = new InternodeTls(internode(null, null, null), k -> null, registry, null);
    assertThat(plain.enabled()).isFalse();
    assertThatIllegalStateException().isThrownBy(plain::clientContext);
    InternodeTls onlyServerName = new InternodeTls(internode(null, client("x", false, null, false), null),
        k -> null, registry, null);
    assertThat(onlyServerName.enabled()).isTrue();
  }

  @Test
  void aTls12OnlyUpstreamNeedsMinVersion12() throws Exception {
    SslContext tls12 = GrpcSslContexts.forServer(upstreamFiles.cert().toFile(), upstreamFiles.key().toFile())
        .protocols("TLSv1.2").build();
    upstream = new HealthServer(tls12);
    tls = new InternodeTls(internode(null, client(null, false, caFile, false), null), k -> null, registry, null);
    try (Client c = dial("localhost")) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    tls.close();
    tls = new InternodeTls(internode(null, client(null, false, caFile, false), "1.2"), k -> null, registry, null);
    try (Client c = dial("localhost")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void aReloadedClientCertificateIsPresentedOnTheNextHandshake(SslProvider provider) throws Exception {
    Path cert = dir.resolve("rotating.pem");
    Path key = dir.resolve("rotating-key.pem");
    ca.leaf("internode-v1").clientAuth().issue().write(cert, key);
    tls = new InternodeTls(internode(clientCertificate(new CertFiles(cert, key)), client(null, false, caFile, false), null),
        k -> null, registry, null, Clock.systemUTC(), provider);
    upstream = new HealthServer(upstreamContext(upstreamFiles));
    try (Client c = dial("localhost")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    assertThat(FrontendTls.peerOf(upstream.lastSession.get()).commonName()).isEqualTo("internode-v1");

    ca.leaf("internode-v2").clientAuth().issue().write(cert, key);
    tls.reloadNow();
    try (Client c = dial("localhost")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    assertThat(FrontendTls.peerOf(upstream.lastSession.get()).commonName()).isEqualTo("internode-v2");
    assertThat(Files.exists(cert)).isTrue();
  }
}
