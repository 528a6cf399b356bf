package dev.gatehouse.config;

/**
 * The control plane: Temporal Cloud's Ops API ({@code CloudService}) served on its own TLS listener.
 *
 * @param address {@code host:port} to listen on; {@code null} disables the control plane
 * @param tls the listener's server certificate, in Temporal's {@code ServerTLS} shape; server-only (callers
 *     authenticate with API keys), so no client CAs
 * @param namespaceDomain with it set, a connection made to {@code <namespace>.<namespaceDomain>} (by SNI) is
 *     checked against that namespace's CAs only, and every call on it must target that namespace
 * @param minVersion the listener's lowest TLS version, {@code "1.3"} (default) or {@code "1.2"}
 * @param apiKeysPerOwner the most API keys one user or service account may hold; default 10
 * @param grants the rules of time-limited elevated access
 */
public record ControlPlane(String address, ServerTls tls, String namespaceDomain, String minVersion,
    Integer apiKeysPerOwner, AccessGrants grants) {
  public static final ControlPlane DISABLED = new ControlPlane(null, null, null);

  public ControlPlane {
    tls = tls == null ? ServerTls.EMPTY : tls;
    minVersion = minVersion == null || minVersion.isBlank() ? "1.3" : minVersion.strip();
    apiKeysPerOwner = apiKeysPerOwner == null ? 10 : apiKeysPerOwner;
    grants = grants == null ? AccessGrants.DEFAULT : grants;
  }

  /** Without elevated access rules (the defaults apply). */
  public ControlPlane(String address, ServerTls tls, String namespaceDomain, String minVersion,
      Integer apiKeysPerOwner) {
    this(address, tls, namespaceDomain, minVersion, apiKeysPerOwner, null);
  }

  /** Without the TLS version and key limit (their defaults apply). */
  public ControlPlane(String address, ServerTls tls, String namespaceDomain) {
    this(address, tls, namespaceDomain, null, null, null);
  }

  public boolean enabled() {
    return address != null && !address.isBlank();
  }
}
