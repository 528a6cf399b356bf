package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code httpApi.tls} of its own, with required client certificates: a reload of its client CAs closes the
 * keep-alive connections whose certificate the new CAs refuse and keeps the others.
 */
class HttpApiCaReloadTest {
  @TempDir Path dir;

  @Test
  void aCaReloadClosesTheConnectionsItNoLongerVouchesFor() throws Exception {
    CertificateAuthority serverCa = CertificateAuthority.create("Server CA", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(1));
    serverCa.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue()
        .write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    CertificateAuthority leaving = CertificateAuthority.create("Leaving CA", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(1));
    CertificateAuthority staying = CertificateAuthority.create("Staying CA", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(1));
    Path cas = dir.resolve("client-cas.pem");
    Files.writeString(cas, leaving.certificatePem() + staying.certificatePem());
    ServerTls tls = new ServerTls(dir.resolve("server.pem").toString(), dir.resolve("server-key.pem").toString(), null,
        null, List.of(cas.toString()), null, true);
    ManagedChannel nowhere = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    try (AccessController access = AccessController.builder(Authorization.DEFAULT).build();
        HttpApiServer server = HttpApiServer.builder(new HttpApi("127.0.0.1:0", tls, null, false, null, null, null,
            null), CallPipeline.builder(access).build(), nowhere).build().start();
        SSLSocket a = connect(server, serverCa, leaving.leaf("caller-a").clientAuth().issue());
        SSLSocket b = connect(server, serverCa, staying.leaf("caller-b").clientAuth().issue())) {
      assertThat(exchange(a)).startsWith("HTTP/1.1 ");
      assertThat(exchange(b)).startsWith("HTTP/1.1 ");

      Files.writeString(cas, staying.certificatePem());
      server.refresh();

      assertThat(exchange(a)).isEmpty();
      assertThat(exchange(b)).startsWith("HTTP/1.1 ");
    } finally {
      nowhere.shutdownNow();
    }
  }

  private static SSLSocket connect(HttpApiServer server, CertificateAuthority serverCa, IssuedCertificate identity)
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
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port());
    socket.setSoTimeout(20_000);
    socket.startHandshake();
    return socket;
  }

  /** One keep-alive request; the response head, or "" when the server closed the connection instead. */
  private static String exchange(SSLSocket socket) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write("GET /api/v1/system-info HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      int contentLength = 0;
      while (!head.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          return "";
        }
        head.append((char) c);
      }
      for (String line : head.toString().split("\r\n")) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
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
