package dev.gatehouse.auth;

import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigOrigin;
import dev.gatehouse.tls.PeerCertificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the verified client certificate to roles with {@code certificateRules}, so mutual TLS alone can authorize.
 * Field matching follows Temporal Cloud's certificate filters (see {@link CertificateRule}); values are compared
 * case-sensitively. The subject is the certificate's subject DN.
 */
final class MtlsClaimMapper implements ClaimMapper {
  private static final Logger log = LoggerFactory.getLogger(MtlsClaimMapper.class);

  private final List<Rule> rules;

  MtlsClaimMapper(List<CertificateRule> config) {
    this(config, key -> null);
  }

  /** @param origin names the file of a bad rule in the error */
  MtlsClaimMapper(List<CertificateRule> config, ConfigOrigin origin) {
    List<Rule> compiled = new ArrayList<>();
    for (int i = 0; i < config.size(); i++) {
      compiled.add(Rule.compile(config.get(i), "global.authorization.certificateRules[" + i + "]", origin));
    }
    this.rules = List.copyOf(compiled);
    if (rules.isEmpty()) {
      log.warn("claimMapper mtls without certificateRules: client certificates identify callers but grant no role");
    }
  }

  @Override
  public Claims getClaims(AuthInfo authInfo) {
    PeerCertificate peer = authInfo.tlsPeer();
    if (peer == null) {
      return Claims.anonymous();
    }
    Permissions.Grants grants = new Permissions.Grants();
    for (Rule rule : rules) {
      if (rule.matches(peer)) {
        grants.system = grants.system.union(rule.system);
        rule.namespaces.forEach(grants::grant);
      }
    }
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put("certificateSha256", peer.sha256Fingerprint());
    if (peer.commonName() != null) {
      ext.put("certificateCommonName", peer.commonName());
    }
    return new Claims(peer.subject(), grants.system, grants.namespaces, "mtls", ext);
  }

  @Override
  public String toString() {
    return "mtls";
  }

  private static ConfigException configError(ConfigOrigin origin, String key, String problem) {
    return new ConfigException(origin.fileOf(key), key, problem);
  }

  /** A value with at most one {@code *}, first or last. */
  record FieldFilter(String literal, Kind kind) {
    enum Kind { EXACT, PREFIX, SUFFIX, ANY }

    static FieldFilter compile(String value, String key, ConfigOrigin origin) {
      if (value.isEmpty()) {
        throw configError(origin, key, "is empty; remove the key to not filter on it");
      }
      int star = value.indexOf('*');
      if (star < 0) {
        return new FieldFilter(value, Kind.EXACT);
      }
      if (value.indexOf('*', star + 1) >= 0) {
        throw configError(origin, key, "holds more than one '*'; one is allowed, at the start or the end");
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
      throw configError(origin, key, "has '*' in the middle; it is allowed only at the start or the end");
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

  record Rule(
      FieldFilter cn, FieldFilter o, FieldFilter ou, FieldFilter san, Role system, Map<String, Role> namespaces) {
    static Rule compile(CertificateRule r, String key, ConfigOrigin origin) {
      FieldFilter cn = r.commonName() == null ? null
          : FieldFilter.compile(r.commonName(), key + ".commonName", origin);
      FieldFilter o = r.organization() == null ? null
          : FieldFilter.compile(r.organization(), key + ".organization", origin);
      FieldFilter ou = r.organizationalUnit() == null ? null
          : FieldFilter.compile(r.organizationalUnit(), key + ".organizationalUnit", origin);
      FieldFilter san = r.subjectAlternativeName() == null ? null
          : FieldFilter.compile(r.subjectAlternativeName(), key + ".subjectAlternativeName", origin);
      if (cn == null && o == null && ou == null && san == null) {
        throw configError(origin, key, "matches every certificate; give at least one of commonName, "
            + "organization, organizationalUnit, subjectAlternativeName");
      }
      Role system = Role.UNDEFINED;
      if (r.system() != null) {
        system = parseRole(r.system(), key + ".system", origin);
      }
      Map<String, Role> namespaces = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : r.namespaces().entrySet()) {
        String nsKey = key + ".namespaces." + e.getKey();
        if (e.getKey() == null || e.getKey().isEmpty()) {
          throw configError(origin, key + ".namespaces", "has an empty namespace name");
        }
        Role role = parseRole(e.getValue(), nsKey, origin);
        if (e.getKey().equals(Permissions.SYSTEM_NAMESPACE)) {
          system = system.union(role);
        } else {
          namespaces.merge(e.getKey(), role, Role::union);
        }
      }
      if (system.bits() == 0 && namespaces.isEmpty()) {
        throw configError(origin, key, "grants no role; give namespaces or system");
      }
      return new Rule(cn, o, ou, san, system, Map.copyOf(namespaces));
    }

    private static Role parseRole(String word, String key, ConfigOrigin origin) {
      Role role = Role.parse(word == null ? null : word.strip());
      if (role.bits() == 0) {
        throw configError(origin, key, "unknown role '" + word + "'; use read, write, worker or admin");
      }
      return role;
    }

    boolean matches(PeerCertificate peer) {
      return (cn == null || cn.matches(peer.commonName()))
          && (o == null || o.matchesAny(peer.organizations()))
          && (ou == null || ou.matchesAny(peer.organizationalUnits()))
          && (san == null || san.matchesAny(peer.subjectAltNames()));
    }
  }
}
