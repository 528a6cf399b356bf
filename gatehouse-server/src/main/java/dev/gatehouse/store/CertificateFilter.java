package dev.gatehouse.store;

/**
 * One of a namespace's certificate filters, as Cloud's {@code namespace.v1.CertificateFilterSpec}: a client
 * certificate passes when it matches every field set in at least one filter. A field may end (not contain) a
 * {@code *} wildcard.
 */
public record CertificateFilter(
    String commonName, String organization, String organizationalUnit, String subjectAlternativeName) {}
