package dev.gatehouse.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.config.WebUi;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Web UI over HTTPS: the frontend's certificate by default, TLS 1.3, Secure cookies, certificate reloads. */
class WebUiTlsTest {
  @TempDir Path dir;

  static HttpClient trusting(X509Certificate ca) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  static CertificateAuthority ca(String name) throws Exception {
    return CertificateAuthority.create(name, CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
  }

  static void issue(CertificateAuthority ca, Path cert, Path key) throws Exception {
    IssuedCertificate leaf = ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue();
    leaf.write(cert, key);
  }

  @Test
  void theFrontendsCertificateByDefaultAndReloadedWhenItChanges() throws Exception {
    CertificateAuthority first = ca("first CA");
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server-key.pem");
    issue(first, cert, key);
    ServerTls frontend = new ServerTls(cert.toString(), key.toString(), null, null, null, null, true);
    try (AccessController access = AccessController.builder(Authorization.DEFAULT).build();
        WebUiServer server = WebUiServer.builder(new WebUi("127.0.0.1:0", WebUiFixtures.build(dir).toString()),
            access).fallbackTls(frontend).devSignIn(() -> "dev-token").build().start()) {
      assertThat(server.endpoint().getScheme()).isEqualTo("https");
      HttpResponse<String> index = trusting(first.certificate()).send(
          HttpRequest.newBuilder(server.endpoint().resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(index.statusCode()).isEqualTo(200);
      // The frontend asks callers for client certificates; the UI, whose people sign in with OIDC, does not.
      assertThat(index.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.3");
      assertThat(index.headers().firstValue("strict-transport-security")).hasValue("max-age=31536000");

      HttpResponse<String> signIn = trusting(first.certificate()).send(
          HttpRequest.newBuilder(server.endpoint().resolve("/auth/sso")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(signIn.headers().allValues("set-cookie")).filteredOn(c -> !c.contains("Max-Age=0"))
          .isNotEmpty().allSatisfy(c -> assertThat(c).contains("; Secure"));

      CertificateAuthority second = ca("second CA");
      issue(second, cert, key);
      server.reloadTls();
      HttpResponse<String> after = trusting(second.certificate()).send(
          HttpRequest.newBuilder(server.endpoint().resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(after.statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> trusting(first.certificate()).send(
          HttpRequest.newBuilder(server.endpoint().resolve("/")).build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }
}
