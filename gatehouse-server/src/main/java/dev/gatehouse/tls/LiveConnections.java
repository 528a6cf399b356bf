package dev.gatehouse.tls;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's open connections, so that a reload of the client CAs can close those whose client certificate no
 * longer validates. Closing a gRPC server connection is graceful: grpc-java sends GOAWAY, lets the calls in flight
 * finish (bounded by Netty's 30 s graceful-shutdown timeout) and then closes; the client reconnects, and the new
 * handshake is judged against the new CAs.
 */
final class LiveConnections {
  private static final Logger log = LoggerFactory.getLogger(LiveConnections.class);

  /** Judges a connection's chain (leaf first) for the SNI name it asked for; {@code null} when it still holds. */
  interface Check extends BiFunction<X509Certificate[], String, CertificateChecks.Rejection> {}

  private final String group;
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();

  LiveConnections(String group) {
    this.group = group;
  }

  void add(Channel channel) {
    if (open.add(channel)) {
      channel.closeFuture().addListener(f -> open.remove(channel));
    }
  }

  int size() {
    return open.size();
  }

  /**
   * Re-judges every open connection with {@code check} and closes the refused ones gracefully; a handshake still
   * in progress is judged when it completes, since it may have read the CAs from before the reload.
   *
   * @return how many connections were told to close now
   */
  int revalidate(Check check) {
    int closed = 0;
    for (Channel channel : open) {
      SslHandler ssl = channel.pipeline().get(SslHandler.class);
      if (ssl == null) {
        continue; // not yet negotiating TLS: its handshake will use the new CAs
      }
      if (ssl.handshakeFuture().isDone()) {
        closed += judge(channel, ssl, check) ? 1 : 0;
      } else {
        ssl.handshakeFuture().addListener(f -> {
          if (f.isSuccess()) {
            judge(channel, ssl, check);
          }
        });
      }
    }
    return closed;
  }

  private boolean judge(Channel channel, SslHandler ssl, Check check) {
    SSLSession session = ssl.engine().getSession();
    X509Certificate[] chain = chain(session);
    if (chain == null || !channel.isActive()) {
      return false; // no client certificate (optional client auth), or already gone
    }
    CertificateChecks.Rejection rejection = check.apply(chain, ServerNames.requested(session));
    if (rejection == null) {
      return false;
    }
    log.info("{}: closing the connection from {} after its calls in flight: after the CA reload, {}", group,
        channel.remoteAddress(), rejection.message());
    channel.close();
    return true;
  }

  private static X509Certificate[] chain(SSLSession session) {
    try {
      Certificate[] peer = session.getPeerCertificates();
      if (peer == null || peer.length == 0) {
        return null;
      }
      X509Certificate[] chain = new X509Certificate[peer.length];
      for (int i = 0; i < peer.length; i++) {
        if (!(peer[i] instanceof X509Certificate x509)) {
          return null;
        }
        chain[i] = x509;
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
