package dev.gatehouse.tls;

import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The CA certificates a peer's chain must lead to. */
record TrustedCas(List<X509Certificate> certificates, Set<TrustAnchor> anchors) {
  static final TrustedCas NONE = of(List.of());

  TrustedCas {
    certificates = List.copyOf(certificates);
    anchors = Set.copyOf(anchors);
  }

  static TrustedCas of(List<X509Certificate> certificates) {
    Set<TrustAnchor> anchors = new HashSet<>();
    for (X509Certificate certificate : certificates) {
      anchors.add(new TrustAnchor(certificate, null));
    }
    return new TrustedCas(certificates, anchors);
  }

  boolean isEmpty() {
    return certificates.isEmpty();
  }

  boolean contains(X509Certificate certificate) {
    return certificates.contains(certificate);
  }

  @Override
  public String toString() {
    return "TrustedCas" + certificates.stream().map(c -> c.getSubjectX500Principal().getName()).toList();
  }
}
