package dev.gatehouse.tls;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Name matching as Go's crypto/x509 (1.19, what Temporal is built with) does it: host names against DNS SANs
 * ({@code VerifyHostname}) and SANs against name constraints. Ported rule for rule, including the odd ones (a
 * DNS constraint with a leading dot requires a subdomain; an empty constraint matches everything), because the
 * point is to reach the same verdict as Temporal's frontend.
 */
final class GoNames {
  private GoNames() {}

  /** Go's {@code domainToReverseLabels}: labels last to first, or {@code null} when the name is malformed. */
  static List<String> reverseLabels(String domain) {
    List<String> labels = new ArrayList<>();
    String rest = domain;
    while (!rest.isEmpty()) {
      int i = rest.lastIndexOf('.');
      if (i < 0) {
        labels.add(rest);
        rest = "";
      } else {
        labels.add(rest.substring(i + 1));
        rest = rest.substring(0, i);
      }
    }
    if (!labels.isEmpty() && labels.get(0).isEmpty()) {
      return null; // an absolute name ("a.example.")
    }
    for (String label : labels) {
      if (label.isEmpty()) {
        return null;
      }
      for (int k = 0; k < label.length(); k++) {
        char c = label.charAt(k);
        if (c < 33 || c > 126) {
          return null;
        }
      }
    }
    return labels;
  }

  /** Go's {@code matchDomainConstraint}; throws {@link IllegalArgumentException} where Go returns an error. */
  static boolean matchDomainConstraint(String domain, String constraint) {
    if (constraint.isEmpty()) {
      return true;
    }
    List<String> domainLabels = reverseLabels(domain);
    if (domainLabels == null) {
      throw new IllegalArgumentException("cannot parse domain \"" + domain + "\"");
    }
    boolean mustHaveSubdomains = constraint.charAt(0) == '.';
    String c = mustHaveSubdomains ? constraint.substring(1) : constraint;
    List<String> constraintLabels = reverseLabels(c);
    if (constraintLabels == null) {
      throw new IllegalArgumentException("cannot parse domain \"" + constraint + "\"");
    }
    if (domainLabels.size() < constraintLabels.size()
        || (mustHaveSubdomains && domainLabels.size() == constraintLabels.size())) {
      return false;
    }
    for (int i = 0; i < constraintLabels.size(); i++) {
      if (!constraintLabels.get(i).equalsIgnoreCase(domainLabels.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** An RFC 2821 mailbox split as Go's {@code parseRFC2821Mailbox} splits it. */
  record Mailbox(String local, String domain) {}

  /** Go's {@code parseRFC2821Mailbox}: a quoted or dot-atom local part, {@code @}, a domain; {@code null} if not. */
  static Mailbox mailbox(String in) {
    if (in.isEmpty()) {
      return null;
    }
    StringBuilder local = new StringBuilder();
    int i = 0;
    if (in.charAt(0) == '"') {
      i = 1;
      boolean closed = false;
      while (i < in.length()) {
        char c = in.charAt(i++);
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i >= in.length()) {
            return null;
          }
          char e = in.charAt(i++);
          if (e != 9 && (e < 32 || e > 126)) {
            return null;
          }
          local.append(e);
        } else if (c == 9 || c == 32 || c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126)) {
          local.append(c);
        } else {
          return null;
        }
      }
      if (!closed) {
        return null;
      }
    } else {
      while (i < in.length()) {
        char c = in.charAt(i);
        if (c == '\\') {
          i++;
          if (i >= in.length()) {
            return null;
          }
          c = in.charAt(i);
        } else if (!atext(c) && c != '.') {
          break;
        }
        local.append(c);
        i++;
      }
      if (local.isEmpty()) {
        return null;
      }
      String l = local.toString();
      if (l.startsWith(".") || l.endsWith(".") || l.contains("..")) {
        return null;
      }
    }
    if (i >= in.length() || in.charAt(i) != '@') {
      return null;
    }
    String domain = in.substring(i + 1);
    return reverseLabels(domain) == null ? null : new Mailbox(local.toString(), domain);
  }

  private static boolean atext(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
  }

  /** Go's {@code matchEmailConstraint}. */
  static boolean matchEmailConstraint(Mailbox mailbox, String constraint) {
    if (constraint.contains("@")) {
      Mailbox c = mailbox(constraint);
      if (c == null) {
        throw new IllegalArgumentException("cannot parse constraint \"" + constraint + "\"");
      }
      return mailbox.local().equals(c.local()) && mailbox.domain().equalsIgnoreCase(c.domain());
    }
    return matchDomainConstraint(mailbox.domain(), constraint);
  }

  /**
   * The host of a URI SAN as Go's {@code url.Parse(..).Host} gives it (user info dropped, port kept); {@code null}
   * when the URI has no authority.
   */
  static String uriHost(String uri) {
    int scheme = uri.indexOf(':');
    if (scheme <= 0) {
      return null;
    }
    String rest = uri.substring(scheme + 1);
    if (!rest.startsWith("//")) {
      return null;
    }
    rest = rest.substring(2);
    int end = rest.length();
    for (char stop : new char[] {'/', '?', '#'}) {
      int k = rest.indexOf(stop);
      if (k >= 0 && k < end) {
        end = k;
      }
    }
    String authority = rest.substring(0, end);
    int at = authority.lastIndexOf('@');
    return at >= 0 ? authority.substring(at + 1) : authority;
  }

  /** Go's {@code matchURIConstraint}. */
  static boolean matchUriConstraint(String uri, String constraint) {
    String host = uriHost(uri);
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("URI with empty host (\"" + uri + "\") cannot be matched against constraints");
    }
    if (host.contains(":") && !host.endsWith("]")) {
      int colon = host.lastIndexOf(':');
      if (host.indexOf(':') != colon) {
        throw new IllegalArgumentException("URI host \"" + host + "\" has too many colons");
      }
      host = host.substring(0, colon);
    }
    if ((host.startsWith("[") && host.endsWith("]")) || CertificateChecks.ipLiteral(host) != null) {
      throw new IllegalArgumentException("URI with IP (\"" + uri + "\") cannot be matched against constraints");
    }
    return matchDomainConstraint(host, constraint);
  }

