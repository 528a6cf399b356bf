package dev.gatehouse.auth;

import static dev.gatehouse.auth.Fixture.OP;
import static dev.gatehouse.auth.Fixture.WF;
import static dev.gatehouse.auth.Fixture.bearerAndCert;
import static dev.gatehouse.auth.Fixture.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.tls.PeerCertificate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code claimMapper: default+mtls}: both credentials, intersection of roles. */
class AllOfClaimMapperTest {
  private static final PeerCertificate ORDERS_CERT =
      TestCerts.peerAt(Fixture.T0, "CN=worker.orders.acme.com,O=Acme", "worker.orders.acme.com");

  @TempDir Path dir;
  private Fixture f;

  @BeforeEach
  void start() throws Exception {
    f = new Fixture(dir, c -> {
      c.claimMapper = "default+mtls";
      c.certificateRules.add(new CertificateRule("*.orders.acme.com", "Acme", null, null,
          Map.of("orders", "write"), null));
    }, b -> b.tls(MtlsClaimMapperTest.frontendTrusting(ORDERS_CERT.certificate())));
  }

  @AfterEach
  void stop() {
    f.close();
  }

  @Test
  void grantsOnlyWhatBothGrant() {
    String admin = token("alice", "orders:admin", "billing:admin");
    AccessCheck c = f.check(bearerAndCert(admin, ORDERS_CERT), WF + "StartWorkflowExecution", "orders");
    assertThat(c.allowed()).isTrue();
    assertThat(c.claims().subject()).isEqualTo("alice");
    assertThat(c.claims().authType()).isEqualTo("jwt+mtls");
    assertThat(c.claims().extensions().get("subjects")).isEqualTo(List.of("alice", ORDERS_CERT.subject()));
    // The token says admin, the certificate says write: write it is.
    assertThat(f.check(bearerAndCert(admin, ORDERS_CERT), WF + "UpdateNamespace", "orders").allowed()).isFalse();
    // The token covers billing, the certificate does not.
    assertThat(f.check(bearerAndCert(admin, ORDERS_CERT), WF + "StartWorkflowExecution", "billing").allowed())
        .isFalse();
    // The certificate says write, the token only read.
    assertThat(f.check(bearerAndCert(token("bob", "orders:read"), ORDERS_CERT), WF + "StartWorkflowExecution",
        "orders").allowed()).isFalse();
  }

  @Test
  void systemRoleOfOneSideIsBoundedByTheOther() {
    String root = token("root", "temporal-system:admin");
    assertThat(f.check(bearerAndCert(root, ORDERS_CERT), WF + "StartWorkflowExecution", "orders").allowed()).isTrue();
    assertThat(f.check(bearerAndCert(root, ORDERS_CERT), WF + "StartWorkflowExecution", "billing").allowed())
        .isFalse();
    assertThat(f.check(bearerAndCert(root, ORDERS_CERT), OP + "ListClusters", "").allowed()).isFalse();
  }

  @Test
  void eitherCredentialAloneIsUnauthenticated() {
    assertThat(f.check(bearerAndCert(token("alice", "orders:write"), null), WF + "StartWorkflowExecution", "orders")
        .outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    AccessCheck certOnly = f.check(bearerAndCert(null, ORDERS_CERT), WF + "StartWorkflowExecution", "orders");
    assertThat(certOnly.outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    assertThat(certOnly.reason()).contains("default and mtls");
  }

  @Test
  void mtlsAloneCanAuthorize() throws Exception {
    f.close();
    f = new Fixture(dir, c -> {
      c.claimMapper = "mtls";
      c.certificateRules.add(new CertificateRule("*.orders.acme.com", null, null, null, Map.of("orders", "write"),
          null));
    }, b -> b.tls(MtlsClaimMapperTest.frontendTrusting(ORDERS_CERT.certificate())));
    assertThat(f.check(bearerAndCert(null, ORDERS_CERT), WF + "StartWorkflowExecution", "orders").allowed()).isTrue();
    assertThat(f.check(bearerAndCert(null, ORDERS_CERT), WF + "StartWorkflowExecution", "billing").outcome())
        .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
  }
}
