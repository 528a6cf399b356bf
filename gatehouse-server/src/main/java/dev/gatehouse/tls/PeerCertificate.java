package dev.gatehouse.tls;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The verified client certificate of a TLS connection, with the chain it came with, parsed once per connection.
 *
 * @param subject the subject DN in RFC 2253 form
 * @param commonName the subject CN, or {@code null}
 * @param organizations the subject O values
 * @param organizationalUnits the subject OU values
 * @param subjectAltNames DNS, URI, email and IP SANs, as strings
 * @param sha256Fingerprint lower-case hex SHA-256 of the DER encoding
 * @param certificate the certificate itself (the leaf)
 * @param chain the certificates the client presented and the handshake verified, leaf first ({@code certificate}),
 *     then the intermediates in the order the client sent them; the root CA is usually absent, since clients rarely
 *     send it. {@code null} or empty means the leaf alone
 */
public record PeerCertificate(
    String subject,
    String commonName,
    List<String> organizations,
    List<String> organizationalUnits,
    List<String> subjectAltNames,
    String sha256Fingerprint,
    X509Certificate certificate,
    List<X509Certificate> chain) {
  public PeerCertificate {
    organizations = List.copyOf(organizations);
    organizationalUnits = List.copyOf(organizationalUnits);
    subjectAltNames = List.copyOf(subjectAltNames);
    if (chain == null || chain.isEmpty()) {
      chain = certificate == null ? List.of() : List.of(certificate);
    } else {
      chain = List.copyOf(chain);
      if (!chain.get(0).equals(certificate)) {
        throw new IllegalArgumentException("the chain must start with the certificate");
      }
    }
  }

  /** A peer whose chain is the leaf alone. */
  public PeerCertificate(
      String subject, String commonName, List<String> organizations, List<String> organizationalUnits,
      List<String> subjectAltNames, String sha256Fingerprint, X509Certificate certificate) {
    this(subject, commonName, organizations, organizationalUnits, subjectAltNames, sha256Fingerprint, certificate,
        null);
  }

  /**
   * Parses a certificate presented without intermediates. If the subject holds several CNs, {@link #commonName()}
   * is the last one, as Go's {@code pkix.Name} (and so Temporal's claim mappers) reads it.
   */
  public static PeerCertificate of(X509Certificate certificate) {
    return of(List.of(certificate));
  }

  /**
   * Parses a presented chain, leaf first, as {@link javax.net.ssl.SSLSession#getPeerCertificates()} returns it.
   * The identity fields describe the leaf, read as {@link #of(X509Certificate)} reads it.
   *
   * @throws IllegalArgumentException when the chain is empty or a certificate cannot be read
   */
  public static PeerCertificate of(List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no peer certificate");
    }
    List<X509Certificate> parsed = chain.stream().map(PeerCertificate::reparse).toList();
    X509Certificate cert = parsed.get(0);
    String commonName = null;
    List<String> organizations = new ArrayList<>();
    List<String> units = new ArrayList<>();
    X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    for (RDN rdn : name.getRDNs()) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        String value = text(atv.getValue());
        if (atv.getType().equals(BCStyle.CN)) {
          commonName = value;
        } else if (atv.getType().equals(BCStyle.O)) {
          organizations.add(value);
        } else if (atv.getType().equals(BCStyle.OU)) {
          units.add(value);
        }
      }
    }
    return new PeerCertificate(
        cert.getSubjectX500Principal().getName(),
        commonName,
        organizations,
        units,
        CertificateChecks.allSubjectAltNames(cert),
        Certificates.sha256(cert),
        cert,
        parsed);
  }

  /** DNS-name SANs only, for callers that must not confuse a DNS name with an e-mail or URI SAN. */
  public List<String> dnsNames() {
    return certificate == null ? List.of() : CertificateChecks.dnsNames(certificate);
  }

  /** URI SANs only (e.g. SPIFFE IDs). */
  public List<String> uris() {
    return certificate == null ? List.of() : CertificateChecks.uris(certificate);
  }

  /** E-mail (rfc822Name) SANs only. */
  public List<String> emails() {
    return certificate == null ? List.of() : CertificateChecks.emails(certificate);
  }

  /** IP-address SANs only, in the JDK's textual form. */
  public List<String> ipAddresses() {
    return certificate == null ? List.of() : CertificateChecks.ipAddresses(certificate);
  }

  private static String text(ASN1Encodable value) {
    return value instanceof ASN1String s ? s.getString() : IETFUtils.valueToString(value);
  }

  /** TLS stacks may hand out lazily parsed certificate objects; keep a plain JDK one. */
  private static X509Certificate reparse(X509Certificate certificate) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(certificate.getEncoded()));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("unreadable peer certificate", e);
    }
  }
}