  /** Go's {@code matchIPConstraint}: {@code constraint} is the address followed by the mask, 8 or 32 bytes. */
  static boolean matchIpConstraint(byte[] ip, byte[] constraint) {
    if (ip.length * 2 != constraint.length) {
      return false;
    }
    for (int i = 0; i < ip.length; i++) {
      byte mask = constraint[ip.length + i];
      if ((ip[i] & mask) != (constraint[i] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** True when {@code mask} is ones then zeros (Go's {@code isValidIPMask}). */
  static boolean validMask(byte[] constraint) {
    boolean seenZero = false;
    for (int i = constraint.length / 2; i < constraint.length; i++) {
      int b = constraint[i] & 0xff;
      for (int bit = 7; bit >= 0; bit--) {
        boolean one = (b >> bit & 1) == 1;
        if (one && seenZero) {
          return false;
        }
        seenZero |= !one;
      }
    }
    return true;
  }

  /**
   * Go's {@code VerifyHostname}: an IP literal (brackets allowed) against IP SANs; otherwise the name against DNS
   * SANs, a {@code *} as the whole leftmost label matching exactly one label ({@code *.internal} matches
   * {@code temporal.internal}). The subject CN is never used.
   */
  static boolean verifyHostname(List<String> dnsNames, List<InetAddress> ips, String h) {
    String candidateIp = h;
    if (h.length() >= 3 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
      candidateIp = h.substring(1, h.length() - 1);
    }
    InetAddress ip = CertificateChecks.ipLiteral(candidateIp);
    if (ip != null) {
      return ips.contains(ip);
    }
    String candidate = lowerAscii(h);
    boolean validCandidate = validHostname(candidate, false);
    for (String match : dnsNames) {
      if (validCandidate && validHostname(match, true)) {
        if (matchHostnames(match, candidate)) {
          return true;
        }
      } else if (matchExactly(match, candidate)) {
        return true;
      }
    }
    return false;
  }

  private static boolean validHostname(String host, boolean isPattern) {
    String h = !isPattern && host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (h.isEmpty()) {
      return false;
    }
    String[] parts = h.split("\\.", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty()) {
        return false;
      }
      if (isPattern && i == 0 && part.equals("*")) {
        continue;
      }
      for (int j = 0; j < part.length(); j++) {
        char c = part.charAt(j);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
            || (c == '-' && j != 0) || c == '_';
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean matchExactly(String a, String b) {
    if (a.isEmpty() || a.equals(".") || b.isEmpty() || b.equals(".")) {
      return false;
    }
    return lowerAscii(a).equals(lowerAscii(b));
  }

  private static boolean matchHostnames(String pattern, String host) {
    String p = lowerAscii(pattern);
    String h = lowerAscii(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
    if (p.isEmpty() || h.isEmpty()) {
      return false;
    }
    String[] patternParts = p.split("\\.", -1);
    String[] hostParts = h.split("\\.", -1);
    if (patternParts.length != hostParts.length) {
      return false;
    }
    for (int i = 0; i < patternParts.length; i++) {
      if (i == 0 && patternParts[i].equals("*")) {
        continue;
      }
      if (!patternParts[i].equals(hostParts[i])) {
        return false;
      }
    }
    return true;
  }

  private static String lowerAscii(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return out.toString();
  }
}
