package dev.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server-name matching of the internode client as Go's: SANs only, one-label wildcards, IP literals never resolved. */
class CertificateChecksTest {
  static X509Certificate certificate;

  @BeforeAll
  static void issue() {
    CertificateAuthority ca = CertificateAuthority.create("CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    certificate = ca.leaf("cn.example.com").dnsNames("frontend.example.com", "*.temporal.example.com", "*.com")
        .ipAddresses("10.0.0.1", "2001:db8::1").serverAuth().issue().certificate();
  }

  @Test
  void dnsNamesMatchExactlyAndCaseInsensitively() {
    assertThat(CertificateChecks.matchesServerName(certificate, "frontend.example.com")).isTrue();
    assertThat(CertificateChecks.matchesServerName(certificate, "FRONTEND.Example.com.")).isTrue();
    assertThat(CertificateChecks.matchesServerName(certificate, "other.example.com")).isFalse();
    assertThat(CertificateChecks.matchesServerName(certificate, "cn.example.com")).as("CN is not a name").isFalse();
    assertThat(CertificateChecks.matchesServerName(certificate, "")).isFalse();
  }

  @Test
  void aWildcardCoversExactlyOneLeftmostLabelAsInGo() {
    assertThat(CertificateChecks.matchesServerName(certificate, "a.temporal.example.com")).isTrue();
    assertThat(CertificateChecks.matchesServerName(certificate, "a.b.temporal.example.com")).isFalse();
    assertThat(CertificateChecks.matchesServerName(certificate, "temporal.example.com")).isFalse();
    // Go's VerifyHostname has no rule against a wildcard over one label ("*.internal" for "temporal.internal").
    assertThat(CertificateChecks.matchesServerName(certificate, "anything.com")).isTrue();
    assertThat(CertificateChecks.matchesServerName(certificate, "a.anything.com")).isFalse();
  }

  @Test
  void ipLiteralsMatchIpSansOnly() {
    assertThat(CertificateChecks.matchesServerName(certificate, "10.0.0.1")).isTrue();
    assertThat(CertificateChecks.matchesServerName(certificate, "2001:DB8:0:0:0:0:0:1")).isTrue();
    assertThat(CertificateChecks.matchesServerName(certificate, "[2001:db8::1]")).isTrue();
    assertThat(CertificateChecks.matchesServerName(certificate, "10.0.0.2")).isFalse();
    assertThat(CertificateChecks.ipLiteral("999.1.1.1")).isNull();
    assertThat(CertificateChecks.ipLiteral("frontend.example.com")).isNull();
    assertThat(CertificateChecks.ipLiteral("1.2.3")).isNull();
  }
}
