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
    SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return attributes;
    }
    PeerCertificate peer = parser.apply(session);
    String serverName = FrontendTls.serverNameOf(session);
    if (peer == null && serverName == null) {
      return attributes;
    }
    Attributes.Builder b = attributes.toBuilder();
    if (peer != null) {
      b.set(PEER_CERTIFICATE, peer);
    }
    if (serverName != null) {
      b.set(SERVER_NAME, serverName);
    }
    return b.build();
  }
}
