package dev.gatehouse.config;

/**
 * The control plane: Temporal Cloud's Ops API ({@code CloudService}) served on its own TLS listener.
 *
 * @param address {@code host:port} to listen on; {@code null} disables the control plane
 * @param tls the listener's server certificate, in Temporal's {@code ServerTLS} shape
 * @param namespaceDomain with it set, a connection made to {@code <namespace>.<namespaceDomain>} (by SNI) is
 *     checked against that namespace's CAs only, and every call on it must target that namespace
 */
public record ControlPlane(String address, ServerTls tls, String namespaceDomain) {
  public static final ControlPlane DISABLED = new ControlPlane(null, null, null);

  public ControlPlane {
    tls = tls == null ? ServerTls.EMPTY : tls;
  }

  public boolean enabled() {
    return address != null && !address.isBlank();
  }
}
