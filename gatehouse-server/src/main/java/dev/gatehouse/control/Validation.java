package dev.gatehouse.control;

import dev.gatehouse.store.CertificateFilter;
import io.grpc.Status;
import io.temporal.api.cloud.namespace.v1.CertificateFilterSpec;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The Ops API's input rules, each failing with the status Cloud answers and a message that says what to change.
 * Where Temporal Cloud has a limit, Gatehouse applies it; where Temporal's server has a rule (namespace names), its.
 */
final class Validation {
  /** Certificates in one namespace's accepted client CA bundle, as Temporal Cloud allows. */
  static final int MAX_CA_CERTIFICATES = 16;
  /** Bytes of one namespace's CA bundle (PEM), as Temporal Cloud allows. */
  static final int MAX_CA_BUNDLE_BYTES = 32 * 1024;
  /** Certificate filters on one namespace, as Temporal Cloud allows. */
  static final int MAX_CERTIFICATE_FILTERS = 25;
  /** An API key lives at most this long, as on Temporal Cloud. */
  static final Duration MAX_API_KEY_LIFETIME = Duration.ofDays(2 * 365);
  /** Temporal's default id length limit ({@code limit.maxIDLength}), which namespace names fall under. */
  static final int MAX_NAMESPACE_NAME = 1000;

  private static final Pattern NAMESPACE_NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  private Validation() {}

  static OpsException invalid(String message) {
    return new OpsException(Status.INVALID_ARGUMENT.withDescription(message));
  }

  static OpsException precondition(String message) {
    return new OpsException(Status.FAILED_PRECONDITION.withDescription(message));
  }

  /** Temporal refuses names it could not use as ids, in URLs and in its own system namespace's place. */
  static String namespaceName(String name) {
    if (name == null || name.isEmpty()) {
      throw invalid("spec.name is required, e.g. \"payments-prod\"");
    }
    if (name.length() > MAX_NAMESPACE_NAME) {
      throw invalid("namespace name is longer than " + MAX_NAMESPACE_NAME + " characters");
    }
    if (!NAMESPACE_NAME.matcher(name).matches()) {
      throw invalid("namespace name \"" + printable(name) + "\" may contain only letters, digits, '-', '_' and '.',"
          + " and must start and end with a letter or digit, e.g. \"payments-prod\"");
    }
    if (name.equals("temporal-system")) {
      throw invalid("namespace name \"temporal-system\" is reserved by Temporal");
    }
    return name;
  }

  static int retentionDays(int days) {
    if (days < 1 || days > 90) {
      throw invalid("spec.retention_days must be 1 to 90 (Temporal Cloud's range), got " + days);
    }
    return days;
  }

  static String email(String email) {
    if (email == null || email.length() > 320 || !EMAIL.matcher(email).matches()) {
      throw invalid("spec.email must be an email address, e.g. \"ada@example.com\"");
    }
    return email;
  }

  static String displayName(String field, String name, int max) {
    if (name == null || name.isBlank()) {
      throw invalid(field + " is required");
    }
    if (name.length() > max) {
      throw invalid(field + " is longer than " + max + " characters");
    }
    return name;
  }

  /** Paging: 0 means the default; negative is refused; more than 1000 is capped, as Cloud does. */
  static int pageSize(int size) {
    if (size < 0) {
      throw invalid("page_size must not be negative");
    }
    return size == 0 ? 100 : Math.min(size, 1000);
  }

  /**
   * An API key's expiry: required, in the future, at most two years away.
   */
  static Instant apiKeyExpiry(com.google.protobuf.Timestamp expiry, boolean present, Instant now) {
    if (!present || (expiry.getSeconds() == 0 && expiry.getNanos() == 0)) {
      throw invalid("spec.expiry_time is required (at most 2 years from now)");
    }
    Instant at;
    try {
      at = Instant.ofEpochSecond(expiry.getSeconds(), expiry.getNanos());
    } catch (java.time.DateTimeException e) {
      throw invalid("spec.expiry_time is out of range");
    }
    if (!at.isAfter(now)) {
      throw invalid("spec.expiry_time " + at + " is in the past");
    }
    // A minute of slack, so a client computing "now + 2 years" a moment earlier is not refused.
    if (at.isAfter(now.plus(MAX_API_KEY_LIFETIME).plusSeconds(60))) {
      throw invalid("spec.expiry_time " + at + " is more than 2 years away");
    }
    return at;
  }

