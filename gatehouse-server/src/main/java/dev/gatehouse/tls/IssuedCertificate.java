package dev.gatehouse.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate issued by a {@link CertificateAuthority} and its private key.
 *
 * @param chain the certificate first, then any intermediate CAs up to (not including) the root
 * @param privateKey the certificate's private key
 */
public record IssuedCertificate(List<X509Certificate> chain, PrivateKey privateKey) {
  public IssuedCertificate {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("an issued certificate needs its certificate");
    }
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The chain as PEM, certificate first: what a {@code certFile} holds. */
  public String certificatePem() {
    StringBuilder pem = new StringBuilder();
    chain.forEach(c -> pem.append(Pem.encode(c)));
    return pem.toString();
  }

  /** The private key as PKCS#8 PEM. Secret: write it with {@link #write}, never log it. */
  public String privateKeyPem() {
    return Pem.encode(privateKey);
  }

  /** Writes the chain (mode 0644) and the private key (mode 0600), each atomically. */
  public void write(Path certFile, Path keyFile) throws IOException {
    PemFiles.writePrivateKey(keyFile, privateKeyPem());
    PemFiles.writeCertificate(certFile, certificatePem());
  }

  @Override
  public String toString() {
    return "IssuedCertificate[" + Certificates.describe(certificate()) + "]";
  }
}
