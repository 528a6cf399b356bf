package dev.gatehouse.tls;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The verified client certificate of a TLS connection, parsed once per connection.
 *
 * @param subject the subject DN in RFC 2253 form
 * @param commonName the subject CN, or {@code null}
 * @param organizations the subject O values
 * @param organizationalUnits the subject OU values
 * @param subjectAltNames DNS, URI, email and IP SANs, as strings
 * @param sha256Fingerprint lower-case hex SHA-256 of the DER encoding
 * @param certificate the certificate itself
 */
public record PeerCertificate(
    String subject,
    String commonName,
    List<String> organizations,
    List<String> organizationalUnits,
    List<String> subjectAltNames,
    String sha256Fingerprint,
    X509Certificate certificate) {
  public PeerCertificate {
    organizations = List.copyOf(organizations);
    organizationalUnits = List.copyOf(organizationalUnits);
    subjectAltNames = List.copyOf(subjectAltNames);
  }
}
