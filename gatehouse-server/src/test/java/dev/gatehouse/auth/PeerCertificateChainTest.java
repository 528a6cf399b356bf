package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import dev.gatehouse.tls.PeerCertificate;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The verified chain in {@link PeerCertificate} and {@link AuthInfo#peerCertificateChain()}. */
class PeerCertificateChainTest {
  private static CertificateAuthority ordersCa;
  private static CertificateAuthority billingCa;
  private static IssuedCertificate ordersWorker;

  @BeforeAll
  static void pki() {
    ordersCa = CertificateAuthority.create("Orders CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    billingCa = CertificateAuthority.create("Billing CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    CertificateAuthority intermediate = ordersCa.issueIntermediate("Orders Issuing CA", Duration.ofDays(10));
    ordersWorker = intermediate.leaf("worker.orders").clientAuth().issue();
  }

  private static AuthInfo withPeer(PeerCertificate peer) {
    return new AuthInfo(null, null, peer, null, null);
  }

  /** What a per-namespace CA check in a plugin does with the chain. */
  private static boolean issuedBy(CertificateAuthority ca, List<X509Certificate> chain) throws Exception {
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
    params.setRevocationEnabled(false);
    try {
      CertPathValidator.getInstance("PKIX").validate(
          CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
      return true;
    } catch (CertPathValidatorException e) {
      return false;
    }
  }

  @Test
  void theChainIsKeptLeafFirstAndIdentifiesTheLeaf() {
    PeerCertificate peer = PeerCertificate.of(ordersWorker.chain());
    assertThat(peer.commonName()).isEqualTo("worker.orders");
    assertThat(peer.certificate()).isEqualTo(ordersWorker.certificate());
    assertThat(peer.chain()).containsExactlyElementsOf(ordersWorker.chain()).hasSize(2);
    assertThat(withPeer(peer).peerCertificateChain()).isEqualTo(peer.chain());
    assertThatThrownBy(() -> peer.chain().add(ordersCa.certificate()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aPluginCanCheckTheChainAgainstANamespacesOwnCa() throws Exception {
    List<X509Certificate> chain = withPeer(PeerCertificate.of(ordersWorker.chain())).peerCertificateChain();
    assertThat(issuedBy(ordersCa, chain)).isTrue();
    assertThat(issuedBy(billingCa, chain)).isFalse();
    // The leaf alone cannot reach the orders CA: the intermediate the client sent is what makes the path.
    assertThat(issuedBy(ordersCa, List.of(chain.get(0)))).isFalse();
  }

  @Test
  void withoutAChainTheLeafIsTheChainAndWithoutAPeerItIsEmpty() {
    X509Certificate leaf = ordersWorker.certificate();
    assertThat(PeerCertificate.of(leaf).chain()).containsExactly(leaf);
    PeerCertificate built = new PeerCertificate("CN=x", "x", List.of(), List.of(), List.of(), "00", leaf);
    assertThat(built.chain()).containsExactly(leaf);
    assertThat(AuthInfo.none().peerCertificateChain()).isEmpty();
  }

  @Test
  void aChainThatDoesNotStartWithTheCertificateIsRefused() {
    X509Certificate leaf = ordersWorker.certificate();
    assertThatThrownBy(() -> new PeerCertificate("CN=x", "x", List.of(), List.of(), List.of(), "00", leaf,
        List.of(ordersCa.certificate(), leaf))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PeerCertificate.of(List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
