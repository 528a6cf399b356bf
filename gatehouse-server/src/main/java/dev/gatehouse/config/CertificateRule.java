package dev.gatehouse.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code global.authorization.certificateRules} entry: which verified client certificates it matches and the
 * roles it grants them. Matching follows Temporal Cloud's certificate filters: every field given must match; a value
 * may hold one {@code *} as its first or last character (prefix or suffix match), nowhere else; {@code O}, {@code OU}
 * and SAN match when any of the certificate's values matches. A certificate gets the union of the roles of every
 * rule it matches.
 *
 * <p>A rule is bound to the CAs it trusts: it matches only a certificate whose presented chain leads to one of them
 * (the signature checked, not just the issuer's name). Without {@code clientCaFiles} and {@code clientCaData} those
 * are the frontend's {@code global.tls.frontend.server} client CAs, never a {@code hostOverrides} entry's: a CA
 * trusted for one host name cannot mint identities for every rule.
 *
 * @param commonName the subject CN to match
 * @param organization a subject O to match
 * @param organizationalUnit a subject OU to match
 * @param subjectAlternativeName a SAN to match: a DNS name, or a typed value {@code dns:}, {@code uri:},
 *     {@code email:} or {@code ip:} followed by the filter (an untyped value matches DNS SANs only, as Temporal
 *     Cloud's SAN filter does)
 * @param namespaces namespace name to role ({@code read}, {@code write}, {@code worker}, {@code admin})
 * @param system the cluster-wide role, or {@code null}
 * @param clientCaFiles PEM files of the CAs this rule trusts instead of the frontend's client CAs
 * @param clientCaData base64-encoded PEM of CAs this rule trusts, as Temporal's {@code clientCaData}
 */
public record CertificateRule(
    String commonName,
    String organization,
    String organizationalUnit,
    String subjectAlternativeName,
    Map<String, String> namespaces,
    String system,
    List<String> clientCaFiles,
    List<String> clientCaData) {
  public CertificateRule {
    // Keeps null roles so validation can name the offending key instead of failing here.
    namespaces = namespaces == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(namespaces));
    clientCaFiles = clientCaFiles == null ? List.of() : List.copyOf(clientCaFiles);
    clientCaData = clientCaData == null ? List.of() : List.copyOf(clientCaData);
  }

  /** A rule trusting the frontend's client CAs. */
  public CertificateRule(
      String commonName, String organization, String organizationalUnit, String subjectAlternativeName,
      Map<String, String> namespaces, String system) {
    this(commonName, organization, organizationalUnit, subjectAlternativeName, namespaces, system, null, null);
  }

  /** True when the rule names its own CAs. */
  public boolean namesCas() {
    return !clientCaFiles.isEmpty() || !clientCaData.isEmpty();
  }
}
