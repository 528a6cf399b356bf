package dev.gatehouse.tls;

import dev.gatehouse.MutableClock;
import static dev.gatehouse.tls.TlsTestSupport.serverTls;
import static dev.gatehouse.tls.TlsTestSupport.write;
import static dev.gatehouse.tls.TlsTestSupport.writeCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real JDK TLS handshakes over loopback sockets with {@link JdkServerTls}'s context and parameters. */
class JdkServerTlsTest {
  @TempDir static Path dir;
  static CertificateAuthority ca;
  static CertificateAuthority otherCa;
  static Path caFile;
  static CertFiles server;
  static IssuedCertificate good;
  static IssuedCertificate other;

  final ExecutorService acceptor = Executors.newSingleThreadExecutor();
  SSLServerSocket listener;

  @BeforeAll
  static void pki() {
    ca = CertificateAuthority.create("Codec CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(365));
    otherCa = CertificateAuthority.create("Other CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(365));
    caFile = writeCa(dir, "ca", ca);
    server = write(dir, "server", ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue());
    good = ca.leaf("web-ui").clientAuth().issue();
    other = otherCa.leaf("intruder").clientAuth().issue();
  }

  @AfterEach
  void stop() throws IOException {
    if (listener != null) {
      listener.close();
    }
    acceptor.shutdownNow();
  }

  /** Serves one connection: handshake with the given parameters, then one byte; returns the client's CN. */
  private Future<String> serveOnce(JdkServerTls tls) throws IOException {
    if (listener == null) {
      listener = (SSLServerSocket) tls.sslContext().getServerSocketFactory()
          .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }
    return acceptor.submit(() -> {
      try (SSLSocket s = (SSLSocket) listener.accept()) {
        s.setSSLParameters(tls.serverParameters());
        s.startHandshake();
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        var peers = s.getSession().getPeerCertificates();
        return PeerCertificate.of((X509Certificate) peers[0]).commonName();
      }
    });
  }

  private static SSLContext clientContext(IssuedCertificate identity) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null);
    if (identity != null) {
      keys.setKeyEntry("me", identity.privateKey(), new char[0], identity.chain().toArray(X509Certificate[]::new));
    }
    kmf.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  /** Connects, handshakes and reads the server's byte; throws if the server refused. */
  private void connect(SSLContext client, String... protocols) throws IOException {
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
        listener.getLocalPort())) {
      if (protocols.length > 0) {
        s.setEnabledProtocols(protocols);
      }
      s.setSoTimeout(10_000);
      s.startHandshake();
      if (s.getInputStream().read() != 1) {
        throw new IOException("connection closed by the server");
      }
    }
  }

  private JdkServerTls tls(boolean require, String minVersion) {
    return JdkServerTls.create(serverTls(server, List.of(caFile), require), minVersion, "codecServer.tls", k -> null, null);
  }

  @Test
  void aClientFromTheCaIsAcceptedOverTls13() throws Exception {
    JdkServerTls tls = tls(true, null);
    assertThat(tls.needClientAuth()).isTrue();
    assertThat(tls.wantClientAuth()).isFalse();
    assertThat(tls.protocols()).containsExactly("TLSv1.3");
    Future<String> served = serveOnce(tls);
    connect(clientContext(good));
    assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("web-ui");
  }

  @Test
  void aClientFromAnotherCaOrWithoutCertificateIsRefused() throws Exception {
    JdkServerTls tls = tls(true, null);
    serveOnce(tls);
    assertThatThrownBy(() -> connect(clientContext(other))).isInstanceOf(IOException.class);
    serveOnce(tls);
    assertThatThrownBy(() -> connect(clientContext(null))).isInstanceOf(IOException.class);
  }

  @Test
  void reloadPutsANewCertificateInUseForNewHandshakes() throws Exception {
    Path certDir = java.nio.file.Files.createTempDirectory(dir, "reload");
    CertFiles files = write(certDir, "server", ca.leaf("localhost").dnsNames("localhost").serverAuth().issue());
    JdkServerTls tls = JdkServerTls.create(serverTls(files, List.of(caFile), true), null, "codecServer.tls", k -> null, null);
    assertThat(tls.reloadIfChanged()).isFalse();

    IssuedCertificate renewed = ca.leaf("localhost-renewed").dnsNames("localhost").serverAuth().issue();
    write(certDir, "server", renewed);
    assertThat(tls.reloadIfChanged()).isTrue();

    Future<String> served = serveOnce(tls);
    SSLContext client = clientContext(good);
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
        listener.getLocalPort())) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      assertThat(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber())
          .isEqualTo(renewed.certificate().getSerialNumber());
      assertThat(s.getInputStream().read()).isEqualTo(1);
    }
    assertThat(served.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("web-ui");
  }

  @Test
  void tls12NeedsMinVersion12() throws Exception {
    serveOnce(tls(true, null));
    assertThatThrownBy(() -> connect(clientContext(good), "TLSv1.2")).isInstanceOf(IOException.class);
    listener.close();
    listener = null;
    JdkServerTls tls12 = tls(true, "1.2");
    Future<String> served = serveOnce(tls12);
    connect(clientContext(good), "TLSv1.2");
    assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("web-ui");
  }

  @Test
  void aSessionIsNotResumedPastItsCertificatesExpiry() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    JdkServerTls tls = JdkServerTls.create(serverTls(server, List.of(caFile), true), null, "codecServer.tls",
        k -> null, null, clock);
    SSLContext client = clientContext(good);
    serveOnce(tls);
    connect(client);
    clock.set(good.certificate().getNotAfter().toInstant().plusSeconds(60));
    serveOnce(tls);
    assertThatThrownBy(() -> connect(client)).as("the second connection must verify the now expired certificate")
        .isInstanceOf(IOException.class);
  }

  @Test
  void clientCasWithoutRequireClientAuthAskForACertificate() {
    JdkServerTls tls = tls(false, null);
    assertThat(tls.wantClientAuth()).isTrue();
    assertThat(tls.needClientAuth()).isFalse();
    JdkServerTls none = JdkServerTls.create(
        new ServerTls(server.cert().toString(), server.key().toString(), null, null, null, null, false),
        null, "codecServer.tls", k -> null, null);
    assertThat(none.wantClientAuth()).isFalse();
    assertThat(none.needClientAuth()).isFalse();
  }
}
