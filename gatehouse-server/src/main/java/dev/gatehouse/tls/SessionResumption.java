package dev.gatehouse.tls;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslSessionContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.internal.tcnative.SSL;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSessionContext;

/**
 * A server context that hands out its delegate's engines with TLS session resumption turned off.
 *
 * <p>A resumed session skips certificate verification: a client whose CA a reload removed, or whose
 * certificate has expired since, would get back in on an old session ticket, and clients would keep seeing
 * the server certificate from before a rotation. Connections are long-lived (SDKs keep one channel), so a
 * full handshake per connection costs little.
 *
 * <p>BoringSSL: Netty turns TLS 1.3 tickets back on per engine, so {@code SSL_OP_NO_TICKET} is set on each
 * engine, and the session-ID cache is switched off. The engine itself is returned unwrapped so the TLS
 * handler keeps its fast path. JDK engines: the JDK only rejoins a session whose endpoint identification
 * algorithm equals the engine's, so each engine gets a unique one (server engines use it for nothing else,
 * and the trust managers of this package do not read it).
 */
final class SessionResumption extends SslContext {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SslContext delegate;

  private SessionResumption(SslContext delegate) {
    this.delegate = delegate;
  }

  /**
   * A client context keeps sessions to resume with the server; without this a reloaded client certificate
   * or root CA would only apply once the server forgot the old session. BoringSSL's client cache is turned
   * off; the JDK's cannot be, so {@link #forget} empties it on reload.
   */
  static SslContext disableForClient(SslContext client) {
    if (client.sessionContext() instanceof OpenSslSessionContext openSsl) {
      openSsl.setSessionCacheEnabled(false);
    }
    return client;
  }

  /** Invalidates every session a context still holds, so the next handshake is a full one. */
  static void forget(SslContext context) {
    SSLSessionContext sessions = context.sessionContext();
    for (var ids = sessions.getIds(); ids.hasMoreElements(); ) {
      var session = sessions.getSession(ids.nextElement());
      if (session != null) {
        session.invalidate();
      }
    }
  }

  static SslContext disable(SslContext server) {
    if (server.sessionContext() instanceof OpenSslSessionContext openSsl) {
      openSsl.setSessionCacheEnabled(false); // session IDs (TLS 1.2)
    }
    return new SessionResumption(server);
  }

  static SSLEngine withoutTickets(SSLEngine engine) {
    if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
      SSL.setOptions(openSsl.sslPointer(), SSL.SSL_OP_NO_TICKET);
    } else {
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm(uniqueIdentity());
      engine.setSSLParameters(parameters);
    }
    return engine;
  }

  /** An endpoint identification "algorithm" no other engine has, so no session made elsewhere can rejoin. */
  static String uniqueIdentity() {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    return "gatehouse-no-resumption-" + HexFormat.of().formatHex(nonce);
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    return withoutTickets(delegate.newEngine(alloc));
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
    return withoutTickets(delegate.newEngine(alloc, peerHost, peerPort));
  }

  @Override
  public boolean isClient() {
    return delegate.isClient();
  }

  @Override
  public List<String> cipherSuites() {
    return delegate.cipherSuites();
  }

  @Override
  @SuppressWarnings("deprecation") // the abstract method of SslContext still returns the deprecated type
  public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
    return delegate.applicationProtocolNegotiator();
  }

  @Override
  public SSLSessionContext sessionContext() {
    return delegate.sessionContext();
  }
}
