package dev.gatehouse.auth;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who the caller is and what roles they hold, as a {@link ClaimMapper} established it. Temporal's {@code Claims}.
 *
 * <p>The namespace map is keyed by the exact namespace name (Temporal compares names case-sensitively). A namespace
 * absent from the map has role {@link Role#UNDEFINED}; the system role applies to every namespace and to
 * cluster-wide calls.
 *
 * @param subject the caller's identity (a JWT's {@code sub}, a certificate's subject DN), or {@code null} when the
 *     caller is anonymous
 * @param system the cluster-wide role
 * @param namespaces per-namespace roles
 * @param authType how the caller was identified, e.g. {@code jwt}, {@code mtls}, {@code jwt+mtls}; {@code null} for
 *     anonymous
 * @param extensions whatever else the mapper wants an authorizer to see (never the credential itself)
 */
public record Claims(
    String subject, Role system, Map<String, Role> namespaces, String authType, Map<String, Object> extensions) {
  private static final Claims ANONYMOUS = new Claims(null, Role.UNDEFINED, Map.of(), null, Map.of());

  public Claims {
    system = system == null ? Role.UNDEFINED : system;
    namespaces = namespaces == null || namespaces.isEmpty() ? Map.of() : copyRoles(namespaces);
    extensions = extensions == null || extensions.isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
  }

  /** No identity and no roles: what a caller without credentials gets. */
  public static Claims anonymous() {
    return ANONYMOUS;
  }

  /** True when no identity was established. */
  public boolean isAnonymous() {
    return subject == null;
  }

  /** The role held in {@code namespace} through the namespace map alone (not counting the system role). */
  public Role namespaceRole(String namespace) {
    Role r = namespace == null ? null : namespaces.get(namespace);
    return r == null ? Role.UNDEFINED : r;
  }

  /** True when some namespace, or the system role, grants at least {@code role}. */
  public boolean holdsAnywhere(Role role) {
    if (system.atLeast(role)) {
      return true;
    }
    for (Role r : namespaces.values()) {
      if (r.atLeast(role)) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, Role> copyRoles(Map<String, Role> in) {
    Map<String, Role> out = new HashMap<>(Math.max(4, in.size() * 2));
    in.forEach((ns, role) -> {
      if (ns != null && role != null && role.bits() != 0) {
        out.put(ns, role);
      }
    });
    return Collections.unmodifiableMap(out);
  }
}
