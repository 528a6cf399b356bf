package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC over TLS is HTTP/2 negotiated by ALPN. A caller that completes the handshake without agreeing on {@code h2}
 * (no ALPN, or only {@code http/1.1}) is closed before the gateway reads a byte of it as HTTP/2, with either
 * forwarder (this class runs in both surefire executions), as grpc-java's own server does.
 */
class AlpnTest {
  @TempDir Path dir;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private CertificateAuthority ca;
  private DataPlane dp;

  @BeforeEach
  void gateway() throws Exception {
    ca = CertificateAuthority.create("ALPN Test CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    IssuedCertificate server = ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth()
        .issue();
    server.write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    SslContext tls = GrpcSslContexts.forServer(dir.resolve("server.pem").toFile(),
        dir.resolve("server-key.pem").toFile()).build();
    ScriptedUpstream upstream = new ScriptedUpstream();
    closeables.add(upstream);
    AccessController access = AccessController.builder(Authorization.DEFAULT).build();
    closeables.add(access);
    dp = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(upstream.address())
        .serverTls(tls)
        .pipeline(CallPipeline.builder(access).build())
        .build()
        .start();
    closeables.add(dp);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  @Test
  void aCallerWithoutAlpnIsClosedAfterTheHandshake() throws Exception {
    try (SSLSocket s = connect()) {
      s.startHandshake();
      assertThat(s.getApplicationProtocol()).isEmpty();
      assertThat(firstByteOrEnd(s)).as("closed, no SETTINGS frame").isEqualTo(-1);
    }
  }

  @Test
  void aCallerOfferingOnlyHttp11IsNotServedAsHttp2() throws Exception {
    try (SSLSocket s = connect("http/1.1")) {
      try {
        s.startHandshake();
      } catch (IOException refused) {
        return; // a no_application_protocol alert is as good a refusal as a close
      }
      assertThat(firstByteOrEnd(s)).isEqualTo(-1);
    }
  }

  @Test
  void aCallerThatNegotiatesH2GetsTheServersSettings() throws Exception {
    try (SSLSocket s = connect("h2")) {
      s.startHandshake();
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");
      s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
      s.getOutputStream().flush();
      byte[] header = s.getInputStream().readNBytes(9);
      assertThat(header).hasSize(9);
      assertThat(header[3]).as("the server's first frame is SETTINGS").isEqualTo((byte) 4);
    }
  }

  private SSLSocket connect(String... protocols) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", dp.port());
    s.setSoTimeout(10_000);
    if (protocols.length > 0) {
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(protocols);
      s.setSSLParameters(p);
    }
    return s;
  }

  /** The first byte the server sends, or -1 once it has closed (a reset counts as closed). */
  private static int firstByteOrEnd(SSLSocket s) {
    try {
      InputStream in = s.getInputStream();
      return in.read();
    } catch (IOException closed) {
      return -1;
    }
  }
}