  /**
   * The accepted client CA bundle: PEM (the {@code bytes} field) or base64-encoded PEM (what the deprecated string
   * field and JSON clients send). Every entry must be a CA certificate, valid now; the bundle within Cloud's limits.
   *
   * @return the bundle as PEM text, {@code ""} for none
   */
  static String caBundle(byte[] given, Instant now) {
    if (given == null || given.length == 0) {
      return "";
    }
    byte[] pem = given;
    if (!startsWithPem(pem)) {
      try {
        pem = Base64.getMimeDecoder().decode(given);
      } catch (IllegalArgumentException e) {
        throw invalid("mtls_auth.accepted_client_ca is neither PEM nor base64-encoded PEM");
      }
    }
    if (pem.length > MAX_CA_BUNDLE_BYTES) {
      throw invalid("mtls_auth.accepted_client_ca is " + pem.length + " bytes; the limit is " + MAX_CA_BUNDLE_BYTES);
    }
    String text = new String(pem, StandardCharsets.US_ASCII);
    int blocks = count(text, "-----BEGIN CERTIFICATE-----");
    if (blocks == 0) {
      throw invalid("mtls_auth.accepted_client_ca holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    if (blocks > MAX_CA_CERTIFICATES) {
      throw invalid("mtls_auth.accepted_client_ca holds " + blocks + " certificates; the limit is "
          + MAX_CA_CERTIFICATES);
    }
    if (text.contains("PRIVATE KEY")) {
      throw invalid("mtls_auth.accepted_client_ca holds a private key; send only CA certificates");
    }
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (var c : factory.generateCertificates(new ByteArrayInputStream(pem))) {
        certificates.add((X509Certificate) c);
      }
    } catch (CertificateException | RuntimeException e) {
      throw invalid("mtls_auth.accepted_client_ca is not a readable PEM certificate bundle");
    }
    if (certificates.size() != blocks) {
      throw invalid("mtls_auth.accepted_client_ca has " + blocks + " PEM blocks but only " + certificates.size()
          + " readable certificates");
    }
    for (int i = 0; i < certificates.size(); i++) {
      X509Certificate c = certificates.get(i);
      String who = "certificate " + (i + 1) + " (" + c.getSubjectX500Principal().getName() + ")";
      if (c.getBasicConstraints() < 0) {
        throw invalid("mtls_auth.accepted_client_ca " + who + " is not a CA (basicConstraints CA:TRUE missing)");
      }
      boolean[] usage = c.getKeyUsage();
      if (usage != null && (usage.length < 6 || !usage[5])) {
        throw invalid("mtls_auth.accepted_client_ca " + who + " may not sign certificates (keyUsage keyCertSign)");
      }
      if (now.isAfter(c.getNotAfter().toInstant())) {
        throw invalid("mtls_auth.accepted_client_ca " + who + " expired on " + c.getNotAfter().toInstant());
      }
      if (now.isBefore(c.getNotBefore().toInstant())) {
        throw invalid("mtls_auth.accepted_client_ca " + who + " is not valid before "
            + c.getNotBefore().toInstant());
      }
      // Cloud's requirements for a namespace's CA certificates: X.509v3, RSA or ECDSA with SHA-256 or stronger,
      // and a bundle that holds each certificate's issuer (roots and the intermediates they issued).
      if (c.getVersion() != 3) {
        throw invalid("mtls_auth.accepted_client_ca " + who + " is not an X.509v3 certificate");
      }
      if (!strongSignature(c.getSigAlgName())) {
        throw invalid("mtls_auth.accepted_client_ca " + who + " is signed with " + c.getSigAlgName()
            + "; RSA or ECDSA with SHA-256 or stronger is required");
      }
      if (!issuedWithin(c, certificates)) {
        throw invalid("mtls_auth.accepted_client_ca " + who + " is neither a root nor issued by another "
            + "certificate in the bundle (add its issuer)");
      }
    }
    return text;
  }

