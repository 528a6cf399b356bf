package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.gatehouse.DevCluster;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.codecserver.PayloadsJson;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.DevTokens;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start-dev's codec server wiring: the dev keyring and token key made once and reused, the printed token and the
 * dev-worker certificate both accepted, everything else refused. No upstream is needed for any of it.
 */
class StartDevCodecTest {
  @TempDir Path dir;

  @Test
  void devModeServesTheCodecToTheDevTokenAndTheDevCertificateOnly() throws Exception {
    DevPki pki = DevPki.ensure(dir.resolve("dev"));
    Path keyring = pki.dir().resolve(StartDevCommand.DEV_KEYRING);
    KeyringFiles.ensure(keyring);
    DevTokens tokens = DevTokens.ensure(pki.dir());
    String token = tokens.mint(StartDevCommand.DEV_TOKEN_VALIDITY);
    StartDevCommand command = new StartDevCommand();
    command.port = 0;
    command.httpPort = 0;
    command.codecPort = 0;
    command.controlPort = 0;

    try (ClaimMapper mapper = tokens.claimMapper(StartDevCommand.devAuthorization());
        Gatehouse gatehouse = Gatehouse.builder().withConfig(command.config(pki, freePort(), keyring))
            .withClaimMapper(mapper).build().start()) {
      URI decode = gatehouse.codecEndpoint().resolve("/decode");
      assertThat(decode.getScheme()).isEqualTo("https");
      Payload secret = EncryptionCodec.builder().keyring(Keyring.fromFile(keyring)).defaultNamespace("default")
          .build().encode(List.of(json("\"dev secret\""))).get(0);
      String body = PayloadsJson.print(List.of(secret));

      HttpResponse<String> withToken = post(client(pki, false), decode, "Bearer " + token, body);
      assertThat(withToken.statusCode()).isEqualTo(200);
      assertThat(withToken.body()).contains(b64("\"dev secret\""));
      assertThat(withToken.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:8233");
      assertThat(withToken.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");

      HttpResponse<String> withCertificate = post(client(pki, true), decode, null, body);
      assertThat(withCertificate.statusCode()).isEqualTo(200);

      assertThat(post(client(pki, false), decode, null, body).statusCode()).isEqualTo(401);
      DevTokens stranger = DevTokens.ensure(Files.createDirectories(dir.resolve("elsewhere")));
      assertThat(post(client(pki, false), decode, "Bearer " + stranger.mint(Duration.ofMinutes(5)), body)
          .statusCode()).isEqualTo(401);

      // The data plane still authorizes the dev-worker certificate (the call then fails at the absent upstream).
      WorkflowServiceStubs stubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(),
          pki.clientKey());
      try {
        assertThatThrownBy(() -> stubs.blockingStub().describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId("none")).build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        stubs.shutdownNow();
      }

      // Temporal's HTTP API is served too, on the frontend's material and its requireClientAuth: the dev certificate
      // identifies the caller (the call then fails at the absent upstream: 503); without one there is no handshake.
      URI describe = gatehouse.httpApiEndpoint().resolve("/api/v1/namespaces/default");
      assertThat(describe.getScheme()).isEqualTo("https");
      assertThat(client(pki, true).send(HttpRequest.newBuilder(describe).GET().build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
      assertThatThrownBy(() -> client(pki, false).send(HttpRequest.newBuilder(describe).GET().build(),
          HttpResponse.BodyHandlers.ofString())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
      ByteArrayOutputStream started = new ByteArrayOutputStream();
      StartDevCommand.printInstructions(new PrintStream(started, true, StandardCharsets.UTF_8), pki, gatehouse);
      assertThat(started.toString(StandardCharsets.UTF_8))
          .contains("https://localhost:" + gatehouse.httpApiPort() + "/api/v1/namespaces/default");

      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      StartDevCommand.printCodecInstructions(new PrintStream(printed, true, StandardCharsets.UTF_8), pki, gatehouse,
          keyring, token);
      String text = printed.toString(StandardCharsets.UTF_8);
      assertThat(text).contains("https://localhost:" + gatehouse.codecPort())
          .contains("--codec-endpoint https://localhost:" + gatehouse.codecPort())
          .contains("--codec-auth \"Bearer <dev token>\"")
          .contains("TEMPORAL_CODEC_ENDPOINT=https://localhost:" + gatehouse.codecPort())
          .contains(token)
          .contains("Keyring.fromFile(java.nio.file.Path.of(\"" + keyring + "\"))")
          .contains("new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec))");
    }

    // A restart reuses the keyring and the token key: what was encrypted and printed before still works.
    DevTokens again = DevTokens.ensure(pki.dir());
    try (ClaimMapper mapper = again.claimMapper(StartDevCommand.devAuthorization())) {
      assertThat(mapper.getClaims(new dev.gatehouse.auth.AuthInfo("Bearer " + token, null, null, null, null))
          .subject()).isEqualTo(DevTokens.SUBJECT);
    }
    assertThat(KeyringFiles.ensure(keyring).activeKey().id()).isEqualTo(Keyring.fromFile(keyring).activeKey().id());
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(pki.dir().resolve("dev-jwt-key.json")))).isEqualTo("rw-------");
  }

  private static HttpResponse<String> post(HttpClient client, URI url, String bearer, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
        .header("X-Namespace", "default").header("Origin", "http://localhost:8233")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      b.header("Authorization", bearer);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient client(DevPki pki, boolean withDevCertificate) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(pki.caCert())) {
      trust.setCertificateEntry("ca", cf.generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (withDevCertificate) {
      Certificate leaf;
      try (InputStream in = Files.newInputStream(pki.clientCert())) {
        leaf = cf.generateCertificate(in);
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("dev-worker", privateKey(pki.clientKey()), new char[0],
          new Certificate[] {leaf});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
    }
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();
  }

  private static PrivateKey privateKey(Path pem) throws Exception {
    String text = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(text);
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  private static Payload json(String text) {
    return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(text)).build();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static int freePort() throws Exception {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
