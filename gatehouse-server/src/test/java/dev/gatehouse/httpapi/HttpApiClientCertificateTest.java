package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.DevCluster;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client certificate identifies an HTTP caller as it does a gRPC one: the HTTP API listens with the frontend's
 * certificate and client CAs, asks for a certificate without requiring one, and the certificate rules map it to
 * claims (the dev client certificate is an admin here).
 */
class HttpApiClientCertificateTest {
  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;

  @BeforeAll
  static void start() throws Exception {
    pki = DevPki.ensure(dir.resolve("pki"));
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    GatehouseConfig base = DevCluster.config(pki, upstream.port(), "localhost");
    RootTls tls = base.global().tls();
    ServerTls f = tls.frontend().server();
    ServerTls optional = new ServerTls(f.certFile(), f.keyFile(), null, null, f.clientCaFiles(), null, false);
    RootTls root = new RootTls(new GroupTls(optional, null, null, null, null, null), tls.internode(),
        tls.refreshInterval(), tls.expirationChecks());
    gatehouse = Gatehouse.builder().withConfig(new GatehouseConfig(new Global(root, base.global().authorization()),
        base.listen(), base.upstream(), null, null, null, null, new HttpApi("127.0.0.1:0"), null)).build().start();
  }

  @AfterAll
  static void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static HttpClient client(boolean withCertificate) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = Files.newInputStream(pki.caCert())) {
      trust.setCertificateEntry("ca", cf.generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (withCertificate) {
      Certificate[] chain;
      try (var in = Files.newInputStream(pki.clientCert())) {
        chain = cf.generateCertificates(in).toArray(Certificate[]::new);
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", privateKey(pki.clientKey(), chain[0].getPublicKey().getAlgorithm()), new char[0],
          chain);
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
    }
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  static PrivateKey privateKey(Path pem, String algorithm) throws Exception {
    String text = Files.readString(pem);
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
        .decode(base64)));
  }

  static int status(HttpClient client, String path) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("https://localhost:" + gatehouse.httpApiPort() + path))
        .timeout(Duration.ofSeconds(20)).GET().build();
    return client.send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void theDevClientCertificateIsAnAdminWithoutItTheCallerIsUnknown() throws Exception {
    assertThat(gatehouse.httpApiEndpoint().getScheme()).isEqualTo("https");
    assertThat(status(client(true), "/api/v1/namespaces/default/workflows/nobody"))
        .as("authorized, and the upstream does not know the workflow").isEqualTo(404);
    assertThat(status(client(false), "/api/v1/namespaces/default/workflows/nobody")).isEqualTo(401);
  }
}
