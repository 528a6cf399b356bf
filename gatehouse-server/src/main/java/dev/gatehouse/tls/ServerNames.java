package dev.gatehouse.tls;

import java.net.Socket;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;

/** The SNI host name a client asked for, read from the handshake in progress. */
final class ServerNames {
  private ServerNames() {}

  static String requested(SSLEngine engine) {
    return engine == null ? null : requested(engine.getHandshakeSession());
  }

  static String requested(Socket socket) {
    return socket instanceof SSLSocket s ? requested(s.getHandshakeSession()) : null;
  }

  static String requested(SSLSession session) {
    if (!(session instanceof ExtendedSSLSession extended)) {
      return null;
    }
    for (SNIServerName name : extended.getRequestedServerNames()) {
      if (name.getType() == StandardConstants.SNI_HOST_NAME) {
        String host = name instanceof SNIHostName h ? h.getAsciiName() : new SNIHostName(name.getEncoded()).getAsciiName();
        return host.toLowerCase(Locale.ROOT);
      }
    }
    return null;
  }
}
