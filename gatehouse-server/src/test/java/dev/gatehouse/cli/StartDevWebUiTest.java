package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.DevTokens;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code start-dev --ui-dir}: the UI over HTTPS with the dev certificate, and a dev sign-in that hands out a dev token. */
class StartDevWebUiTest {
  @TempDir Path dir;

  @Test
  void startDevServesTheUiWithADevSignIn() throws Exception {
    DevPki pki = DevPki.ensure(dir.resolve("dev"));
    Path keyring = pki.dir().resolve(StartDevCommand.DEV_KEYRING);
    KeyringFiles.ensure(keyring);
    DevTokens tokens = DevTokens.ensure(pki.dir());
    Path build = Files.createDirectories(dir.resolve("ui"));
    Files.writeString(build.resolve("index.html"), "<!doctype html><title>ui</title>");
    StartDevCommand command = new StartDevCommand();
    command.port = 0;
    command.httpPort = 0;
    command.codecPort = 0;
    command.uiDir = build;
    command.uiPort = freePort();
    ObjectMapper json = new ObjectMapper();

    try (ClaimMapper mapper = tokens.claimMapper(StartDevCommand.devAuthorization());
        Gatehouse gatehouse = command.builder(tokens).withConfig(command.config(pki, freePort(), keyring))
            .withClaimMapper(mapper).build().start()) {
      URI ui = gatehouse.webUiEndpoint();
      assertThat(ui.getScheme()).isEqualTo("https");
      HttpClient client = client(pki);
      HttpResponse<String> index = client.send(HttpRequest.newBuilder(ui.resolve("/namespaces/default")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.headers().firstValue("strict-transport-security")).isPresent();

      JsonNode settings = json.readTree(client.send(HttpRequest.newBuilder(ui.resolve("/api/v1/settings")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertThat(settings.at("/Codec/Endpoint").asText()).isEqualTo(gatehouse.codecEndpoint().toString());

      HttpResponse<String> signIn = client.send(HttpRequest.newBuilder(ui.resolve("/auth/sso?returnUrl=/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(signIn.statusCode()).isEqualTo(302);
      String user0 = signIn.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("user0="))
          .findFirst().orElseThrow();
      assertThat(user0).contains("Secure").contains("SameSite=Strict");
      String value = user0.substring("user0=".length(), user0.indexOf(';'));
      String token = json.readTree(Base64.getDecoder().decode(value)).get("AccessToken").asText();
      assertThat(mapper.getClaims(new AuthInfo("Bearer " + token, null, null, null, null)).subject())
          .isEqualTo(DevTokens.SUBJECT);

      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      StartDevCommand.printWebUiInstructions(new PrintStream(printed, true, StandardCharsets.UTF_8), pki, gatehouse);
      assertThat(printed.toString(StandardCharsets.UTF_8)).contains("https://localhost:" + command.uiPort)
          .contains("dev sign-in");
      assertThat(command.codecServer(pki, keyring).allowedOrigins()).contains("https://localhost:" + command.uiPort);
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static HttpClient client(DevPki pki) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(pki.caCert())) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }
}
