package dev.gatehouse.proxy;

import dev.gatehouse.tls.FrontendTls;
import dev.gatehouse.tls.PeerCertificate;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.util.function.Function;
import javax.net.ssl.SSLSession;

/**
 * Parses the verified client certificate once per connection, not once per call, and hangs it on the transport
 * attributes every call on that connection sees.
 */
final class PeerIdentityFilter extends ServerTransportFilter {
  static final Attributes.Key<PeerCertificate> PEER_CERTIFICATE = Attributes.Key.create("gatehouse.peer-certificate");
  static final Attributes.Key<String> SERVER_NAME = Attributes.Key.create("gatehouse.server-name");

  private final Function<SSLSession, PeerCertificate> parser;

  PeerIdentityFilter(Function<SSLSession, PeerCertificate> parser) {
    this.parser = parser;
  }

  @Override
  public Attributes transportReady(Attributes attributes) {
    Identity id = Identity.of(parser, attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (id.peer() == null && id.serverName() == null) {
      return attributes;
    }
    Attributes.Builder b = attributes.toBuilder();
    if (id.peer() != null) {
      b.set(PEER_CERTIFICATE, id.peer());
    }
    if (id.serverName() != null) {
      b.set(SERVER_NAME, id.serverName());
    }
    return b.build();
  }

  /**
   * What a connection's TLS session says about its caller, for every call on it (both forwarders).
   *
   * @param peer the verified client certificate, or {@code null}
   * @param serverName the SNI name the caller asked for, or {@code null}
   */
  record Identity(PeerCertificate peer, String serverName) {
    static final Identity NONE = new Identity(null, null);

    static Identity of(Function<SSLSession, PeerCertificate> parser, SSLSession session) {
      if (session == null) {
        return NONE;
      }
      return new Identity(parser.apply(session), FrontendTls.serverNameOf(session));
    }
  }
}
