package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.client;
import static dev.gatehouse.tls.TlsTestSupport.clientContext;
import static dev.gatehouse.tls.TlsTestSupport.frontend;
import static dev.gatehouse.tls.TlsTestSupport.serverTls;
import static dev.gatehouse.tls.TlsTestSupport.write;
import static dev.gatehouse.tls.TlsTestSupport.writeCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import dev.gatehouse.tls.TlsTestSupport.Client;
import dev.gatehouse.tls.TlsTestSupport.HealthServer;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real mTLS handshakes against a gRPC server built on {@link FrontendTls#serverContext()}. */
class FrontendTlsHandshakeTest {
  @TempDir static Path dir;

  static CertificateAuthority ca;
  static CertificateAuthority otherCa;
  static Path caFile;
  static Path otherCaFile;
  static CertFiles server;
  static CertFiles altServer;
  static CertFiles good;
  static CertFiles fromOtherCa;
  static CertFiles expired;
  static CertFiles notYetValid;
  static CertFiles serverAuthOnly;
  static CertFiles noEku;
  static CertFiles viaIntermediate;
  static CertFiles caItself;

  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  FrontendTls tls;
  HealthServer grpc;

  @BeforeAll
  static void pki() throws Exception {
    ca = CertificateAuthority.create("Test CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(365));
    otherCa = CertificateAuthority.create("Other CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(365));
    caFile = writeCa(dir, "ca", ca);
    otherCaFile = writeCa(dir, "other-ca", otherCa);
    server = write(dir, "server", ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue());
    altServer = write(dir, "alt", ca.leaf("alt.example").dnsNames("alt.example").serverAuth().issue());
    good = write(dir, "good", ca.leaf("worker-1").organizations("Acme").organizationalUnits("payments", "ops")
        .dnsNames("worker-1.acme.internal").uris("spiffe://acme/worker-1").emails("ops@acme.example")
        .ipAddresses("10.0.0.7").clientAuth().issue());
    fromOtherCa = write(dir, "other", otherCa.leaf("intruder").clientAuth().issue());
    Instant now = Instant.now();
    expired = write(dir, "expired", ca.leaf("old").clientAuth()
        .validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))).issue());
    notYetValid = write(dir, "future", ca.leaf("future").clientAuth()
        .validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))).issue());
    serverAuthOnly = write(dir, "serveronly", ca.leaf("server-only").serverAuth().issue());
    noEku = write(dir, "noeku", ca.leaf("no-eku").issue());
    CertificateAuthority intermediate = ca.issueIntermediate("Test Intermediate", Duration.ofDays(100));
    viaIntermediate = write(dir, "via-intermediate", intermediate.leaf("chained").clientAuth().issue());
    // A client that holds the CA's own key and presents the CA certificate as its identity.
    caItself = new CertFiles(caFile, dir.resolve("ca-key.pem"));
    ca.write(dir.resolve("ca-copy.pem"), caItself.key());
  }

  @AfterEach
  void stop() throws Exception {
    if (grpc != null) {
      grpc.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  private void start(boolean requireClientAuth, String minVersion, SslProvider provider) {
    tls = new FrontendTls(frontend(serverTls(server, List.of(caFile), requireClientAuth), Map.of(), minVersion),
        key -> "config/base.yaml", registry, null, Clock.systemUTC(), provider);
    grpc = new HealthServer(tls.serverContext());
  }

  private void start(boolean requireClientAuth) {
    start(requireClientAuth, null, SslProvider.OPENSSL);
  }

  private double failures(String reason) {
    var counter = registry.find(HandshakeFailures.METRIC).tags("group", "frontend", "reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void aClientWithACertificateFromTheCaIsAcceptedAndItsIdentityParsed(SslProvider provider) throws Exception {
    start(true, null, provider);
    try (Client c = client(grpc.port(), clientContext(caFile, good))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
      assertThat(c.lastSession.get().getProtocol()).isEqualTo("TLSv1.3");
    }
    PeerCertificate peer = FrontendTls.peerOf(grpc.lastSession.get());
    assertThat(peer.commonName()).isEqualTo("worker-1");
    assertThat(peer.organizations()).containsExactly("Acme");
    assertThat(peer.organizationalUnits()).containsExactly("payments", "ops");
    assertThat(peer.subject()).isEqualTo("CN=worker-1,OU=ops,OU=payments,O=Acme");
    assertThat(peer.subjectAltNames()).containsExactlyInAnyOrder(
        "worker-1.acme.internal", "spiffe://acme/worker-1", "ops@acme.example", "10.0.0.7");
    assertThat(peer.dnsNames()).containsExactly("worker-1.acme.internal");
    assertThat(peer.uris()).containsExactly("spiffe://acme/worker-1");
    assertThat(peer.emails()).containsExactly("ops@acme.example");
    assertThat(peer.ipAddresses()).containsExactly("10.0.0.7");
    assertThat(peer.sha256Fingerprint()).hasSize(64).isEqualTo(Certificates.sha256(peer.certificate()));
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void aCertificateFromAnotherCaIsRefusedAtTheHandshake(SslProvider provider) throws Exception {
    start(true, null, provider);
    try (Client c = client(grpc.port(), clientContext(caFile, fromOtherCa))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    await().until(() -> failures("untrusted") == 1);
  }

  @Test
  void noClientCertificateIsRefusedWhenRequired() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, null))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, expired))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    await().until(() -> failures("expired") == 1);
  }

  @Test
  void aNotYetValidCertificateIsRefused() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, notYetValid))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    await().until(() -> failures("not_yet_valid") == 1);
  }

  @Test
  void aCertificateWhoseExtendedKeyUsageLacksClientAuthIsRefused() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, serverAuthOnly))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    await().until(() -> failures("wrong_usage") == 1);
  }

  @Test
  void theCaCertificateItselfIsNotAClientIdentity() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, caItself))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    await().until(() -> failures("untrusted") == 1);
  }

  @Test
  void aCertificateWithoutExtendedKeyUsageIsAccepted() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, noEku))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void aChainThroughAnIntermediateIsAccepted() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, viaIntermediate))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    assertThat(FrontendTls.peerOf(grpc.lastSession.get()).commonName()).isEqualTo("chained");
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void thePeerCertificateCarriesTheChainTheClientPresentedLeafFirst(SslProvider provider) throws Exception {
    start(true, null, provider);
    try (Client c = client(grpc.port(), clientContext(caFile, viaIntermediate))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    PeerCertificate chained = FrontendTls.peerOf(grpc.lastSession.get());
    assertThat(chained.commonName()).isEqualTo("chained");
    assertThat(chained.chain()).hasSize(2);
    assertThat(chained.chain().get(0)).isEqualTo(chained.certificate());
    assertThat(chained.chain().get(1).getSubjectX500Principal().getName()).isEqualTo("CN=Test Intermediate");

    try (Client c = client(grpc.port(), clientContext(caFile, good))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    PeerCertificate direct = FrontendTls.peerOf(grpc.lastSession.get());
    assertThat(direct.chain()).containsExactly(direct.certificate());
  }

  @Test
  void withClientCasButNotRequiredAClientWithoutCertificatePassesAndABadCertificateIsStillRefused() throws Exception {
    start(false);
    try (Client c = client(grpc.port(), clientContext(caFile, null))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    assertThat(FrontendTls.peerOf(grpc.lastSession.get())).isNull();
    try (Client c = client(grpc.port(), clientContext(caFile, fromOtherCa))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    try (Client c = client(grpc.port(), clientContext(caFile, good))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    assertThat(FrontendTls.peerOf(grpc.lastSession.get()).commonName()).isEqualTo("worker-1");
  }

  @Test
  void aTls12OnlyClientIsRefusedByDefault() throws Exception {
    start(true);
    try (Client c = client(grpc.port(), clientContext(caFile, good, "TLSv1.2"))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void aTls12ClientIsAcceptedWithMinVersion12() throws Exception {
    start(true, "1.2", SslProvider.OPENSSL);
    try (Client c = client(grpc.port(), clientContext(caFile, good, "TLSv1.2"))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
      assertThat(c.lastSession.get().getProtocol()).isEqualTo("TLSv1.2");
    }
    try (Client c = client(grpc.port(), clientContext(caFile, fromOtherCa, "TLSv1.2"))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void withoutACertificateTheFrontendIsPlainText() {
    FrontendTls plain = new FrontendTls(frontend(null, Map.of(), null), k -> null, registry, null);
    assertThat(plain.enabled()).isFalse();
    org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(plain::serverContext);
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void rsaServerAndClientKeysWork(SslProvider provider) throws Exception {
    CertFiles rsaServer = write(dir, "rsa-server", ca.leaf("localhost").dnsNames("localhost")
        .keyType(CertificateAuthority.KeyType.RSA_2048).serverAuth().issue());
    CertFiles rsaClient = write(dir, "rsa-client", ca.leaf("rsa-worker")
        .keyType(CertificateAuthority.KeyType.RSA_2048).clientAuth().issue());
    tls = new FrontendTls(frontend(serverTls(rsaServer, List.of(caFile), true), Map.of(), "1.2"),
        k -> null, registry, null, Clock.systemUTC(), provider);
    grpc = new HealthServer(tls.serverContext());
    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      try (Client c = client(grpc.port(), clientContext(caFile, rsaClient, protocol))) {
        assertThat(c.check()).as(protocol).isEqualTo(Status.Code.OK);
        assertThat(c.serverCertificate().getPublicKey().getAlgorithm()).isEqualTo("RSA");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void hostOverridesPickTheCertificateAndClientCasBySni(SslProvider provider) throws Exception {
    var overrides = Map.of("alt.example", serverTls(altServer, List.of(otherCaFile), true));
    tls = new FrontendTls(frontend(serverTls(server, List.of(caFile), true), overrides, null),
        k -> null, registry, null, Clock.systemUTC(), provider);
    grpc = new HealthServer(tls.serverContext());

    try (Client c = new Client("127.0.0.1", grpc.port(), clientContext(caFile, fromOtherCa), "ALT.example")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
      assertThat(PeerCertificate.of(c.serverCertificate()).commonName()).isEqualTo("alt.example");
    }
    try (Client c = new Client("127.0.0.1", grpc.port(), clientContext(caFile, good), "alt.example")) {
      assertThat(c.check()).as("the default host's client CA is not trusted for alt.example")
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
    try (Client c = client(grpc.port(), clientContext(caFile, good))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
      assertThat(PeerCertificate.of(c.serverCertificate()).commonName()).isEqualTo("localhost");
    }
    try (Client c = client(grpc.port(), clientContext(caFile, fromOtherCa))) {
      assertThat(c.check()).as("alt.example's client CA is not trusted for the default host")
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
  }
}
