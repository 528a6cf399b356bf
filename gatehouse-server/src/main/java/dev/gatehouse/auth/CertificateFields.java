package dev.gatehouse.auth;

import dev.gatehouse.tls.PeerCertificate;
import java.util.List;

/**
 * Temporal Cloud's certificate filter matching ({@code CertificateFilterSpec}: commonName, organization,
 * organizationalUnit, subjectAlternativeName; each may start or end with one {@code *}; values compare
 * case-sensitively; a certificate passes a filter when it matches every field the filter sets). Shared by the
 * certificate rules of the configuration and the namespaces' filters in the store.
 */
final class CertificateFields {
  private CertificateFields() {}

  /** Turns a problem with the value at a dotted key into the exception to throw. */
  @FunctionalInterface
  interface Problems {
    RuntimeException at(String key, String problem);
  }

  /** One filter; a {@code null} field does not filter. */
  record Filter(FieldFilter cn, FieldFilter o, FieldFilter ou, FieldFilter san, SanType sanType) {

    /**
     * Compiles a filter's fields ({@code null}: not filtered).
     *
     * @param key the filter's dotted key, for messages ({@code <key>.commonName}, ...)
     */
    static Filter compile(String commonName, String organization, String organizationalUnit,
        String subjectAlternativeName, String key, Problems problems) {
      FieldFilter cn = commonName == null ? null
          : FieldFilter.compile(commonName, key + ".commonName", problems);
      FieldFilter o = organization == null ? null
          : FieldFilter.compile(organization, key + ".organization", problems);
      FieldFilter ou = organizationalUnit == null ? null
          : FieldFilter.compile(organizationalUnit, key + ".organizationalUnit", problems);
      FieldFilter san = null;
      SanType sanType = SanType.DNS;
      if (subjectAlternativeName != null) {
        String value = subjectAlternativeName;
        int colon = value.indexOf(':');
        String prefix = colon < 0 ? "" : value.substring(0, colon);
        SanType typed = switch (prefix) {
          case "dns" -> SanType.DNS;
          case "uri" -> SanType.URI;
          case "email" -> SanType.EMAIL;
          case "ip" -> SanType.IP;
          default -> null;
        };
        if (typed != null) {
          sanType = typed;
          value = value.substring(colon + 1);
        } else if (value.contains("://") || value.contains("@") || colon >= 0) {
          // Untyped means DNS, which holds none of these: the operator meant another type and must say which.
          throw problems.at(key + ".subjectAlternativeName", "matches DNS names only; prefix it with "
              + "uri:, email:, ip: or dns: to say which SANs it filters");
        }
        san = FieldFilter.compile(value, key + ".subjectAlternativeName", problems);
      }
      return new Filter(cn, o, ou, san, sanType);
    }

    /** True when no field is set. */
    boolean matchesEverything() {
      return cn == null && o == null && ou == null && san == null;
    }

    /** Whether {@code peer} (with its SANs by type, read once per chain) passes every field set. */
    boolean matches(PeerCertificate peer, List<String> dns, List<String> uris, List<String> emails,
        List<String> ips) {
      return (cn == null || cn.matches(peer.commonName()))
          && (o == null || o.matchesAny(peer.organizations()))
          && (ou == null || ou.matchesAny(peer.organizationalUnits()))
          && (san == null || san.matchesAny(switch (sanType) {
            case DNS -> dns;
            case URI -> uris;
            case EMAIL -> emails;
            case IP -> ips;
          }));
    }
  }

  /** A value with at most one {@code *}, first or last. */
  record FieldFilter(String literal, Kind kind) {
    enum Kind { EXACT, PREFIX, SUFFIX, ANY }

    static FieldFilter compile(String value, String key, Problems problems) {
      if (value.isEmpty()) {
        throw problems.at(key, "is empty; remove the key to not filter on it");
      }
      int star = value.indexOf('*');
      if (star < 0) {
        return new FieldFilter(value, Kind.EXACT);
      }
      if (value.indexOf('*', star + 1) >= 0) {
        throw problems.at(key, "holds more than one '*'; one is allowed, at the start or the end");
      }
      if (value.length() == 1) {
        return new FieldFilter("", Kind.ANY);
      }
      if (star == 0) {
        return new FieldFilter(value.substring(1), Kind.SUFFIX);
      }
      if (star == value.length() - 1) {
        return new FieldFilter(value.substring(0, star), Kind.PREFIX);
      }
      throw problems.at(key, "has '*' in the middle; it is allowed only at the start or the end");
    }

    boolean matches(String s) {
      if (s == null) {
        return false;
      }
      return switch (kind) {
        case EXACT -> s.equals(literal);
        case PREFIX -> s.startsWith(literal);
        case SUFFIX -> s.endsWith(literal);
        case ANY -> true;
      };
    }

    boolean matchesAny(List<String> values) {
      for (String v : values) {
        if (matches(v)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Which SANs a {@code subjectAlternativeName} filter looks at. */
  enum SanType { DNS, URI, EMAIL, IP }
}
