package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.PeerCertificate;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MtlsClaimMapperTest {
  private static final PeerCertificate ORDERS_WORKER =
      TestCerts.peer("CN=worker.orders.acme.com,OU=Payments,O=Acme", "worker.orders.acme.com",
          "spiffe://acme.com/ns/orders/worker");
  private static final PeerCertificate BILLING_WORKER =
      TestCerts.peer("CN=worker.billing.acme.com,OU=Billing,O=Acme", "worker.billing.acme.com");
  private static final PeerCertificate EVIL =
      TestCerts.peer("CN=worker.orders.acme.com.evil.io,O=Evil", "worker.orders.acme.com.evil.io");

  /** The self-signed test certificates are their own CAs, trusted as the frontend's client CAs. */
  private static MtlsClaimMapper mapper(List<CertificateRule> rules) {
    return new MtlsClaimMapper(rules, key -> null,
        frontendTrusting(ORDERS_WORKER.certificate(), BILLING_WORKER.certificate(), EVIL.certificate()));
  }

  static RootTls frontendTrusting(X509Certificate... cas) {
    List<String> data = new ArrayList<>();
    for (X509Certificate ca : cas) {
      data.add(base64Pem(ca));
    }
    return new RootTls(new GroupTls(new ServerTls(null, null, null, null, null, data, false), null, null, null,
        null, null), null, null, null);
  }

  static String base64Pem(X509Certificate cert) {
    try {
      String pem = "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
      return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static CertificateRule rule(String cn, String o, String ou, String san, Map<String, String> ns,
      String system) {
    return new CertificateRule(cn, o, ou, san, ns, system);
  }

  private static Claims claims(MtlsClaimMapper m, PeerCertificate peer) {
    return m.getClaims(new AuthInfo(null, null, peer, null, null));
  }

  @Test
  void suffixPrefixAndExactMatches() {
    MtlsClaimMapper m = mapper(List.of(
        rule("*.orders.acme.com", "Acme", null, null, Map.of("orders", "write"), null),
        rule(null, null, "Bill*", null, Map.of("billing", "read"), null),
        rule("worker.billing.acme.com", null, null, null, Map.of("billing", "write"), null)));
    Claims orders = claims(m, ORDERS_WORKER);
    assertThat(orders.namespaces()).containsOnly(Map.entry("orders", Role.WRITER));
    assertThat(orders.subject()).isEqualTo(ORDERS_WORKER.subject()).contains("CN=worker.orders.acme.com");
    assertThat(orders.authType()).isEqualTo("mtls");
    assertThat(orders.extensions()).containsEntry("certificateSha256", ORDERS_WORKER.sha256Fingerprint());

    // Union of every matching rule.
    assertThat(claims(m, BILLING_WORKER).namespaceRole("billing")).isEqualTo(Role.READER.union(Role.WRITER));
    // A suffix rule does not match a name that merely contains the suffix.
    assertThat(claims(m, EVIL).namespaces()).isEmpty();
    assertThat(claims(m, EVIL).subject()).isNotNull();
  }

  @Test
  void everyGivenFieldMustMatch() {
    MtlsClaimMapper m = mapper(List.of(
        rule("*.orders.acme.com", "Other", null, null, Map.of("orders", "admin"), null),
        rule("*.orders.acme.com", "Acme", "Payments", "uri:spiffe://acme.com/ns/orders/*", Map.of("orders", "read"),
            null)));
    assertThat(claims(m, ORDERS_WORKER).namespaces()).containsOnly(Map.entry("orders", Role.READER));
  }

  @Test
  void sanMatchesAnyOfTheCertificatesNames() {
    MtlsClaimMapper m = mapper(List.of(
        rule(null, null, null, "uri:spiffe://acme.com/*", Map.of("orders", "write"), "read")));
    Claims c = claims(m, ORDERS_WORKER);
    assertThat(c.namespaceRole("orders")).isEqualTo(Role.WRITER);
    assertThat(c.system()).isEqualTo(Role.READER);
    assertThat(claims(m, BILLING_WORKER).namespaces()).isEmpty();
  }

  @Test
  void comparisonIsCaseSensitive() {
    MtlsClaimMapper m = mapper(List.of(rule(null, "acme", null, null, Map.of("orders", "read"), null)));
    assertThat(claims(m, ORDERS_WORKER).namespaces()).isEmpty();
  }

  @Test
  void systemRoleAndTemporalSystemNamespace() {
    MtlsClaimMapper m = mapper(List.of(
        rule("worker.orders.acme.com", null, null, null, Map.of("temporal-system", "admin"), null)));
    assertThat(claims(m, ORDERS_WORKER).system()).isEqualTo(Role.ADMIN);
    assertThat(claims(m, ORDERS_WORKER).namespaces()).isEmpty();
  }

  @Test
  void noCertificateIsAnonymous() {
    MtlsClaimMapper m = mapper(List.of(rule("*", null, null, null, Map.of("orders", "read"), null)));
    assertThat(m.getClaims(AuthInfo.none()).isAnonymous()).isTrue();
    assertThat(claims(m, ORDERS_WORKER).namespaceRole("orders")).isEqualTo(Role.READER);
  }

  @Test
  void wildcardOnlyAtTheStartOrEnd() {
    assertConfigError(rule("worker.*.acme.com", null, null, null, Map.of("orders", "read"), null),
        "certificateRules[0].commonName", "middle");
    assertConfigError(rule(null, "*Acme*", null, null, Map.of("orders", "read"), null),
        "certificateRules[0].organization", "more than one");
    assertConfigError(rule(null, null, null, "**", Map.of("orders", "read"), null),
        "certificateRules[0].subjectAlternativeName", "more than one");
    assertConfigError(rule(null, null, "", null, Map.of("orders", "read"), null),
        "certificateRules[0].organizationalUnit", "empty");
  }

  @Test
  void rulesMustFilterSomethingAndGrantSomething() {
    assertConfigError(rule(null, null, null, null, Map.of("orders", "read"), null), "certificateRules[0]",
        "matches every certificate");
    assertConfigError(rule("x", null, null, null, Map.of(), null), "certificateRules[0]", "grants no role");
    assertConfigError(rule("x", null, null, null, Map.of("orders", "owner"), null),
        "certificateRules[0].namespaces.orders", "unknown role");
    assertConfigError(rule("x", null, null, null, Map.of(), "superuser"), "certificateRules[0].system",
        "unknown role");
    Map<String, String> nullRole = new HashMap<>();
    nullRole.put("orders", null);
    assertConfigError(rule("x", null, null, null, nullRole, null), "certificateRules[0].namespaces.orders",
        "unknown role");
  }

  private static void assertConfigError(CertificateRule r, String key, String problem) {
    assertThatThrownBy(() -> mapper(List.of(r)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("global.authorization." + key)
        .hasMessageContaining(problem);
  }
}
