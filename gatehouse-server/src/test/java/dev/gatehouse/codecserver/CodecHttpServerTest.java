package dev.gatehouse.codecserver;

import static dev.gatehouse.codecserver.CodecFixtures.data;
import static dev.gatehouse.codecserver.CodecFixtures.encoding;
import static dev.gatehouse.codecserver.CodecFixtures.json;
import static dev.gatehouse.codecserver.CodecFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.Face;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.common.v1.Payload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The codec server over real HTTPS with real JWTs: Temporal's protocol, authorization per namespace, refusals,
 * tampering, rotation, CORS and limits.
 */
class CodecHttpServerTest {
  static final String UI_ORIGIN = "http://localhost:8233";
  static final long MAX_BODY = 64 * 1024;

  @TempDir static Path dir;
  static CertificateAuthority ca;
  static IssuedCertificate serverCert;
  static ServerTls tls;
  static CodecFixtures.Signer signer;
  static AccessController access;
  static SimpleMeterRegistry registry;
  static Path defaultKeyring;
  static Path paymentsKeyring;
  static CodecHttpServer server;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    ca = CertificateAuthority.create("Codec test CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    serverCert = ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue();
    serverCert.write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    ca.write(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"));
    tls = new ServerTls(dir.resolve("server.pem").toString(), dir.resolve("server-key.pem").toString(), null, null,
        null, null, false);
    signer = CodecFixtures.Signer.create(dir);
    registry = new SimpleMeterRegistry();
    access = AccessController.builder(signer.authorization()).meterRegistry(registry).build();
    defaultKeyring = dir.resolve("default.keyring");
    paymentsKeyring = dir.resolve("payments.keyring");
    KeyringFiles.create(defaultKeyring, "default-1");
    KeyringFiles.create(paymentsKeyring, "payments-1");
    server = CodecHttpServer.builder(config(defaultKeyring, false, tls), access).meterRegistry(registry).build()
        .start();
    client = CodecFixtures.client(ca.certificate(), null);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (access != null) {
      access.close();
    }
  }

  static CodecServer config(Path keyring, boolean allowCredentials, ServerTls serverTls) {
    return new CodecServer("127.0.0.1:0", serverTls, List.of(UI_ORIGIN), allowCredentials, MAX_BODY,
        keyring.toString(), Map.of("payments", paymentsKeyring.toString()));
  }

  /** What a worker with the same keyring writes into history. */
  static EncryptionCodec workerCodec(Path keyring, String namespace) {
    return EncryptionCodec.builder().keyring(Keyring.fromFile(keyring)).defaultNamespace(namespace).build();
  }

  static URI url(CodecHttpServer s, String path) {
    return s.endpoint().resolve(path);
  }

  static HttpResponse<String> decode(String namespace, String bearer, List<Payload> payloads) throws Exception {
    return post(client, url(server, "/decode"), namespace, bearer, PayloadsJson.print(payloads), Map.of());
  }

  // ---- the pipeline ----

  @Test
  void everyEncodeAndDecodeRequestRunsThroughThePipelineAndReachesItsHooks() throws Exception {
    List<CallContext> decided = new CopyOnWriteArrayList<>();
    BlockingQueue<CallContext> closed = new LinkedBlockingQueue<>();
    CallPipeline pipeline = CallPipeline.builder(access)
        .audit(call -> {
          decided.add(call);
          return CompletableFuture.supplyAsync(() -> null);
        })
        .observer(closed::add)
        .build();
    try (CodecHttpServer s = CodecHttpServer.builder(config(defaultKeyring, false, tls), pipeline).build().start()) {
      Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"x\""))).get(0);
      String body = PayloadsJson.print(List.of(secret));

      assertThat(post(client, url(s, "/decode"), "default", signer.bearer("ada", "default:read"), body, Map.of())
          .statusCode()).isEqualTo(200);
      assertThat(post(client, url(s, "/decode"), "payments", signer.bearer("ada", "default:read"), body, Map.of())
          .statusCode()).isEqualTo(403);
      assertThat(post(client, url(s, "/decode"), "default", null, body, Map.of()).statusCode()).isEqualTo(401);
      assertThat(post(client, url(s, "/encode"), "", signer.bearer("ada", "default:write"), body, Map.of())
          .statusCode()).isEqualTo(400);

