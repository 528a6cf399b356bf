package dev.gatehouse.tls;

import dev.gatehouse.tls.HandshakeFailures.Reason;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
   * Verifies {@code chain} (the leaf, then what the peer sent with it) against {@code cas} at {@code now} for
   * {@code usage} (an extended key usage OID), with Go crypto/x509's verdicts and Gatehouse's stricter rules (see
   * {@link PathValidator}). Returns {@code null} when it passes.
   */
  static Rejection verify(X509Certificate[] chain, TrustedCas cas, Instant now, String usage, String who) {
    if (chain == null || chain.length == 0) {
      return new Rejection(Reason.NO_CERTIFICATE, who + " presented no certificate");
    }
    if (cas.isEmpty()) {
      return new Rejection(Reason.UNTRUSTED, "no CA is configured to verify the " + who + " certificate");
    }
    try {
      List<X509Certificate> presented = List.of(chain);
      return PathValidator.validate(presented, cas.candidates(presented), now, usage, who).rejection();
    } catch (RuntimeException e) {
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

  /**
   * True when {@code name} (a DNS name or an IP literal) is among the certificate's subject alternative names, as
   * Go's {@code VerifyHostname} decides: the subject CN is not consulted; a wildcard covers exactly one leftmost
   * label ({@code *.internal} covers {@code temporal.internal}).
   */
  static boolean matchesServerName(X509Certificate certificate, String name) {
    List<InetAddress> ips = new ArrayList<>();
    for (String ip : ipAddresses(certificate)) {
      InetAddress address = ipLiteral(ip);
      if (address != null) {
        ips.add(address);
      }
    }
    return GoNames.verifyHostname(dnsNames(certificate), ips, name);
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
