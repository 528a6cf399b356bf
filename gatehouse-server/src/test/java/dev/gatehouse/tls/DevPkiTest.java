package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.client;
import static dev.gatehouse.tls.TlsTestSupport.clientContext;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.gatehouse.config.ClientTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import dev.gatehouse.tls.TlsTestSupport.Client;
import dev.gatehouse.tls.TlsTestSupport.HealthServer;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dev PKI on disk, and the certificate authority behind it and the certs command. */
class DevPkiTest {
  @TempDir Path dir;

  private static X509Certificate read(Path file) throws Exception {
    return Pem.certificates(Files.readAllBytes(file)).get(0);
  }

  @Test
  void createsACompletePkiWithPrivateKeysReadableByTheOwnerOnly() throws Exception {
    DevPki pki = DevPki.ensure(dir.resolve("pki"));
    X509Certificate ca = read(pki.caCert());
    assertThat(Certificates.isCa(ca)).isTrue();
    assertThat(ca.getPublicKey().getAlgorithm()).isEqualTo("EC");

    PeerCertificate server = PeerCertificate.of(read(pki.serverCert()));
    assertThat(server.dnsNames()).containsExactly("localhost");
    assertThat(server.ipAddresses()).containsExactly("127.0.0.1", "0:0:0:0:0:0:0:1");
    assertThat(server.certificate().getExtendedKeyUsage()).containsExactly(CertificateChecks.SERVER_AUTH);
    assertThat(PeerCertificate.of(read(pki.clientCert())).commonName()).isEqualTo("dev-worker");
    assertThat(read(pki.clientCert()).getExtendedKeyUsage()).containsExactly(CertificateChecks.CLIENT_AUTH);
    assertThat(PeerCertificate.of(read(pki.upstreamCert())).dnsNames()).containsExactly("localhost");
    assertThat(read(pki.internodeCert()).getExtendedKeyUsage()).containsExactly(CertificateChecks.CLIENT_AUTH);

    for (Path key : List.of(pki.caKey(), pki.serverKey(), pki.clientKey(), pki.upstreamKey(), pki.internodeKey())) {
      assertThat(Files.getPosixFilePermissions(key)).as(key.toString())
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
    assertThat(Files.getPosixFilePermissions(pki.dir()))
        .doesNotContain(PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_READ);
    for (Path cert : List.of(pki.serverCert(), pki.clientCert(), pki.upstreamCert(), pki.internodeCert())) {
      read(cert).verify(ca.getPublicKey());
    }
  }

  @Test
  void theNextStartReusesValidMaterialAndReissuesOnlyWhatIsMissing() throws Exception {
    DevPki pki = DevPki.ensure(dir);
    byte[] ca = Files.readAllBytes(pki.caCert());
    byte[] client = Files.readAllBytes(pki.clientCert());
    byte[] server = Files.readAllBytes(pki.serverCert());

    DevPki again = DevPki.ensure(dir);
    assertThat(again).isEqualTo(pki);
    assertThat(Files.readAllBytes(pki.caCert())).isEqualTo(ca);
    assertThat(Files.readAllBytes(pki.serverCert())).isEqualTo(server);

    Files.delete(pki.serverCert());
    DevPki.ensure(dir);
    assertThat(Files.readAllBytes(pki.caCert())).isEqualTo(ca);
    assertThat(Files.readAllBytes(pki.clientCert())).isEqualTo(client);
    assertThat(Files.readAllBytes(pki.serverCert())).isNotEqualTo(server);
    read(pki.serverCert()).verify(read(pki.caCert()).getPublicKey());
  }

  @Test
  void aBrokenOrExpiringCaIsReplacedWithEverythingItIssued() throws Exception {
    DevPki pki = DevPki.ensure(dir);
    byte[] client = Files.readAllBytes(pki.clientCert());
    Instant now = Instant.now();
    CertificateAuthority.create("Old", CertificateAuthority.KeyType.EC_P256, now.minus(Duration.ofDays(400)),
        now.plus(Duration.ofDays(2))).write(pki.caCert(), pki.caKey());
    DevPki.ensure(dir);
    X509Certificate ca = read(pki.caCert());
    assertThat(ca.getNotAfter().toInstant()).isAfter(now.plus(Duration.ofDays(3000)));
    assertThat(Files.readAllBytes(pki.clientCert())).isNotEqualTo(client);
    read(pki.clientCert()).verify(ca.getPublicKey());

    Files.writeString(pki.caKey(), "garbage");
    DevPki.ensure(dir);
    assertThat(read(pki.caCert())).isNotEqualTo(ca);
  }

  @Test
  void theDevPkiWorksEndToEndThroughFrontendAndInternode() throws Exception {
    DevPki pki = DevPki.ensure(dir);
    ServerTls frontendServer = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null,
        List.of(pki.caCert().toString()), null, true);
    try (FrontendTls frontend = new FrontendTls(TlsTestSupport.frontend(frontendServer, Map.of(), null), k -> null, null, null);
        HealthServer grpc = new HealthServer(frontend.serverContext());
        Client c = client(grpc.port(), clientContext(pki.caCert(), new CertFiles(pki.clientCert(), pki.clientKey())))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
      assertThat(FrontendTls.peerOf(grpc.lastSession.get()).commonName()).isEqualTo("dev-worker");
    }
    ServerTls upstreamServer = new ServerTls(pki.upstreamCert().toString(), pki.upstreamKey().toString(), null, null,
        List.of(pki.caCert().toString()), null, true);
    ServerTls internodeCert = new ServerTls(pki.internodeCert().toString(), pki.internodeKey().toString(), null, null,
        null, null, false);
    try (FrontendTls upstreamTls = new FrontendTls(TlsTestSupport.frontend(upstreamServer, Map.of(), null), k -> null, null, null);
        HealthServer upstream = new HealthServer(upstreamTls.serverContext());
        InternodeTls internode = new InternodeTls(TlsTestSupport.internode(internodeCert,
            new ClientTls(null, false, List.of(pki.caCert().toString()), null, false), null), k -> null, null, null);
        Client c = new Client("127.0.0.1", upstream.port(), internode.clientContext(), null)) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
      assertThat(FrontendTls.peerOf(upstream.lastSession.get()).commonName()).isEqualTo("gatehouse-internode");
    }
  }

  @Test
  void aCaCanBeRsaAndBeLoadedBackFromPem() throws Exception {
    CertificateAuthority rsa = CertificateAuthority.create("RSA CA", CertificateAuthority.KeyType.RSA_2048, Duration.ofDays(10));
    rsa.write(dir.resolve("rsa-ca.pem"), dir.resolve("rsa-ca-key.pem"));
    assertThat(Files.getPosixFilePermissions(dir.resolve("rsa-ca-key.pem")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    CertificateAuthority loaded = CertificateAuthority.load(dir.resolve("rsa-ca.pem"), dir.resolve("rsa-ca-key.pem"));
    assertThat(loaded.certificate()).isEqualTo(rsa.certificate());
    IssuedCertificate leaf = loaded.leaf("svc").dnsNames("svc.internal").ipAddresses("10.1.2.3", "::1")
        .keyType(CertificateAuthority.KeyType.RSA_2048).usages(Set.of(CertificateAuthority.Usage.SERVER_AUTH,
            CertificateAuthority.Usage.CLIENT_AUTH)).validFor(Duration.ofDays(2)).issue();
    leaf.certificate().verify(rsa.certificate().getPublicKey());
    assertThat(leaf.certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
    assertThat(leaf.certificate().getExtendedKeyUsage())
        .containsExactlyInAnyOrder(CertificateChecks.SERVER_AUTH, CertificateChecks.CLIENT_AUTH);
    assertThat(leaf.certificate().getKeyUsage()[0]).isTrue();
    assertThat(leaf.certificate().getBasicConstraints()).isEqualTo(-1);
    assertThat(Certificates.matches(leaf.certificate(), leaf.privateKey())).isTrue();
    assertThat(leaf.toString()).doesNotContain("PRIVATE");
    assertThat(Pem.privateKey(leaf.privateKeyPem().getBytes())).isEqualTo(leaf.privateKey());

    assertThatIllegalArgumentException().isThrownBy(
        () -> CertificateAuthority.load(dir.resolve("rsa-ca.pem"), writeKeyOf(loaded.leaf("x").issue())))
        .withMessageContaining("does not hold the private key");
  }

  @Test
  void anIntermediateIssuesChainsThatPresentIt() throws Exception {
    CertificateAuthority root = CertificateAuthority.create("Root", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(10));
    CertificateAuthority intermediate = root.issueIntermediate("Intermediate", Duration.ofDays(5));
    assertThat(intermediate.certificate().getBasicConstraints()).isEqualTo(0);
    IssuedCertificate leaf = intermediate.leaf("leaf").clientAuth().issue();
    assertThat(leaf.chain()).containsExactly(leaf.certificate(), intermediate.certificate());
    IssuedCertificate direct = root.leaf("direct").clientAuth().issue();
    assertThat(direct.chain()).containsExactly(direct.certificate());
  }

  private Path writeKeyOf(IssuedCertificate issued) throws Exception {
    Path key = dir.resolve("unrelated-key.pem");
    Files.writeString(key, issued.privateKeyPem());
    return key;
  }
}
