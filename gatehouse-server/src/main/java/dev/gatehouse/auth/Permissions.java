package dev.gatehouse.auth;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigOrigin;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads Temporal-style permissions ({@code namespace:role}, or whatever {@code permissionsRegex} matches with its
 * {@code namespace} and {@code role} groups) into roles. {@code temporal-system} names the system role, as in
 * Temporal. Entries that do not parse or name an unknown role are ignored, as in Temporal.
 */
final class Permissions {
  static final String SYSTEM_NAMESPACE = "temporal-system";

  private final Pattern regex;

  /**
   * @param config supplies {@code permissionsRegex}, already validated by the config loader
   * @param origin names the file in the error when a config built in code holds a bad regex
   */
  Permissions(Authorization config, ConfigOrigin origin) {
    this.regex = compile(config, origin);
  }

  private static Pattern compile(Authorization config, ConfigOrigin origin) {
    String key = "global.authorization.permissionsRegex";
    Pattern p;
    try {
      p = config.permissionsPattern();
    } catch (PatternSyntaxException e) {
      throw new ConfigException(origin.fileOf(key), key, "not a valid regex: " + e.getDescription());
    }
    if (p != null && (!p.namedGroups().containsKey("namespace") || !p.namedGroups().containsKey("role"))) {
      throw new ConfigException(origin.fileOf(key), key, "needs named groups (?<namespace>...) and (?<role>...)");
    }
    return p;
  }

  /** Accumulated roles. */
  static final class Grants {
    Role system = Role.UNDEFINED;
    final Map<String, Role> namespaces = new HashMap<>();

    void grant(String namespace, Role role) {
      if (role.bits() == 0 || namespace.isEmpty()) {
        return;
      }
      if (namespace.equals(SYSTEM_NAMESPACE)) {
        system = system.union(role);
      } else {
        namespaces.merge(namespace, role, Role::union);
      }
    }
  }

  void apply(String permission, Grants into) {
    String namespace;
    String role;
    if (regex != null) {
      Matcher m = regex.matcher(permission);
      if (!m.find()) {
        return;
      }
      namespace = m.group("namespace");
      role = m.group("role");
      if (namespace == null || role == null) {
        return;
      }
    } else {
      int colon = permission.indexOf(':');
      if (colon < 0) {
        return;
      }
      namespace = permission.substring(0, colon);
      role = permission.substring(colon + 1);
    }
    into.grant(namespace, Role.parse(role));
  }
}
