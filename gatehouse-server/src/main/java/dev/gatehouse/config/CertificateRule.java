package dev.gatehouse.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code global.authorization.certificateRules} entry: which verified client certificates it matches and the
 * roles it grants them. Matching follows Temporal Cloud's certificate filters: every field given must match; a value
 * may hold one {@code *} as its first or last character (prefix or suffix match), nowhere else; {@code O}, {@code OU}
 * and SAN match when any of the certificate's values matches. A certificate gets the union of the roles of every
 * rule it matches.
 *
 * @param commonName the subject CN to match
 * @param organization a subject O to match
 * @param organizationalUnit a subject OU to match
 * @param subjectAlternativeName a DNS, URI, email or IP SAN to match
 * @param namespaces namespace name to role ({@code read}, {@code write}, {@code worker}, {@code admin})
 * @param system the cluster-wide role, or {@code null}
 */
public record CertificateRule(
    String commonName,
    String organization,
    String organizationalUnit,
    String subjectAlternativeName,
    Map<String, String> namespaces,
    String system) {
  public CertificateRule {
    // Keeps null roles so validation can name the offending key instead of failing here.
    namespaces = namespaces == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(namespaces));
  }
}
