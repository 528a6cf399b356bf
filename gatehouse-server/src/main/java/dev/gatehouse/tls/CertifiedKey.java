package dev.gatehouse.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain (leaf first) and the private key of its leaf, checked to belong together.
 *
 * <p>{@link #toString()} leaves the key out: some JDK key classes print their private parts.
 */
record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {
  CertifiedKey {
    chain = List.copyOf(chain);
  }

  X509Certificate leaf() {
    return chain.get(0);
  }

  String keyType() {
    return Certificates.keyType(key);
  }

  /** Reads and checks a certificate/key pair; problems are reported against the config keys of the inputs. */
  static CertifiedKey parse(PemInput cert, byte[] certPem, PemInput key, byte[] keyPem, ConfigProblems problems) {
    List<X509Certificate> chain;
    try {
      chain = Pem.certificates(certPem);
    } catch (PemException e) {
      throw problems.at(cert.key(), cert.where() + ": " + e.getMessage()
          + " (expected PEM -----BEGIN CERTIFICATE----- blocks)");
    }
    if (chain.isEmpty()) {
      throw problems.at(cert.key(), cert.where()
          + " holds no PEM certificate (expected a -----BEGIN CERTIFICATE----- block)");
    }
    PrivateKey privateKey;
    try {
      privateKey = Pem.privateKey(keyPem);
    } catch (PemException e) {
      throw problems.at(key.key(), key.where() + ": " + e.getMessage());
    }
    if (!Certificates.matches(chain.get(0), privateKey)) {
      throw problems.at(key.key(), "the private key in " + key.where() + " does not match the certificate "
          + CertificateChecks.subject(chain.get(0)) + " in " + cert.where()
          + " (use the key the certificate was issued for)");
    }
    return new CertifiedKey(chain, privateKey);
  }

  /** CA certificates from several inputs; each input must hold at least one, and only CAs. */
  static List<X509Certificate> parseCas(List<PemInput> inputs, List<byte[]> pems, ConfigProblems problems) {
    List<X509Certificate> cas = new java.util.ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      PemInput input = inputs.get(i);
      List<X509Certificate> certs;
      try {
        certs = Pem.certificates(pems.get(i));
      } catch (PemException e) {
        throw problems.at(input.key(), input.where() + ": " + e.getMessage()
            + " (expected PEM -----BEGIN CERTIFICATE----- blocks of CA certificates)");
      }
      if (certs.isEmpty()) {
        throw problems.at(input.key(), input.where()
            + " holds no CA certificate (expected the PEM of the issuing CA, -----BEGIN CERTIFICATE-----)");
      }
      for (X509Certificate c : certs) {
        if (!Certificates.isCa(c)) {
          throw problems.at(input.key(), input.where() + " holds " + CertificateChecks.subject(c)
              + ", which is not a CA certificate (no basicConstraints CA:true); point it at the issuing CA,"
              + " not at a leaf certificate");
        }
        if (!cas.contains(c)) {
          cas.add(c);
        }
      }
    }
    return cas;
  }

  @Override
  public String toString() {
    return "CertifiedKey[" + Certificates.describe(leaf()) + ", key=" + key.getAlgorithm() + "]";
  }
}
