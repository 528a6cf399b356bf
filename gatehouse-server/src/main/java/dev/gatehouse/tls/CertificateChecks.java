package dev.gatehouse.tls;

import dev.gatehouse.tls.HandshakeFailures.Reason;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The checks a peer certificate passes during a handshake, shared by the server and client sides. */
final class CertificateChecks {
  static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private static final int SAN_EMAIL = 1;
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;
  private static final int SAN_IP = 7;
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  /** Why a certificate was refused, with a message that names the certificate but nothing secret. */
  record Rejection(Reason reason, String message) {}

  private CertificateChecks() {}

  /**
   * Verifies {@code chain} (leaf first) against {@code cas} at {@code now}: a path to a configured CA, every
   * certificate in its validity period (the CA's too), and the leaf usable for {@code usage} (an extended key
   * usage OID that must be listed when the leaf has an EKU extension). Returns {@code null} when it passes.
   */
  static Rejection verify(X509Certificate[] chain, TrustedCas cas, Instant now, String usage, String who) {
    if (chain == null || chain.length == 0) {
      return new Rejection(Reason.NO_CERTIFICATE, who + " presented no certificate");
    }
    if (cas.isEmpty()) {
      return new Rejection(Reason.UNTRUSTED, "no CA is configured to verify the " + who + " certificate");
    }
    List<X509Certificate> path = new ArrayList<>(chain.length);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (X509Certificate certificate : chain) {
        // The peer may send the root too; the path ends before the first configured CA.
        if (cas.contains(certificate)) {
          break;
        }
        // Re-parse with the JDK so validation never depends on the TLS stack's certificate objects.
        path.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(certificate.getEncoded())));
      }
      if (path.isEmpty()) {
        return new Rejection(Reason.UNTRUSTED, who + " certificate " + subject(chain[0])
            + " is a configured CA certificate, not one issued by a configured CA");
      }
      for (X509Certificate certificate : path) {
        Rejection r = checkValidity(certificate, now, who);
        if (r != null) {
          return r;
        }
      }
      X509Certificate leaf = path.get(0);
      Rejection usageRejection = checkUsage(leaf, usage, who);
      if (usageRejection != null) {
        return usageRejection;
      }
      PKIXParameters parameters = new PKIXParameters(cas.anchors());
      parameters.setRevocationEnabled(false);
      parameters.setDate(Date.from(now));
      PKIXCertPathValidatorResult result = (PKIXCertPathValidatorResult)
          CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(path), parameters);
      // PKIX does not check the anchor's own dates; an expired CA vouches for nothing.
      return checkValidity(result.getTrustAnchor().getTrustedCert(), now, "the CA of the " + who);
    } catch (CertPathValidatorException e) {
      Reason reason = e.getReason() == BasicReason.EXPIRED ? Reason.EXPIRED
          : e.getReason() == BasicReason.NOT_YET_VALID ? Reason.NOT_YET_VALID
          : Reason.UNTRUSTED;
      return new Rejection(reason, who + " certificate " + subject(chain[0])
          + " does not chain to a configured CA: " + e.getMessage());
    } catch (GeneralSecurityException | RuntimeException e) {
      return new Rejection(Reason.UNTRUSTED, who + " certificate " + subject(chain[0])
          + " cannot be verified: " + e.getClass().getSimpleName());
    }
  }

  static Rejection checkValidity(X509Certificate certificate, Instant now, String who) {
    if (now.isAfter(certificate.getNotAfter().toInstant())) {
      return new Rejection(Reason.EXPIRED, who + " certificate " + subject(certificate) + " expired at "
          + certificate.getNotAfter().toInstant());
    }
    if (now.isBefore(certificate.getNotBefore().toInstant())) {
      return new Rejection(Reason.NOT_YET_VALID, who + " certificate " + subject(certificate)
          + " is not valid before " + certificate.getNotBefore().toInstant());
    }
    return null;
  }

  private static Rejection checkUsage(X509Certificate leaf, String usage, String who) {
    List<String> ekus;
    try {
      ekus = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      return new Rejection(Reason.WRONG_USAGE, who + " certificate " + subject(leaf)
          + " has an unreadable extended key usage extension");
    }
    if (ekus != null && !ekus.contains(usage)) {
      return new Rejection(Reason.WRONG_USAGE, who + " certificate " + subject(leaf) + " lacks the "
          + (usage.equals(CLIENT_AUTH) ? "clientAuth" : "serverAuth") + " extended key usage");
    }
    boolean[] keyUsage = leaf.getKeyUsage();
    if (keyUsage != null && !keyUsage[0]) {
      return new Rejection(Reason.WRONG_USAGE, who + " certificate " + subject(leaf)
          + " has a key usage extension without digitalSignature");
    }
    return null;
  }

  /**
   * True when {@code name} (a DNS name or an IP literal) is among the certificate's subject alternative names.
   * As in Go since 1.15, the subject CN is not consulted; a wildcard covers exactly one leftmost label.
   */
  static boolean matchesServerName(X509Certificate certificate, String name) {
    String host = name.strip();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      return false;
    }
    InetAddress ip = ipLiteral(host);
    for (List<?> san : sans(certificate)) {
      int type = (Integer) san.get(0);
      String value = String.valueOf(san.get(1));
      if (ip != null && type == SAN_IP) {
        InetAddress sanIp = ipLiteral(value);
        if (ip.equals(sanIp)) {
          return true;
        }
      } else if (ip == null && type == SAN_DNS && dnsMatches(value, host)) {
        return true;
      }
    }
    return false;
  }

  /** DNS and IP names, for messages that tell the operator what the certificate does hold. */
  static List<String> serverNames(X509Certificate certificate) {
    List<String> names = new ArrayList<>();
    for (List<?> san : sans(certificate)) {
      int type = (Integer) san.get(0);
      if (type == SAN_DNS || type == SAN_IP) {
        names.add(String.valueOf(san.get(1)));
      }
    }
    return names;
  }

  /** DNS, URI, email and IP SANs as plain strings, in certificate order. */
  static List<String> subjectAltNames(X509Certificate certificate, int... types) {
    List<String> names = new ArrayList<>();
    for (List<?> san : sans(certificate)) {
      int type = (Integer) san.get(0);
      for (int wanted : types) {
        if (type == wanted) {
          names.add(String.valueOf(san.get(1)));
        }
      }
    }
    return names;
  }

  static List<String> allSubjectAltNames(X509Certificate certificate) {
    return subjectAltNames(certificate, SAN_DNS, SAN_URI, SAN_EMAIL, SAN_IP);
  }

  static List<String> dnsNames(X509Certificate certificate) {
    return subjectAltNames(certificate, SAN_DNS);
  }

  static List<String> uris(X509Certificate certificate) {
    return subjectAltNames(certificate, SAN_URI);
  }

  static List<String> emails(X509Certificate certificate) {
    return subjectAltNames(certificate, SAN_EMAIL);
  }

  static List<String> ipAddresses(X509Certificate certificate) {
    return subjectAltNames(certificate, SAN_IP);
  }

  static String subject(X509Certificate certificate) {
    return "\"" + certificate.getSubjectX500Principal().getName() + "\"";
  }

  private static Collection<List<?>> sans(X509Certificate certificate) {
    try {
      Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
      return sans == null ? List.of() : sans;
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  private static boolean dnsMatches(String pattern, String host) {
    String p = trimDot(pattern.toLowerCase(Locale.ROOT));
    String h = trimDot(host.toLowerCase(Locale.ROOT));
    if (p.equals(h)) {
      return true;
    }
    if (!p.startsWith("*.")) {
      return false;
    }
    String suffix = p.substring(1);
    // "*.com" would cover a whole TLD: require at least two labels under the wildcard.
    if (suffix.indexOf('.', 1) < 0 || suffix.contains("*")) {
      return false;
    }
    if (!h.endsWith(suffix) || h.length() == suffix.length()) {
      return false;
    }
    String label = h.substring(0, h.length() - suffix.length());
    return !label.contains(".");
  }

  private static String trimDot(String s) {
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** The address for an IP literal, without ever resolving a host name; {@code null} for anything else. */
  static InetAddress ipLiteral(String s) {
    try {
      if (IPV4.matcher(s).matches()) {
        String[] parts = s.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
          int octet = Integer.parseInt(parts[i]);
          if (octet > 255) {
            return null;
          }
          bytes[i] = (byte) octet;
        }
        return InetAddress.getByAddress(bytes);
      }
      // A string with a colon is only ever parsed as an IPv6 literal, never looked up.
      return IPV6.matcher(s).matches() ? InetAddress.getByName(s) : null;
    } catch (UnknownHostException | RuntimeException e) {
      return null;
    }
  }
}