      List<CallContext> calls = List.of(poll(closed), poll(closed), poll(closed), poll(closed));
      assertThat(calls).extracting(CallContext::httpStatus).containsExactly(200, 403, 401, 400);
      assertThat(calls).extracting(c -> c.status().getCode()).containsExactly(Status.Code.OK,
          Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED, Status.Code.INVALID_ARGUMENT);
      assertThat(calls).allSatisfy(c -> assertThat(c.face()).isEqualTo(Face.CODEC));
      assertThat(calls.get(0).method().methodName()).isEqualTo("GetWorkflowExecutionHistory");
      assertThat(calls.get(3).access()).as("refused before identification: no decision").isNull();
      // The audit hook heard the allowed call and both denials, with the namespace the decision used.
      assertThat(decided).extracting(c -> c.access().outcome()).containsExactly(AccessCheck.Outcome.ALLOW,
          AccessCheck.Outcome.PERMISSION_DENIED, AccessCheck.Outcome.UNAUTHENTICATED);
      assertThat(decided.get(1).access().namespace()).isEqualTo("payments");
    }
  }

  private static CallContext poll(BlockingQueue<CallContext> q) throws InterruptedException {
    CallContext c = q.poll(20, TimeUnit.SECONDS);
    assertThat(c).isNotNull();
    return c;
  }

  // ---- the protocol ----

  @Test
  void aReaderGetsThePlaintextBackInTheWebUisShapeAndUnencryptedPayloadsPassThrough() throws Exception {
    EncryptionCodec worker = workerCodec(defaultKeyring, "default");
    Payload secret = worker.encode(List.of(json("\"card 4111\""))).get(0);
    Payload plain = json("\"not secret\"");
    String body = "{\"payloads\":[" + PayloadsJson.print(List.of(secret)).replaceAll("^\\{\"payloads\":\\[|]}$", "")
        + ",{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},\"data\":\"Im5vdCBzZWNyZXQi\"}]}";

    HttpResponse<String> response = post(client, url(server, "/decode"), "default",
        signer.bearer("ada", "default:read"), body, Map.of());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    List<Payload> out = PayloadsJson.parse(response.body());
    assertThat(out).hasSize(2);
    assertThat(encoding(out.get(0))).isEqualTo("json/plain");
    assertThat(data(out.get(0))).isEqualTo("\"card 4111\"");
    assertThat(out.get(1)).isEqualTo(plain);
    assertThat(response.body()).contains("\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"}");
  }

  @Test
  void payloadsAnotherCodecEncryptedPassThroughUnchanged() throws Exception {
    Payload ours = workerCodec(defaultKeyring, "default").encode(List.of(json("\"ours\""))).get(0);
    Payload sample = Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("binary/encrypted"))
        .putMetadata("encryption-cipher", ByteString.copyFromUtf8("AES/GCM/NoPadding"))
        .putMetadata("encryption-key-id", ByteString.copyFromUtf8("test"))
        .setData(ByteString.copyFromUtf8("not ours to open")).build();
    Payload unlabelled = sample.toBuilder().removeMetadata("encryption-cipher").build();
    HttpResponse<String> r = decode("default", signer.bearer("ada", "default:read"),
        List.of(sample, ours, unlabelled));
    assertThat(r.statusCode()).isEqualTo(200);
    List<Payload> out = PayloadsJson.parse(r.body());
    assertThat(out.get(0)).isEqualTo(sample);
    assertThat(data(out.get(1))).isEqualTo("\"ours\"");
    assertThat(out.get(2)).isEqualTo(unlabelled);
  }

  @Test
  void countInEqualsCountOutForManyPayloadsAndNone() throws Exception {
    EncryptionCodec worker = workerCodec(defaultKeyring, "default");
    List<Payload> in = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      in.add(i % 3 == 0 ? json("\"plain " + i + "\"") : worker.encode(List.of(json("\"secret " + i + "\""))).get(0));
    }
    in.add(Payload.getDefaultInstance());
    HttpResponse<String> r = decode("default", signer.bearer("ada", "default:read"), in);
    assertThat(r.statusCode()).isEqualTo(200);
    List<Payload> out = PayloadsJson.parse(r.body());
    assertThat(out).hasSize(in.size());
    for (int i = 0; i < 25; i++) {
      assertThat(data(out.get(i))).isEqualTo(i % 3 == 0 ? "\"plain " + i + "\"" : "\"secret " + i + "\"");
    }
    assertThat(out.get(25)).isEqualTo(Payload.getDefaultInstance());

    HttpResponse<String> empty = post(client, url(server, "/decode"), "default",
        signer.bearer("ada", "default:read"), "{}", Map.of());
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(empty.body()).isEqualTo("{\"payloads\":[]}");
  }

  @Test
  void theNamespaceMayComeFromThePathAsTheCliTemplateSendsIt() throws Exception {
    Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"x\""))).get(0);
    String body = PayloadsJson.print(List.of(secret));
    String reader = signer.bearer("ada", "default:read");

    HttpResponse<String> byPath = post(client, url(server, "/default/decode"), null, reader, body, Map.of());
    assertThat(byPath.statusCode()).isEqualTo(200);
    assertThat(data(PayloadsJson.parse(byPath.body()).get(0))).isEqualTo("\"x\"");

    HttpResponse<String> both = post(client, url(server, "/default/decode"), "default", reader, body, Map.of());
    assertThat(both.statusCode()).isEqualTo(200);
  }

  @Test
  void aHeaderAndAPathNamingDifferentNamespacesAreRefused() throws Exception {
    // A reader of "default" must not get a payload of "default" decoded by naming "default" in one place only.
    Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"x\""))).get(0);
    HttpResponse<String> r = post(client, url(server, "/payments/decode"), "default",
        signer.bearer("ada", "default:read", "payments:read"), PayloadsJson.print(List.of(secret)), Map.of());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).isEqualTo("the X-Namespace header and the path name different namespaces\n");
  }

  @Test
  void aRequestWithoutANamespaceIsABadRequest() throws Exception {
    HttpResponse<String> r = post(client, url(server, "/decode"), null, signer.bearer("ada", "default:read"),
        "{\"payloads\":[]}", Map.of());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("namespace required");

    HttpResponse<String> empty = post(client, url(server, "/decode"), "", signer.bearer("ada", "default:read"),
        "{\"payloads\":[]}", Map.of());
    assertThat(empty.statusCode()).isEqualTo(400);
  }

  @Test
  void aNamespaceWithControlCharactersOrTwoNamespaceHeadersAreRefused() throws Exception {
    HttpRequest twice = HttpRequest.newBuilder(url(server, "/decode")).header("Content-Type", "application/json")
        .header("X-Namespace", "default").header("X-Namespace", "payments")
        .header("Authorization", signer.bearer("ada", "default:read", "payments:read"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    assertThat(client.send(twice, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);

    HttpResponse<String> tooLong = post(client, url(server, "/decode"), "n".repeat(1001),
        signer.bearer("ada", "temporal-system:admin"), "{}", Map.of());
    assertThat(tooLong.statusCode()).isEqualTo(400);
  }

  // ---- authorization: never a decryption oracle ----

  @Test
  void aCallerWithoutCredentialsIsUnauthenticated() throws Exception {
    Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"x\""))).get(0);
    HttpResponse<String> r = decode("default", null, List.of(secret));
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(r.body()).isEqualTo("Request unauthenticated.\n");
  }

  @Test
  void malformedForgedOrAmbiguousCredentialsAreUnauthenticated() throws Exception {
    Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"x\""))).get(0);
    assertThat(decode("default", "Bearer not-a-jwt", List.of(secret)).statusCode()).isEqualTo(401);
    assertThat(decode("default", "Basic YWRhOmFkYQ==", List.of(secret)).statusCode()).isEqualTo(401);

    CodecFixtures.Signer stranger = CodecFixtures.Signer.create(Files.createTempDirectory(dir, "stranger"));
    assertThat(decode("default", stranger.bearer("mallory", "default:admin"), List.of(secret)).statusCode())
        .isEqualTo(401);

    HttpRequest twoTokens = HttpRequest.newBuilder(url(server, "/decode")).header("Content-Type", "application/json")
        .header("X-Namespace", "default")
        .header("Authorization", signer.bearer("ada", "default:read"))
        .header("Authorization", signer.bearer("mallory"))
        .POST(HttpRequest.BodyPublishers.ofString(PayloadsJson.print(List.of(secret)))).build();
    assertThat(client.send(twoTokens, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
  }

  @Test
  void aReaderOfAnotherNamespaceIsDeniedAndLearnsNothing() throws Exception {
    Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"card 4111\""))).get(0);
    HttpResponse<String> r = decode("default", signer.bearer("mallory", "payments:admin"), List.of(secret));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("Request unauthorized.\n");
  }

  @Test
  void aCallerWithNoRoleAtAllIsDenied() throws Exception {
    HttpResponse<String> r = decode("default", signer.bearer("nobody"), List.of(json("\"x\"")));
    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void encodeNeedsWriteAccessAndProducesWhatWorkersDecode() throws Exception {
    String body = PayloadsJson.print(List.of(json("\"from the ui\"")));
    HttpResponse<String> asReader = post(client, url(server, "/encode"), "default",
        signer.bearer("ada", "default:read"), body, Map.of());
    assertThat(asReader.statusCode()).isEqualTo(403);

    HttpResponse<String> asWriter = post(client, url(server, "/encode"), "default",
        signer.bearer("ada", "default:write"), body, Map.of());
    assertThat(asWriter.statusCode()).isEqualTo(200);
    List<Payload> encoded = PayloadsJson.parse(asWriter.body());
    assertThat(encoded).hasSize(1);
    assertThat(encoding(encoded.get(0))).isEqualTo("binary/encrypted");
    assertThat(asWriter.body()).doesNotContain("from the ui");
    assertThat(data(workerCodec(defaultKeyring, "default").decode(encoded).get(0))).isEqualTo("\"from the ui\"");
  }

  @Test
  void eachNamespaceUsesItsOwnKeyring() throws Exception {
    Payload underDefaultKeys = workerCodec(defaultKeyring, "payments").encode(List.of(json("\"x\""))).get(0);
    Payload underPaymentsKeys = workerCodec(paymentsKeyring, "payments").encode(List.of(json("\"y\""))).get(0);
    String reader = signer.bearer("pat", "payments:read");

    HttpResponse<String> own = decode("payments", reader, List.of(underPaymentsKeys));
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(data(PayloadsJson.parse(own.body()).get(0))).isEqualTo("\"y\"");

    HttpResponse<String> foreign = decode("payments", reader, List.of(underDefaultKeys));
    assertThat(foreign.statusCode()).isEqualTo(400);
    assertThat(foreign.body()).isEqualTo("payload could not be decoded\n");
  }

  // ---- tampering ----

  @Test
  void modifiedTruncatedRelabelledOrMovedCiphertextIsRefusedWithoutDetail() throws Exception {
    Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"card 4111\""))).get(0);
    byte[] bytes = secret.getData().toByteArray();
    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 0x01;
    Payload modified = secret.toBuilder().setData(ByteString.copyFrom(flipped)).build();
    Payload truncated = secret.toBuilder().setData(ByteString.copyFrom(bytes, 0, bytes.length - 1)).build();
    Payload tooShort = secret.toBuilder().setData(ByteString.copyFrom(bytes, 0, 5)).build();
    Payload relabelled = secret.toBuilder().putMetadata("encryption-key-id", ByteString.copyFromUtf8("payments-1"))
        .build();
    String admin = signer.bearer("root", "temporal-system:admin");

    for (Payload bad : List.of(modified, truncated, tooShort, relabelled)) {
      HttpResponse<String> r = decode("default", admin, List.of(json("\"fine\""), bad));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).isEqualTo("payload could not be decoded\n");
    }
    // Copied into another namespace that shares the keyring: the namespace is authenticated, so it does not decode.
    HttpResponse<String> moved = decode("other", admin, List.of(secret));
    assertThat(moved.statusCode()).isEqualTo(400);
    assertThat(moved.body()).isEqualTo("payload could not be decoded\n");
    assertThat(decode("default", admin, List.of(secret)).statusCode()).isEqualTo(200);
  }

  // ---- rotation ----

  @Test
  void rotationThroughTheServerKeepsOldPayloadsReadableAndEncodesWithTheNewKey() throws Exception {
    Path keyring = dir.resolve("rotating.keyring");
    KeyringFiles.create(keyring, "r-1");
    try (CodecHttpServer rotating = CodecHttpServer.builder(
        new CodecServer("127.0.0.1:0", tls, List.of(), false, null, keyring.toString(), null), access).build()
        .start()) {
      Payload old = workerCodec(keyring, "default").encode(List.of(json("\"old\""))).get(0);
      String writer = signer.bearer("ada", "default:write");
      assertThat(rotating.reloadKeyrings()).isZero();

      KeyringFiles.rotate(keyring, "r-2");
      assertThat(rotating.reloadKeyrings()).isEqualTo(1);
      assertThat(rotating.reloadKeyrings()).isZero();

      HttpResponse<String> oldDecoded = post(client, url(rotating, "/decode"), "default", writer,
          PayloadsJson.print(List.of(old)), Map.of());
      assertThat(oldDecoded.statusCode()).isEqualTo(200);
      assertThat(data(PayloadsJson.parse(oldDecoded.body()).get(0))).isEqualTo("\"old\"");

      HttpResponse<String> encoded = post(client, url(rotating, "/encode"), "default", writer,
          PayloadsJson.print(List.of(json("\"new\""))), Map.of());
      Payload fresh = PayloadsJson.parse(encoded.body()).get(0);
      assertThat(fresh.getMetadataOrThrow("encryption-key-id").toStringUtf8()).isEqualTo("r-2");

      Payload fromNewWorker = workerCodec(keyring, "default").encode(List.of(json("\"newer\""))).get(0);
      HttpResponse<String> newDecoded = post(client, url(rotating, "/decode"), "default", writer,
          PayloadsJson.print(List.of(fromNewWorker, old)), Map.of());
      assertThat(PayloadsJson.parse(newDecoded.body())).extracting(CodecFixtures::data)
          .containsExactly("\"newer\"", "\"old\"");
    }
  }

  @Test
  void aKeyringThatBecomesUnusableKeepsItsLastGoodKeys() throws Exception {
    Path keyring = dir.resolve("breaking.keyring");
    KeyringFiles.create(keyring, "b-1");
    try (CodecHttpServer s = CodecHttpServer.builder(
        new CodecServer("127.0.0.1:0", tls, List.of(), false, null, keyring.toString(), null), access)
        .meterRegistry(registry).build().start()) {
      Payload p = workerCodec(keyring, "default").encode(List.of(json("\"still here\""))).get(0);
      Files.writeString(keyring, "active = b-2\n");
      assertThat(s.reloadKeyrings()).isZero();
      Files.setPosixFilePermissions(keyring, PosixFilePermissions.fromString("rw-r--r--"));
      assertThat(s.reloadKeyrings()).isZero();

      HttpResponse<String> r = post(client, url(s, "/decode"), "default", signer.bearer("ada", "default:read"),
          PayloadsJson.print(List.of(p)), Map.of());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(data(PayloadsJson.parse(r.body()).get(0))).isEqualTo("\"still here\"");
      assertThat(registry.get("gatehouse.codec.keyring.reloads").tag("result", "failed").counter().count())
          .isGreaterThanOrEqualTo(1.0);
    }
  }

  // ---- CORS ----

  @Test
  void anAllowedOriginIsEchoedWithVaryAndNoCredentialsUnlessConfigured() throws Exception {
    HttpResponse<String> r = post(client, url(server, "/decode"), "default", signer.bearer("ada", "default:read"),
        "{}", Map.of("Origin", UI_ORIGIN));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
    assertThat(r.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

    // Refusals carry the CORS headers too, so the Web UI can tell a 401 from a network failure.
    HttpResponse<String> refused = post(client, url(server, "/decode"), "default", null, "{}",
        Map.of("Origin", UI_ORIGIN));
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
  }

  @Test
  void aDisallowedOriginGetsNoCorsHeadersAndNoAnswer() throws Exception {
    for (String origin : List.of("http://evil.example", "http://localhost:8234", "https://localhost:8233",
        "http://localhost:8233.evil.example", "null")) {
      HttpResponse<String> r = post(client, url(server, "/decode"), "default",
          signer.bearer("ada", "default:read"), "{}", Map.of("Origin", origin));
      assertThat(r.statusCode()).as(origin).isEqualTo(403);
      assertThat(corsHeaders(r.headers())).as(origin).isEmpty();
    }
  }

  @Test
  void aPreflightIsAnsweredWithoutCredentials() throws Exception {
    HttpResponse<String> r = preflight(server, UI_ORIGIN, "/decode");
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
    assertThat(r.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST");
    assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(h -> assertThat(h)
        .contains("Content-Type").contains("X-Namespace").contains("Authorization").contains("Authorization-Extras"));
    assertThat(r.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
    assertThat(preflight(server, UI_ORIGIN, "/default/encode").statusCode()).isEqualTo(204);
  }

  @Test
  void aPreflightFromADisallowedOriginIsRefusedWithoutCorsHeaders() throws Exception {
    HttpResponse<String> r = preflight(server, "http://evil.example", "/decode");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(corsHeaders(r.headers())).isEmpty();
    assertThat(preflight(server, UI_ORIGIN, "/nothing-here").statusCode()).isEqualTo(404);
  }

  @Test
  void credentialsAreAllowedOnlyWhenConfigured() throws Exception {
    try (CodecHttpServer withCredentials = CodecHttpServer.builder(config(defaultKeyring, true, tls), access)
        .build().start()) {
      HttpResponse<String> pre = preflight(withCredentials, UI_ORIGIN, "/decode");
      assertThat(pre.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
      HttpResponse<String> actual = post(client, url(withCredentials, "/decode"), "default",
          signer.bearer("ada", "default:read"), "{}", Map.of("Origin", UI_ORIGIN));
      assertThat(actual.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
    }
  }

  private static HttpResponse<String> preflight(CodecHttpServer s, String origin, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(url(s, path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,x-namespace,authorization").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> corsHeaders(HttpHeaders headers) {
    return headers.map().keySet().stream().filter(h -> h.toLowerCase().startsWith("access-control-")).toList();
  }

  // ---- limits and malformed requests ----

  @Test
  void aBodyOverTheLimitIsRefusedWhetherDeclaredOrStreamed() throws Exception {
    String big = "{\"payloads\":[]}" + " ".repeat((int) MAX_BODY);
    String reader = signer.bearer("ada", "default:read");
    // Each refusal may close its connection while the client is still sending: fresh clients, so no request here
    // lands on a connection the server has just closed, and such a close counts as the refusal it is.
    try {
      HttpResponse<String> declared =
          post(CodecFixtures.client(ca.certificate(), null), url(server, "/decode"), "default", reader, big, Map.of());
      assertThat(declared.statusCode()).isEqualTo(413);
    } catch (IOException e) {
      assertThat(e).isInstanceOf(IOException.class);
    }

    // Chunked: no Content-Length, so the limit must hold while reading.
    HttpClient client = CodecFixtures.client(ca.certificate(), null);
    HttpRequest streamed = HttpRequest.newBuilder(url(server, "/decode")).header("Content-Type", "application/json")
        .header("X-Namespace", "default").header("Authorization", reader)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build();
    HttpResponse<String> r;
    try {
      r = client.send(streamed, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(413);
    } catch (IOException e) {
      // The server may close the connection while the client is still sending; that is a refusal too.
      assertThat(e).isInstanceOf(IOException.class);
    }

    String exact = "{\"payloads\":[]}";
    exact = exact + " ".repeat((int) MAX_BODY - exact.length());
    HttpRequest atLimit = HttpRequest.newBuilder(url(server, "/decode")).header("Content-Type", "application/json")
        .header("X-Namespace", "default").header("Authorization", reader)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
            ("{\"payloads\":[]}" + " ".repeat((int) MAX_BODY - 15)).getBytes()))).build();
    client = CodecFixtures.client(ca.certificate(), null);
    assertThat(client.send(atLimit, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(post(client, url(server, "/decode"), "default", reader, exact, Map.of()).statusCode()).isEqualTo(200);
  }

  @Test
  void anUnauthenticatedCallerIsRefusedBeforeItsBodyIsRead() throws Exception {
    HttpResponse<String> r = post(client, url(server, "/decode"), "default", null, "this is not json", Map.of());
    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void malformedBodiesAreBadRequestsThatQuoteNothing() throws Exception {
    String reader = signer.bearer("ada", "default:read");
    for (String body : List.of("this is not json", "", "[]", "{\"payloads\":[{\"data\":\"%%%secret%%%\"}]}",
        "{\"payloads\":{\"secret\":1}}", "{\"payloads\":[{\"metadata\":{\"encoding\":{\"x\":1}}}]}")) {
      HttpResponse<String> r = post(client, url(server, "/decode"), "default", reader, body, Map.of());
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(r.body()).as(body).isEqualTo("request body is not a Payloads JSON document\n");
    }
  }

  @Test
  void anotherMediaTypeIsRefused() throws Exception {
    HttpRequest form = HttpRequest.newBuilder(url(server, "/decode")).header("Content-Type", "text/plain")
        .header("X-Namespace", "default").header("Authorization", signer.bearer("ada", "default:read"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    assertThat(client.send(form, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(415);
    HttpResponse<String> charset = post(client, url(server, "/decode"), "default",
        signer.bearer("ada", "default:read"), "{}", Map.of("Content-Type", "application/json; charset=utf-8"));
    assertThat(charset.statusCode()).isEqualTo(200);
  }

  @Test
  void otherMethodsAreNotAllowedAndOtherPathsNotFound() throws Exception {
    HttpResponse<String> get = client.send(HttpRequest.newBuilder(url(server, "/decode")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
    HttpResponse<String> put = client.send(HttpRequest.newBuilder(url(server, "/default/encode"))
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(405);

    // /download answers 501 (CodecCorsErrorsTest): the Web UI's external-payload download, not offered here.
    for (String path : List.of("/", "/decode/x", "/a/b/decode", "/decodes", "/default/", "/metrics")) {
      HttpResponse<String> r = post(client, url(server, path), "default", signer.bearer("ada", "default:read"),
          "{}", Map.of());
      assertThat(r.statusCode()).as(path).isEqualTo(404);
    }
  }

  @Test
  void requestsAndPayloadsAreCountedByRouteAndStatus() throws Exception {
    Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"x\""))).get(0);
    double before = count("decode", "200");
    double payloadsBefore = registry.find("gatehouse.codec.payloads").tag("route", "decode").counter() == null ? 0
        : registry.get("gatehouse.codec.payloads").tag("route", "decode").counter().count();
    decode("default", signer.bearer("ada", "default:read"), List.of(secret, secret, secret));
    decode("default", null, List.of(secret));
    assertThat(count("decode", "200")).isEqualTo(before + 1);
    assertThat(count("decode", "401")).isGreaterThanOrEqualTo(1);
    assertThat(registry.get("gatehouse.codec.payloads").tag("route", "decode").counter().count())
        .isEqualTo(payloadsBefore + 3);
    assertThat(registry.get("gatehouse.codec.request.latency").tag("route", "decode").timer().count())
        .isGreaterThanOrEqualTo(2);
  }

  private static double count(String route, String status) {
    var c = registry.find("gatehouse.codec.requests").tag("route", route).tag("status", status).counter();
    return c == null ? 0 : c.count();
  }

  // ---- transport and configuration ----

  @Test
  void aVerifiedClientCertificateIdentifiesTheCaller() throws Exception {
    IssuedCertificate uiProxy = ca.leaf("ui-proxy").clientAuth().issue();
    Authorization byCertificate = new Authorization(null, null, null, "default", "mtls", null, null, null,
        // The codec server's client CA is not the frontend's: the rule names it (rules trust only their CAs).
        List.of(new CertificateRule("ui-proxy", null, null, null, Map.of("default", "read"), null,
            List.of(dir.resolve("ca.pem").toString()), null)), false, false, null, null, null);
    ServerTls mutual = new ServerTls(tls.certFile(), tls.keyFile(), null, null,
        List.of(dir.resolve("ca.pem").toString()), null, true);
    try (AccessController certs = AccessController.builder(byCertificate).build();
        CodecHttpServer s = CodecHttpServer.builder(config(defaultKeyring, false, mutual), certs).build().start()) {
      Payload secret = workerCodec(defaultKeyring, "default").encode(List.of(json("\"via mtls\""))).get(0);
      HttpResponse<String> r = post(CodecFixtures.client(ca.certificate(), uiProxy), url(s, "/decode"), "default",
          null, PayloadsJson.print(List.of(secret)), Map.of());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(data(PayloadsJson.parse(r.body()).get(0))).isEqualTo("\"via mtls\"");

      HttpResponse<String> otherNamespace = post(CodecFixtures.client(ca.certificate(), uiProxy), url(s, "/decode"),
          "payments", null, "{}", Map.of());
      assertThat(otherNamespace.statusCode()).isEqualTo(403);

      assertThatThrownBy(() -> post(client, url(s, "/decode"), "default", null, "{}", Map.of()))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void theServerSpeaksOnlyTls13ByDefault() throws Exception {
    javax.net.ssl.SSLContext tls12 = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
    tls12.init(null, new javax.net.ssl.TrustManager[] {trustAll()}, null);
    HttpClient old = HttpClient.newBuilder().sslContext(tls12)
        .sslParameters(new javax.net.ssl.SSLParameters(null, new String[] {"TLSv1.2"})).build();
    assertThatThrownBy(() -> old.send(HttpRequest.newBuilder(url(server, "/decode")).GET().build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
  }

  @Test
  void withMinVersion12OnlyForwardSecretAeadSuitesAreOffered() throws Exception {
    try (CodecHttpServer lenient = CodecHttpServer.builder(config(defaultKeyring, false, tls), access)
        .minTlsVersion("1.2").build().start()) {
      HttpResponse<String> gcm = tls12Client("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").send(
          HttpRequest.newBuilder(url(lenient, "/decode")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(gcm.statusCode()).isEqualTo(405);
      assertThatThrownBy(() -> tls12Client("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256").send(
          HttpRequest.newBuilder(url(lenient, "/decode")).GET().build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    }
  }

  private static HttpClient tls12Client(String suite) throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
    ctx.init(null, new javax.net.ssl.TrustManager[] {trustAll()}, null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx)
        .sslParameters(new javax.net.ssl.SSLParameters(new String[] {suite}, new String[] {"TLSv1.2"})).build();
  }

  private static javax.net.ssl.X509TrustManager trustAll() {
    return new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    };
  }

  @Test
  void plainHttpIsServedOnLoopbackOnly() throws Exception {
    try (CodecHttpServer plain = CodecHttpServer.builder(config(defaultKeyring, false, ServerTls.EMPTY), access)
        .build().start()) {
      assertThat(plain.endpoint().getScheme()).isEqualTo("http");
      HttpResponse<String> r = post(CodecFixtures.plainClient(), url(plain, "/decode"), "default",
          signer.bearer("ada", "default:read"), "{}", Map.of());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    CodecServer exposed = new CodecServer("0.0.0.0:0", ServerTls.EMPTY, List.of(), false, null,
        defaultKeyring.toString(), null);
    assertThatThrownBy(() -> CodecHttpServer.builder(exposed, access).build())
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.getMessage()).contains("codecServer.tls.certFile").contains("without TLS"));
  }

  @Test
  void missingOrUnsafeKeyringsStopTheServerFromStarting() throws Exception {
    Consumer<CodecServer> refused = c -> assertThatThrownBy(() -> CodecHttpServer.builder(c, access).build())
        .isInstanceOf(ConfigException.class);
    CodecServer none = new CodecServer("127.0.0.1:0", tls, List.of(), false, null, null, null);
    assertThatThrownBy(() -> CodecHttpServer.builder(none, access).build())
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.getMessage()).contains("codecServer.keyringFile"));
    refused.accept(new CodecServer("127.0.0.1:0", tls, List.of(), false, null,
        dir.resolve("missing.keyring").toString(), null));

    Path open = dir.resolve("open.keyring");
    KeyringFiles.create(open, "o-1");
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> CodecHttpServer.builder(new CodecServer("127.0.0.1:0", tls, List.of(), false, null,
        open.toString(), null), access).build())
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.getMessage()).contains("codecServer.keyringFile").contains("group or others"));
    refused.accept(new CodecServer("127.0.0.1:0", tls, List.of(), false, null, defaultKeyring.toString(),
        Map.of("payments", dir.resolve("missing-payments.keyring").toString())));
  }
}
