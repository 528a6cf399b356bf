package dev.gatehouse.tls;

import java.util.Locale;
import java.util.Map;

/**
 * The client CAs of the store's namespaces, as the frontend's handshake uses them beside {@code global.tls}'s own:
 * on every server name the union of the namespaces' bundles; on a namespace endpoint ({@code <namespace>.<domain>}
 * by SNI, with {@code controlPlane.namespaceDomain} set) that namespace's bundle only. Immutable: a change publishes
 * a new one ({@link FrontendTls#trustNamespaces}).
 *
 * @param union the CAs of every namespace with mTLS auth on
 * @param endpoints per namespace name in lower case (SNI names are case-insensitive), the bundle its endpoint
 *     trusts; a name absent here trusts nothing on its endpoint
 * @param domain the namespace domain, lower case, or {@code null} without namespace endpoints
 */
public record NamespaceTrust(CaBundle union, Map<String, CaBundle> endpoints, String domain) {
  /** No namespace CA, no endpoints. */
  public static final NamespaceTrust NONE = new NamespaceTrust(CaBundle.EMPTY, Map.of(), null);

  public NamespaceTrust {
    endpoints = Map.copyOf(endpoints);
    domain = normalizedDomain(domain);
  }

  /**
   * The namespace label of a server name on a namespace endpoint: {@code orders} for {@code orders.example.com}
   * with domain {@code example.com}; {@code null} when {@code serverName} is not under the domain (or no domain is
   * set). Lower case, as SNI names compare.
   */
  public String endpointNamespace(String serverName) {
    return endpointNamespace(domain, serverName);
  }

  /** As {@link #endpointNamespace(String)} for {@code domain}. */
  public static String endpointNamespace(String domain, String serverName) {
    String d = normalizedDomain(domain);
    if (d == null || serverName == null) {
      return null;
    }
    String name = serverName.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.length() <= d.length() + 1 || !name.endsWith(d) || name.charAt(name.length() - d.length() - 1) != '.') {
      return null;
    }
    return name.substring(0, name.length() - d.length() - 1);
  }

  private static String normalizedDomain(String domain) {
    if (domain == null || domain.isBlank()) {
      return null;
    }
    String d = domain.strip().toLowerCase(Locale.ROOT);
    while (d.startsWith(".")) {
      d = d.substring(1);
    }
    while (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    return d.isEmpty() ? null : d;
  }
}
