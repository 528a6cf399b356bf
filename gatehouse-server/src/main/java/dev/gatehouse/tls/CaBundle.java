package dev.gatehouse.tls;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A bundle of CA certificates that client certificates may chain to, parsed once (e.g. a namespace's accepted
 * client CA bundle), and the one client-certificate verifier every listener uses: Go crypto/x509's rules and
 * Gatehouse's stricter ones ({@link PathValidator}), with the clientAuth extended key usage. Immutable.
 */
public final class CaBundle {
  /** No CA: validates nothing. */
  public static final CaBundle EMPTY = new CaBundle(TrustedCas.NONE);

  private final TrustedCas cas;

  private CaBundle(TrustedCas cas) {
    this.cas = cas;
  }

  /** A bundle of these certificates. */
  public static CaBundle of(List<X509Certificate> certificates) {
    return certificates.isEmpty() ? EMPTY : new CaBundle(TrustedCas.of(certificates));
  }

  /**
   * Parses a PEM bundle ({@code ""} is the empty bundle).
   *
   * @throws PemException when it holds something other than readable certificates
   */
  public static CaBundle parse(String pem) throws PemException {
    if (pem == null || pem.isBlank()) {
      return EMPTY;
    }
    return of(Pem.certificates(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Every certificate of every bundle, each once. */
  public static CaBundle union(Collection<CaBundle> bundles) {
    LinkedHashSet<X509Certificate> all = new LinkedHashSet<>();
    for (CaBundle b : bundles) {
      all.addAll(b.certificates());
    }
    return of(new ArrayList<>(all));
  }

  public List<X509Certificate> certificates() {
    return cas.certificates();
  }

  public boolean isEmpty() {
    return cas.isEmpty();
  }

  /**
   * The validated path of a client certificate chain (leaf first, as presented), leaf first and the CA of this
   * bundle last, or {@code null} when the chain does not validate to a CA of this bundle at {@code now} for
   * clientAuth.
   */
  public List<X509Certificate> clientPath(List<X509Certificate> chain, Instant now) {
    if (chain == null || chain.isEmpty() || cas.isEmpty()) {
      return null;
    }
    try {
      PathValidator.Result r = PathValidator.validate(
          chain, cas.candidates(chain), now, CertificateChecks.CLIENT_AUTH, "client");
      return r.valid() ? r.path() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  TrustedCas trusted() {
    return cas;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CaBundle b && b.cas.certificates().equals(cas.certificates());
  }

  @Override
  public int hashCode() {
    return cas.certificates().hashCode();
  }

  @Override
  public String toString() {
    return "CaBundle[" + cas.certificates().size() + " CA(s)]";
  }
}
