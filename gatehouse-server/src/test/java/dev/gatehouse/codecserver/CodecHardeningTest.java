package dev.gatehouse.codecserver;

import static dev.gatehouse.codecserver.CodecFixtures.json;
import static dev.gatehouse.codecserver.CodecFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the review sent the codec server: JSON 100k levels deep and lenient JSON, bodies dribbled a byte at a time by
 * more callers than there are threads, large declared bodies that never arrive, and TLS clients collecting session
 * tickets. Slow-body tests run over plain HTTP on loopback (the transport does not matter to them), the TLS ones
 * over real HTTPS.
 */
class CodecHardeningTest {
  static final String UI_ORIGIN = "http://localhost:8233";
  static final long MAX_BODY = 4L * 1024 * 1024;

  @TempDir static Path dir;
  static CertificateAuthority ca;
  static ServerTls tls;
  static CodecFixtures.Signer signer;
  static AccessController access;
  static Path keyring;
  static String reader;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    ca = CertificateAuthority.create("Codec hardening CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    IssuedCertificate serverCert = ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth()
        .issue();
    serverCert.write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    tls = new ServerTls(dir.resolve("server.pem").toString(), dir.resolve("server-key.pem").toString(), null, null,
        null, null, false);
    signer = CodecFixtures.Signer.create(dir);
    access = AccessController.builder(signer.authorization()).build();
    keyring = dir.resolve("default.keyring");
    KeyringFiles.create(keyring, "default-1");
    reader = signer.bearer("ada", "default:read");
  }

