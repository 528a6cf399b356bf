package dev.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Namespace endpoints by SNI name, and the CA index a large union is verified through. */
class NamespaceTrustTest {

  @Test
  void theNamespaceOfAServerNameIsTheLabelsBeforeTheDomain() {
    NamespaceTrust t = new NamespaceTrust(CaBundle.EMPTY, Map.of(), "NS.Example.com.");
    assertThat(t.domain()).isEqualTo("ns.example.com");
    assertThat(t.endpointNamespace("orders.ns.example.com")).isEqualTo("orders");
    assertThat(t.endpointNamespace("Orders.NS.example.com.")).isEqualTo("orders");
    assertThat(t.endpointNamespace("a.b.ns.example.com")).isEqualTo("a.b");
    assertThat(t.endpointNamespace("ns.example.com")).isNull();
    assertThat(t.endpointNamespace(".ns.example.com")).isNull();
    assertThat(t.endpointNamespace("ordersns.example.com")).isNull();
    assertThat(t.endpointNamespace("orders.ns.example.com.evil")).isNull();
    assertThat(t.endpointNamespace(null)).isNull();
    assertThat(NamespaceTrust.NONE.endpointNamespace("orders.ns.example.com")).isNull();
  }

  @Test
  void aLargeBundleGivesTheSameVerdictsThroughItsIndex() {
    List<CertificateAuthority> cas = new ArrayList<>();
    List<X509Certificate> roots = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      CertificateAuthority ca = CertificateAuthority.create("CA " + (i % 20), CertificateAuthority.KeyType.EC_P256,
          Duration.ofDays(1));
      cas.add(ca);
      roots.add(ca.certificate());
    }
    CaBundle big = CaBundle.of(roots);
    Instant now = Instant.now();
    // Two CAs share each subject: the index must keep both candidates.
    for (CertificateAuthority ca : List.of(cas.get(3), cas.get(23), cas.get(39))) {
      List<X509Certificate> chain = ca.leaf("w").clientAuth().issue().chain();
      assertThat(big.clientPath(chain, now)).as(ca.toString()).isNotNull()
          .last().isEqualTo(ca.certificate());
      CertificateAuthority inter = ca.issueIntermediate("Issuing", Duration.ofHours(1));
      assertThat(big.clientPath(inter.leaf("w").clientAuth().issue().chain(), now)).isNotNull();
    }
    CertificateAuthority stranger = CertificateAuthority.create("CA 3", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(1));
    assertThat(big.clientPath(stranger.leaf("w").clientAuth().issue().chain(), now)).isNull();
    // A configured CA presented as the leaf is refused, with or without the index.
    assertThat(big.clientPath(List.of(cas.get(5).certificate()), now)).isNull();
    assertThat(CaBundle.of(List.of(cas.get(5).certificate())).clientPath(List.of(cas.get(5).certificate()), now))
        .isNull();
  }
}
