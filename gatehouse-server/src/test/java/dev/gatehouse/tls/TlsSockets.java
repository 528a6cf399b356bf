package dev.gatehouse.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Raw TLS 1.3 client connections with a client certificate, and keep-alive HTTP/1.1 exchanges on them: for the tests
 * of Gatehouse's HTTPS listeners that need to see one connection closed and another kept.
 */
public final class TlsSockets {
  private TlsSockets() {}

  /** A TLS 1.3 connection to {@code 127.0.0.1:port}, handshaken, trusting {@code serverCa}, sending {@code identity}. */
  public static SSLSocket connect(int port, CertificateAuthority serverCa, IssuedCertificate identity)
      throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", serverCa.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("client", identity.privateKey(), new char[0], identity.chain().toArray(Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    kmf.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(20_000);
    socket.startHandshake();
    return socket;
  }

  /** Sends {@code request} (a whole HTTP/1.1 request) and reads the answer: see {@link #response}. */
  public static String exchange(SSLSocket socket, String request) {
    try {
      send(socket, request);
    } catch (IOException e) {
      return "";
    }
    return response(socket);
  }

  /** Writes {@code request} on the connection. */
  public static void send(SSLSocket socket, String request) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** The next response's head (its body read past), or "" when the server closed the connection instead. */
  public static String response(SSLSocket socket) {
    try {
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          return "";
        }
        head.append((char) c);
      }
      int contentLength = 0;
      for (String line : head.toString().split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          contentLength = Integer.parseInt(line.substring(15).strip());
        }
      }
      in.readNBytes(contentLength);
      return head.toString();
    } catch (IOException e) {
      return "";
    }
  }
}