  private static boolean strongSignature(String algorithm) {
    String a = algorithm.toUpperCase(java.util.Locale.ROOT);
    boolean sha2 = a.startsWith("SHA256WITH") || a.startsWith("SHA384WITH") || a.startsWith("SHA512WITH")
        || a.equals("RSASSA-PSS");
    return sha2 && (a.endsWith("RSA") || a.endsWith("ECDSA") || a.equals("RSASSA-PSS"));
  }

  /** A self-signed root, or signed by another certificate of the bundle whose subject is its issuer. */
  private static boolean issuedWithin(X509Certificate c, List<X509Certificate> bundle) {
    for (X509Certificate issuer : bundle) {
      if (!issuer.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
        continue;
      }
      try {
        c.verify(issuer.getPublicKey());
        return true;
      } catch (java.security.GeneralSecurityException | RuntimeException e) {
        // Same name, other key: keep looking.
      }
    }
    return false;
  }

  /** Cloud's filter rules: at least one field per filter, one {@code *} at most, first or last in a field. */
  static List<CertificateFilter> certificateFilters(List<CertificateFilterSpec> specs) {
    if (specs.size() > MAX_CERTIFICATE_FILTERS) {
      throw invalid("mtls_auth.certificate_filters has " + specs.size() + " filters; the limit is "
          + MAX_CERTIFICATE_FILTERS);
    }
    List<CertificateFilter> out = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      CertificateFilterSpec f = specs.get(i);
      String at = "mtls_auth.certificate_filters[" + i + "]";
      if (f.getCommonName().isEmpty() && f.getOrganization().isEmpty() && f.getOrganizationalUnit().isEmpty()
          && f.getSubjectAlternativeName().isEmpty()) {
        throw invalid(at + " sets no field; set common_name, organization, organizational_unit or"
            + " subject_alternative_name");
      }
      filterValue(at + ".common_name", f.getCommonName());
      filterValue(at + ".organization", f.getOrganization());
      filterValue(at + ".organizational_unit", f.getOrganizationalUnit());
      filterValue(at + ".subject_alternative_name", f.getSubjectAlternativeName());
      out.add(new CertificateFilter(emptyToNull(f.getCommonName()), emptyToNull(f.getOrganization()),
          emptyToNull(f.getOrganizationalUnit()), emptyToNull(f.getSubjectAlternativeName())));
    }
    return out;
  }

  private static void filterValue(String field, String value) {
    // Cloud's rule, the one the data plane matches with: at most one '*', as the first or the last character.
    int star = value.indexOf('*');
    if (star >= 0 && (value.indexOf('*', star + 1) >= 0 || (star != 0 && star != value.length() - 1))) {
      throw invalid(field + " \"" + printable(value) + "\" has a '*' in the middle or more than one;"
          + " one wildcard may start or end a value, e.g. \"worker-*\" or \"*.acme.internal\"");
    }
    if (value.length() > 256) {
      throw invalid(field + " is longer than 256 characters");
    }
  }

  /** A codec server endpoint: an absolute https URL (Cloud requires TLS for it). */
  static String codecEndpoint(String endpoint) {
    if (endpoint == null || endpoint.isEmpty()) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (java.net.URISyntaxException e) {
      throw invalid("codec_server.endpoint is not a URL");
    }
    if (!"https".equals(uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT))
        || uri.getHost() == null) {
      throw invalid("codec_server.endpoint must be an https URL, e.g. \"https://codec.example.com\"");
    }
    return endpoint;
  }

  private static boolean startsWithPem(byte[] b) {
    int i = 0;
    while (i < b.length && Character.isWhitespace(b[i])) {
      i++;
    }
    return b.length - i >= 5 && new String(b, i, 5, StandardCharsets.US_ASCII).equals("-----");
  }

  private static int count(String text, String token) {
    int n = 0;
    for (int i = text.indexOf(token); i >= 0; i = text.indexOf(token, i + token.length())) {
      n++;
    }
    return n;
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  /** A value for a message: control characters replaced, cut short. */
  static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
