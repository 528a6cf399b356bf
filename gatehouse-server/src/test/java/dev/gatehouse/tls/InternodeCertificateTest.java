package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.internode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.ClientTls;
import dev.gatehouse.tls.TestPki.Issued;
import dev.gatehouse.tls.TestPki.Key;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import dev.gatehouse.tls.TlsTestSupport.Client;
import dev.gatehouse.tls.TlsTestSupport.HealthServer;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The internode leg verifies the upstream with the same Go-compatible verifier as client certificates. */
class InternodeCertificateTest {
  @TempDir static Path dir;
  static Issued root;
  static Issued rsaRoot;
  static Path rootsFile;

  InternodeTls tls;
  HealthServer upstream;

  @BeforeAll
  static void pki() throws Exception {
    root = TestPki.spec("Cluster Root").ca().freshKey().selfSigned();
    rsaRoot = TestPki.spec("Cluster RSA Root").ca().freshKey().key(Key.RSA_2048).selfSigned();
    rootsFile = dir.resolve("roots.pem");
    Files.writeString(rootsFile, TestPki.pem(List.of(root.certificate(), rsaRoot.certificate())));
  }

  @AfterEach
  void stop() {
    if (upstream != null) {
      upstream.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  /** Dials an upstream serving {@code files} with {@code serverName}; the upstream asks for no client certificate. */
  private Client dial(CertFiles files, String serverName) throws Exception {
    return dial(GrpcSslContexts.forServer(files.cert().toFile(), files.key().toFile()).build(), serverName);
  }

  private Client dial(io.grpc.netty.shaded.io.netty.handler.ssl.SslContext upstreamContext, String serverName)
      throws Exception {
    tls = new InternodeTls(internode(null, new ClientTls(serverName, false, List.of(rootsFile.toString()), null, false),
        null), k -> null, new SimpleMeterRegistry(), null, Clock.systemUTC(), SslProvider.OPENSSL);
    upstream = new HealthServer(upstreamContext);
    return new Client("127.0.0.1", upstream.port(), tls.clientContext(), tls.authorityOverride().orElse(null));
  }

  private static TestPki.Spec server(String... names) {
    return TestPki.spec("temporal-frontend").ekus(TestPki.SERVER_AUTH).dns(names);
  }

  @Test
  void aWildcardCertificateCoversOneLabelAsInGo() throws Exception {
    try (Client c = dial(server("*.internal").issuedBy(root).write(dir, "wildcard"), "temporal.internal")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void aWildcardDoesNotCoverTwoLabels() throws Exception {
    try (Client c = dial(server("*.internal").issuedBy(root).write(dir, "wildcard2"), "a.temporal.internal")) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(InternodeTls.handshakeFailure(c.failure())).hasValueSatisfying(m -> assertThat(m)
          .contains("a.temporal.internal"));
    }
  }

  @Test
  void aSha1SignedUpstreamCertificateIsRefused() throws Exception {
    Issued sha1 = server("temporal.internal").signature("SHA1withRSA").issuedBy(rsaRoot);
    try (Client c = dial(sha1.write(dir, "sha1"), "temporal.internal")) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(InternodeTls.handshakeFailure(c.failure())).hasValueSatisfying(m -> assertThat(m)
          .contains("insecure"));
    }
  }

  @Test
  void anUpstreamUnderAConstrainedIntermediateOutsideItsNamesIsRefused() throws Exception {
    Issued constrained = TestPki.spec("Constrained").ca().freshKey()
        .permit(org.bouncycastle.asn1.x509.GeneralName.dNSName, "prod.internal").issuedBy(root);
    try (Client c = dial(server("temporal.internal").issuedBy(constrained).write(dir, "nc", constrained),
        "temporal.internal")) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void anUpstreamChainInAnotherOrderWithAnExtraCertificateIsAccepted() throws Exception {
    Issued inter = TestPki.spec("Cluster Intermediate").ca().freshKey().issuedBy(root);
    Issued inter2 = TestPki.spec("Cluster Intermediate 2").ca().freshKey().issuedBy(inter);
    Issued stranger = TestPki.spec("Stranger").ca().freshKey().selfSigned();
    Issued leaf = server("temporal.internal").issuedBy(inter2);
    // A key manager serves the chain as given; the TLS engines' own loaders would refuse one out of order.
    var context = GrpcSslContexts.configure(SslContextBuilder.forServer(TestPki.keyManager(leaf.keys().getPrivate(),
        List.of(leaf.certificate(), stranger.certificate(), inter.certificate(), inter2.certificate()))),
        SslProvider.JDK).build();
    try (Client c = dial(context, "temporal.internal")) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
  }
}
