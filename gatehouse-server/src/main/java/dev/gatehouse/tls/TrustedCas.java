package dev.gatehouse.tls;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

/**
 * The CA certificates a peer's chain must lead to, indexed by subject: with thousands of CAs (every namespace's
 * bundle) a handshake considers only those that could have issued a presented certificate.
 */
record TrustedCas(List<X509Certificate> certificates, Map<X500Principal, List<X509Certificate>> bySubject) {
  static final TrustedCas NONE = of(List.of());
  // Below this, every CA is a candidate, as before the index existed.
  private static final int INDEXED_FROM = 16;

  TrustedCas {
    certificates = List.copyOf(certificates);
    bySubject = Map.copyOf(bySubject);
  }

  static TrustedCas of(List<X509Certificate> certificates) {
    Map<X500Principal, List<X509Certificate>> index = new HashMap<>();
    if (certificates.size() >= INDEXED_FROM) {
      for (X509Certificate c : certificates) {
        index.computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>(1)).add(c);
      }
      index.replaceAll((k, v) -> List.copyOf(v));
    }
    return new TrustedCas(certificates, index);
  }

  boolean isEmpty() {
    return certificates.isEmpty();
  }

  boolean contains(X509Certificate certificate) {
    return certificates.contains(certificate);
  }

  /**
   * The CAs that could end a path from {@code chain}: those whose subject is the issuer of a presented certificate,
   * and a CA presented itself (which the validator refuses as a leaf). The same verdicts as trying every CA.
   */
  List<X509Certificate> candidates(List<X509Certificate> chain) {
    if (bySubject.isEmpty()) {
      return certificates;
    }
    List<X509Certificate> out = new ArrayList<>();
    for (X509Certificate c : chain) {
      for (X509Certificate ca : bySubject.getOrDefault(c.getIssuerX500Principal(), List.of())) {
        if (!out.contains(ca)) {
          out.add(ca);
        }
      }
      for (X509Certificate ca : bySubject.getOrDefault(c.getSubjectX500Principal(), List.of())) {
        if (ca.equals(c) && !out.contains(ca)) {
          out.add(ca);
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "TrustedCas" + certificates.stream().map(c -> c.getSubjectX500Principal().getName()).toList();
  }
}
