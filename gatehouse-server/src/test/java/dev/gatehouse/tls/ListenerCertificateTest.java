package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.frontend;
import static dev.gatehouse.tls.TlsTestSupport.serverTls;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.codecserver.CodecHttpServer;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.tls.TestPki.Issued;
import dev.gatehouse.tls.TestPki.Key;
import dev.gatehouse.tls.TestPki.Spec;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import dev.gatehouse.tls.TlsTestSupport.HealthServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificate verification through real handshakes on both listeners that take client certificates, the gRPC
 * frontend (production TLS engine) and the codec server: the three bypasses of issue 8 are refused, SHA-1 is refused,
 * path building, Ed25519, P-521 and anyExtendedKeyUsage are accepted, and both listeners agree on every case.
 */
class ListenerCertificateTest {
  @TempDir static Path dir;
  static Issued serverCa;
  static Issued root;
  static Issued ncRoot;
  static Issued pathLen0Root;
  static Issued rsaRoot;
  static Issued inter;
  static CertFiles serverFiles;
  static List<Path> caFiles;
  static FrontendTls frontendTls;
  static HealthServer frontend;
  static AccessController access;
  static CodecHttpServer codec;

  @BeforeAll
  static void start() throws Exception {
    serverCa = TestPki.spec("Server CA").ca().freshKey().selfSigned();
    Issued serverCert = TestPki.spec("localhost").ekus(TestPki.SERVER_AUTH).dns("localhost").ip("127.0.0.1")
        .issuedBy(serverCa);
    CertFiles server = new CertFiles(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    Files.writeString(server.cert(), serverCert.pem());
    Files.writeString(server.key(), serverCert.keyPem());
    root = TestPki.spec("Client Root").ca().freshKey().selfSigned();
    ncRoot = TestPki.spec("Constrained Root").ca().freshKey().permit(GeneralName.dNSName, ".ok.example").selfSigned();
    pathLen0Root = TestPki.spec("Pathlen 0 Root").ca().freshKey().pathLen(0).selfSigned();
    rsaRoot = TestPki.spec("RSA Root").ca().freshKey().key(Key.RSA_2048).selfSigned();
    inter = TestPki.spec("Client Intermediate").ca().freshKey().issuedBy(root);
    List<Path> cas = new ArrayList<>();
    for (Issued ca : List.of(root, ncRoot, pathLen0Root, rsaRoot)) {
      Path file = dir.resolve(ca.name().toString().replace("CN=", "").replace(' ', '-') + ".pem");
      Files.writeString(file, ca.pem());
      cas.add(file);
    }
    serverFiles = server;
    caFiles = cas;
    frontendTls = new FrontendTls(frontend(serverTls(server, cas, true), Map.of(), null), key -> null,
        new SimpleMeterRegistry(), null, Clock.systemUTC(), SslProviders.preferred());
    frontend = new HealthServer(frontendTls.serverContext());
    access = AccessController.builder(Authorization.DEFAULT).build();
    Path keyring = dir.resolve("default.keyring");
    KeyringFiles.create(keyring, "k1");
    codec = CodecHttpServer.builder(new CodecServer("127.0.0.1:0", serverTls(server, cas, true), List.of(), false,
        null, keyring.toString(), null), access).build().start();
  }

  @AfterAll
  static void stop() {
    if (codec != null) {
      codec.close();
    }
    if (access != null) {
      access.close();
    }
    if (frontend != null) {
      frontend.close();
    }
    if (frontendTls != null) {
      frontendTls.close();
    }
  }

  private static Spec client(String name) {
    return TestPki.spec(name).ekus(TestPki.CLIENT_AUTH).keyUsage(KeyUsage.digitalSignature);
  }

  /** What each listener answers the chain with: "accepted" or the TLS alert it sent. */
  private static List<String> verdicts(Issued leaf, Issued... extra) throws Exception {
    return List.of(handshake(frontend.port(), "h2", leaf, extra), handshake(codec.port(), "http/1.1", leaf, extra));
  }

  private static void assertAccepted(Issued leaf, Issued... extra) throws Exception {
    assertThat(verdicts(leaf, extra)).as("frontend, codec server").containsExactly("accepted", "accepted");
  }

  private static void assertRefused(Issued leaf, Issued... extra) throws Exception {
    List<String> verdicts = verdicts(leaf, extra);
    assertThat(verdicts.get(0)).as("frontend %s", verdicts).isEqualTo("bad_certificate");
    // The codec server runs the JDK's engine, which answers any refusal in TLS 1.3 with certificate_unknown (the
    // client may see the connection reset before it reads the alert).
    assertThat(verdicts.get(1)).as("codec server %s", verdicts).isNotIn("accepted", "internal_error");
  }

  @Test
  void aRootsNameConstraintsBindItsLeaves() throws Exception {
    assertRefused(client("evil").dns("evil.example").issuedBy(ncRoot));
    assertAccepted(client("ok").dns("worker.ok.example").issuedBy(ncRoot));
  }

  @Test
  void aRootsPathLenConstraintBindsItsIntermediates() throws Exception {
    Issued below = TestPki.spec("Below Pathlen 0").ca().freshKey().issuedBy(pathLen0Root);
    assertRefused(client("deep").issuedBy(below), below);
    assertAccepted(client("direct").issuedBy(pathLen0Root));
  }

  @Test
  void anIntermediatesExtendedKeyUsageRestrictsItsLeaves() throws Exception {
    Issued serverOnly = TestPki.spec("Client Intermediate").keys(inter.keys()).ca().ekus(TestPki.SERVER_AUTH)
        .issuedBy(root);
    assertRefused(client("nested").issuedBy(serverOnly), serverOnly);
    Issued clientOnly = TestPki.spec("Client Intermediate").keys(inter.keys()).ca().ekus(TestPki.CLIENT_AUTH)
        .issuedBy(root);
    assertAccepted(client("nested").issuedBy(clientOnly), clientOnly);
  }

  @Test
  void sha1AndMd5SignaturesAreRefused() throws Exception {
    assertRefused(client("sha1").signature("SHA1withRSA").issuedBy(rsaRoot));
    assertRefused(client("md5").signature("MD5withRSA").issuedBy(rsaRoot));
    assertRefused(client("sha1-ec").signature("SHA1withECDSA").issuedBy(root));
    assertAccepted(client("sha256").issuedBy(rsaRoot));
  }

  @Test
  void thePathIsBuiltFromCertificatesInAnyOrderWithExtras() throws Exception {
    Issued inter2 = TestPki.spec("Client Intermediate 2").ca().freshKey().issuedBy(inter);
    Issued stranger = TestPki.spec("Stranger CA").ca().freshKey().selfSigned();
    Issued leaf = client("built").issuedBy(inter2);
    assertAccepted(leaf, inter, inter2);
    assertAccepted(leaf, stranger, inter2, inter);
    assertAccepted(leaf, inter2, inter, root);
  }

  @Test
  void p384P256RsaAndAnyExtendedKeyUsageLeavesAreAcceptedOnBothListeners() throws Exception {
    assertAccepted(client("p384").key(Key.EC_P384).issuedBy(root));
    assertAccepted(client("p256").key(Key.EC_P256).issuedBy(root));
    assertAccepted(client("rsa").key(Key.RSA_2048).issuedBy(root));
    assertAccepted(TestPki.spec("any").ekus(TestPki.ANY).issuedBy(root));
  }

  /**
   * The verifier takes Ed25519 and P-521 leaves as Go does. The bundled BoringSSL does not offer ed25519 or
   * ecdsa_secp521r1_sha512 for client certificates (and netty-tcnative cannot change its list), so on the gRPC
   * frontend they need the JDK engine ({@code listen.tlsEngine: jdk}, or where BoringSSL is unavailable).
   */
  @Test
  void ed25519AndP521LeavesAreAcceptedOnTheCodecServerAndTheJdkEngine() throws Exception {
    try (FrontendTls jdkTls = new FrontendTls(frontend(serverTls(serverFiles, caFiles, true), Map.of(), null),
        key -> null, new SimpleMeterRegistry(), null, TlsEngine.of("jdk"));
        HealthServer jdk = new HealthServer(jdkTls.serverContext())) {
      for (Issued leaf : List.of(client("ed25519").key(Key.ED25519).issuedBy(root),
          client("p521").key(Key.EC_P521).issuedBy(root), TestPki.spec("any").ekus(TestPki.ANY).issuedBy(root))) {
        assertThat(handshake(jdk.port(), "h2", leaf)).as("JDK engine").isEqualTo("accepted");
        assertThat(handshake(codec.port(), "http/1.1", leaf)).as("codec server").isEqualTo("accepted");
      }
      Issued evil = client("evil").key(Key.ED25519).dns("evil.example").issuedBy(ncRoot);
      assertThat(handshake(jdk.port(), "h2", evil)).isEqualTo("certificate_unknown");
    }
  }

  @Test
  void aRefusedCertificateGetsTheBadCertificateAlertAsFromGo() throws Exception {
    Issued stranger = TestPki.spec("Stranger CA").ca().freshKey().selfSigned();
    assertThat(handshake(frontend.port(), "h2", client("stranger").issuedBy(stranger)))
        .isEqualTo("bad_certificate");
    assertThat(handshake(frontend.port(), "h2", TestPki.spec("server-only").ekus(TestPki.SERVER_AUTH).issuedBy(root)))
        .isEqualTo("bad_certificate");
  }

  private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");

  /**
   * A TLS 1.3 handshake presenting {@code leaf} and {@code extra} in that order, then a first request; "accepted"
   * when the server answers, else the alert it sent. In TLS 1.3 the server judges the client certificate after the
   * client's side of the handshake is done, so the alert arrives on the first read.
   */
  static String handshake(int port, String alpn, Issued leaf, Issued... extra) throws Exception {
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(leaf.certificate());
    for (Issued e : extra) {
      chain.add(e.certificate());
    }
    X509ExtendedKeyManager keyManager = TestPki.keyManager(leaf.keys().getPrivate(), chain);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", serverCa.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(new KeyManager[] {keyManager}, tmf.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {alpn});
      parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName("localhost")));
      socket.setSSLParameters(parameters);
      try {
        socket.startHandshake();
        try {
          OutputStream out = socket.getOutputStream();
          if (alpn.equals("h2")) {
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
          } else {
            out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
          }
          out.flush();
        } catch (IOException e) {
          // The server may have sent its alert and closed already; the alert is still there to read.
        }
        InputStream in = socket.getInputStream();
        return in.read() >= 0 ? "accepted" : "closed";
      } catch (SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
          Matcher m = ALERT.matcher(String.valueOf(t.getMessage()));
          if (m.find()) {
            return m.group(1);
          }
        }
        return "failed: " + e.getMessage();
      } catch (IOException e) {
        return "failed: " + e.getMessage();
      }
    }
  }
}