  @AfterAll
  static void tearDownAll() {
    if (access != null) {
      access.close();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private CodecHttpServer server(ServerTls serverTls, long budget, Duration bodyTimeout) {
    CodecServer config = new CodecServer("127.0.0.1:0", serverTls, List.of(UI_ORIGIN), false, MAX_BODY,
        keyring.toString(), Map.of(), null, budget, bodyTimeout);
    CodecHttpServer s = CodecHttpServer.builder(config, access).build().start();
    closeables.add(s);
    return s;
  }

  private CodecHttpServer plainServer() {
    return server(ServerTls.EMPTY, 64L * 1024 * 1024, Duration.ofSeconds(60));
  }

  private static HttpResponse<String> decode(CodecHttpServer s, HttpClient client, String body) throws Exception {
    return post(client, s.endpoint().resolve("/decode"), "default", reader, body, Map.of("Origin", UI_ORIGIN));
  }

  // ---- strict JSON ----

  @Test
  void jsonNested100kDeepIsATerse400WithTheCorsHeaders() throws Exception {
    CodecHttpServer s = plainServer();
    for (String body : List.of("{\"payloads\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}",
        "{\"payloads\":[{\"metadata\":" + "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000) + "}]}")) {
      HttpResponse<String> r = decode(s, CodecFixtures.plainClient(), body);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).isEqualTo("request body is not a Payloads JSON document\n");
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    }
  }

  static final List<String> LENIENT = List.of(
      "{\"payloads\":[]} // a comment",
      "/* comment */ {\"payloads\":[]}",
      "{'payloads':[]}",
      "{\"payloads\":[{\"data\":'eA=='}]}",
      "{\"payloads\":[], \"x\": NaN}",
      "{\"payloads\":[]} trailing",
      "{\"payloads\":[]}{\"payloads\":[]}",
      "{\"payloads\":[]} {}",
      "{payloads:[]}",
      "{\"payloads\":[],}",
      "{\"payloads\":[], \"payloads\":[]}");

  @Test
  void lenientJsonIsRefusedByTheServerAndTheCli() throws Exception {
    CodecHttpServer s = plainServer();
    HttpClient client = CodecFixtures.plainClient();
    for (String body : LENIENT) {
      HttpResponse<String> r = decode(s, client, body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(r.body()).as(body).isEqualTo("request body is not a Payloads JSON document\n");
      assertThatIllegalArgumentException().as(body).isThrownBy(() -> PayloadsJson.parse(body));
    }
    // The control: strict JSON, with whitespace and unknown fields, still decodes.
    String printed = PayloadsJson.print(List.of(json("\"x\"")));
    String good = " {\"payloads\": [" + printed.substring(13, printed.length() - 2) + "] ,\"later\":{\"x\":[1]}}\n";
    assertThat(decode(s, client, good).statusCode()).isEqualTo(200);
    assertThat(PayloadsJson.parse(good)).hasSize(1);
  }

  @Test
  void invalidUtf8IsRefusedNotReplaced() throws Exception {
    byte[] body = "{\"payloads\":[],\"x\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertThatIllegalArgumentException().isThrownBy(() -> PayloadsJson.parse(body, body.length));
  }

  // ---- slow bodies ----

  /** An authenticated decode request whose body is declared at {@code declared} bytes; sends the head and {@code sent}. */
  private Socket slowRequest(CodecHttpServer s, long declared, byte[] sent) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), s.port());
    closeables.add(socket);
    socket.setSoTimeout(30_000);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /decode HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Namespace: default\r\n"
        + "Authorization: " + reader + "\r\nContent-Length: " + declared + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(sent);
    out.flush();
    return socket;
  }

  private static String statusLine(Socket socket) throws IOException {
    return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
  }

  @Test
  void seventySlowCallersDoNotStarveTheThreadsAndHoldOnlyWhatTheySent() throws Exception {
    CodecHttpServer s = plainServer();
    int slow = 70;
    for (int i = 0; i < slow; i++) {
      slowRequest(s, MAX_BODY, new byte[] {'{'});
    }
    // Every slow body has started (one first growth each), none was sized from its 4 MiB Content-Length.
    await().atMost(Duration.ofSeconds(30)).until(() -> s.budget().inUse() == slow * 16L * 1024);

    HttpResponse<String> fast = decode(s, CodecFixtures.plainClient(), "{\"payloads\":[]}");
    assertThat(fast.statusCode()).isEqualTo(200);
    assertThat(s.budget().peak()).isLessThanOrEqualTo(slow * 16L * 1024 + 64 * 1024);
  }

  @Test
  void theInFlightBudgetIsNeverExceededAndARequestPastItGets503() throws Exception {
    long budget = MAX_BODY + 512 * 1024;
    CodecHttpServer s = server(ServerTls.EMPTY, budget, Duration.ofSeconds(60));
    // 60 slow 4 MiB requests: each holds its first 16 KiB buffer (960 KiB in all), not 4 MiB (240 MiB).
    for (int i = 0; i < 60; i++) {
      slowRequest(s, MAX_BODY, new byte[] {'{'});
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> s.budget().inUse() == 60 * 16L * 1024);
    // One more request sends a whole 4 MiB body at once: its buffer would take the total past the budget.
    byte[] big = new byte[(int) MAX_BODY];
    java.util.Arrays.fill(big, (byte) ' ');
    // The body is written from another thread: the server answers 503 and closes while it is still being sent, so
    // that write may fail (broken pipe); the answer is read here meanwhile.
    Socket greedy = slowRequest(s, big.length, new byte[0]);
    Thread writer = new Thread(() -> {
      try {
        greedy.getOutputStream().write(big);
        greedy.getOutputStream().flush();
      } catch (IOException expected) {
        // The server stopped reading: what this test expects.
      }
    });
    writer.setDaemon(true);
    writer.start();
    assertThat(statusLine(greedy)).isEqualTo("HTTP/1.1 503 Service Unavailable");
    assertThat(s.budget().peak()).isLessThanOrEqualTo(budget);
    // Small requests still get through.
    assertThat(decode(s, CodecFixtures.plainClient(), "{\"payloads\":[]}").statusCode()).isEqualTo(200);
  }

  @Test
  void aBodyThatDoesNotArriveInTimeGets408AndGivesItsBytesBack() throws Exception {
    CodecHttpServer s = server(ServerTls.EMPTY, 64L * 1024 * 1024, Duration.ofMillis(300));
    Socket socket = slowRequest(s, 1000, "{\"payloads\":".getBytes(StandardCharsets.US_ASCII));
    assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 408 Request Timeout");
    await().atMost(Duration.ofSeconds(10)).until(() -> s.budget().inUse() == 0);
    assertThat(s.budget().peak()).isEqualTo(16L * 1024);
  }

  @Test
  void theBodyLimitsAreConfigKeysWithSafeDefaults() {
    CodecServer defaults = new CodecServer("127.0.0.1:0", null, null, false, null, null, null);
    assertThat(defaults.maxInFlightBodyBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(defaults.bodyReadTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  // ---- TLS ----

  @Test
  void httpsAnswersCarryHstsAndPlainHttpOnesDoNot() throws Exception {
    CodecHttpServer https = server(tls, 64L * 1024 * 1024, Duration.ofSeconds(30));
    HttpClient client = CodecFixtures.client(ca.certificate(), null);
    for (String path : List.of("/decode", "/nowhere")) {
      HttpResponse<String> r = post(client, https.endpoint().resolve(path), "default", reader, "{\"payloads\":[]}",
          Map.of());
      assertThat(r.headers().firstValue("Strict-Transport-Security")).as(path).hasValue("max-age=31536000");
    }
    HttpResponse<String> plain = decode(plainServer(), CodecFixtures.plainClient(), "{\"payloads\":[]}");
    assertThat(plain.headers().firstValue("Strict-Transport-Security")).isEmpty();
  }

  @Test
  void noTlsSessionTicketIsIssuedSinceNoneWouldBeHonoured() throws Exception {
    Path openssl = Path.of("/usr/bin/openssl");
    assumeTrue(Files.isExecutable(openssl), "needs openssl s_client, which reports every ticket it receives");
    CodecHttpServer https = server(tls, 64L * 1024 * 1024, Duration.ofSeconds(30));
    Path caFile = dir.resolve("hardening-ca.pem");
    Files.writeString(caFile, ca.certificatePem());
    Process p = new ProcessBuilder(openssl.toString(), "s_client", "-connect", "127.0.0.1:" + https.port(),
        "-servername", "localhost", "-CAfile", caFile.toString(), "-tls1_3", "-ign_eof")
        .redirectErrorStream(true).start();
    p.getOutputStream().write("GET /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().close();
    // Reading the whole answer makes s_client process every post-handshake message the server sent.
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("Verify return code: 0 (ok)").contains("HTTP/1.1 404");
    assertThat(out).doesNotContain("New Session Ticket");
  }
}
