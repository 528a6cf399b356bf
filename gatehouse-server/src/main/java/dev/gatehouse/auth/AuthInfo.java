package dev.gatehouse.auth;

import dev.gatehouse.tls.PeerCertificate;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The credentials a call arrived with, independent of the transport (gRPC data plane, codec HTTP server).
 * Temporal's {@code AuthInfo}.
 *
 * @param authToken the value of the header named by {@code authHeaderName} (e.g. {@code Bearer eyJ...}), or
 *     {@code null}
 * @param extraData the value of the header named by {@code authExtraHeaderName}, or {@code null}
 * @param tlsPeer the verified client certificate of the connection, with its chain, or {@code null} without mutual
 *     TLS
 * @param audience the JWT audience the transport expects for this call, or {@code null} to use the configured one
 * @param remoteAddress the peer's address, or {@code null}
 * @param serverName the TLS server name (SNI) the client connected to, lower case, or {@code null} (Temporal's
 *     {@code TLSConnection.ServerName}); on a namespace endpoint it binds the connection to that namespace
 */
public record AuthInfo(
    String authToken, String extraData, PeerCertificate tlsPeer, String audience, SocketAddress remoteAddress,
    String serverName) {
  private static final AuthInfo NONE = new AuthInfo(null, null, null, null, null, null);

  /** Credentials of a connection made without a server name. */
  public AuthInfo(
      String authToken, String extraData, PeerCertificate tlsPeer, String audience, SocketAddress remoteAddress) {
    this(authToken, extraData, tlsPeer, audience, remoteAddress, null);
  }

  /** No credentials at all. */
  public static AuthInfo none() {
    return NONE;
  }

  /** True when the call carries a bearer token or a verified client certificate. */
  public boolean hasCredentials() {
    return (authToken != null && !authToken.isBlank()) || tlsPeer != null;
  }

  /**
   * The client's certificate chain, leaf first, as the client presented it and the TLS layer verified it against
   * the listener's client CAs; empty without a client certificate. The root CA is usually absent (clients rarely
   * send it).
   *
   * <p>For a mapper that trusts certificates per namespace (each namespace with its own CA), validate this chain
   * against that namespace's CA with {@link java.security.cert.CertPathValidator} (PKIX, the CA as trust anchor):
   * the intermediates a client needs are here, and the handshake alone says nothing about which CA a namespace
   * trusts.
   */
  public List<X509Certificate> peerCertificateChain() {
    return tlsPeer == null ? List.of() : tlsPeer.chain();
  }

  @Override
  public String toString() {
    // Never print the token.
    return "AuthInfo[authToken=" + (authToken == null ? "absent" : "present") + ", extraData="
        + (extraData == null ? "absent" : "present") + ", tlsPeer="
        + (tlsPeer == null ? "none" : tlsPeer.subject()) + ", audience=" + audience + ", remoteAddress="
        + remoteAddress + ", serverName=" + serverName + "]";
  }
}
