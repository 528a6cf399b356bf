package dev.gatehouse.tls;

import java.security.cert.X509Certificate;
import java.util.List;

/** The CA certificates a peer's chain must lead to. */
record TrustedCas(List<X509Certificate> certificates) {
  static final TrustedCas NONE = of(List.of());

  TrustedCas {
    certificates = List.copyOf(certificates);
  }

  static TrustedCas of(List<X509Certificate> certificates) {
    return new TrustedCas(certificates);
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
