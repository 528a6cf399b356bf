package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.DevCluster;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.e2e.SampleWorkflows;
import dev.gatehouse.pipeline.GateVerdict;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.WorkerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporal's HTTP API through the real gateway: HTTP calls (as curl makes them) start a workflow that a Java SDK
 * worker, connected through the gateway's gRPC face, runs; they signal it, query it, describe it and read its
 * history. Refused calls never get past the pipeline: a gate at the end of it, just before the upstream, records
 * every call that would be forwarded.
 */
class HttpApiEndToEndTest {
  static final String QUEUE = "http-e2e";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;
  static ECKey key;
  static HttpClient http;
  static WorkflowServiceStubs workerStubs;
  static WorkerFactory workers;
  /** What reached the end of the pipeline (i.e. was forwarded upstream): "face method namespace". */
  static final List<String> forwarded = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    pki = DevPki.ensure(dir.resolve("pki"));
    key = new ECKeyGenerator(Curve.P_256).keyID("http-test").generate();
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
    Authorization jwt = new Authorization(new JwtKeyProvider(List.of(jwks.toUri().toString()), Duration.ofMinutes(5)),
        null, null, "default", "default", null, null, null);
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    GatehouseConfig base = DevCluster.config(pki, upstream.port(), "localhost");
    RootTls tls = base.global().tls();
    ServerTls frontend = tls.frontend().server();
    // Client certificates optional (asked for, verified when sent), as on API-key endpoints.
    ServerTls optional = new ServerTls(frontend.certFile(), frontend.keyFile(), null, null, frontend.clientCaFiles(),
        null, false);
    RootTls httpTls = new RootTls(new GroupTls(optional, null, null, null, null, null), tls.internode(),
        tls.refreshInterval(), tls.expirationChecks());
    GatehouseConfig config = new GatehouseConfig(new Global(httpTls, jwt), base.listen(), base.upstream(), null,
        Audit.inDirectory(dir.resolve("audit").toString()), null, null, new HttpApi("127.0.0.1:0"), null);
    gatehouse = Gatehouse.builder().withConfig(config)
        .withGate(call -> {
          forwarded.add(call.face().wireName() + " " + call.method().methodName() + " " + call.namespace());
          return GateVerdict.admitted();
        })
        .build().start();
    http = client(pki.caCert());

    String workerToken = bearer("worker", "default:write");
    workerStubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(), pki.clientKey(),
        o -> o.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> workerToken)));
    WorkflowClient client = WorkflowClient.newInstance(workerStubs,
        WorkflowClientOptions.newBuilder().setNamespace("default").build());
    workers = WorkerFactory.newInstance(client);
    var worker = workers.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(SampleWorkflows.GreetingWorkflowImpl.class);
    worker.registerActivitiesImplementations(new SampleWorkflows.GreeterImpl());
    workers.start();
  }

  @AfterAll
  static void stop() {
    if (workers != null) {
      workers.shutdownNow();
    }
    if (workerStubs != null) {
      workerStubs.shutdownNow();
    }
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static String bearer(String subject, String... permissions) throws Exception {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(600))).claim("permissions", List.of(permissions)).build();
    SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
        .type(JOSEObjectType.JWT).build(), claims);
    token.sign(new ECDSASigner(key));
    return "Bearer " + token.serialize();
  }

  static HttpClient client(Path caPem) throws Exception {
    X509Certificate ca;
    try (var in = Files.newInputStream(caPem)) {
      ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  record Answer(int status, JsonNode body, String raw) {}

  static Answer call(String method, String path, String bearer, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + gatehouse.httpApiPort() + path))
        .timeout(Duration.ofSeconds(30));
    if (bearer != null) {
      b.header("Authorization", bearer);
    }
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode tree = r.body().isBlank() ? null : JSON.readTree(r.body());
    return new Answer(r.statusCode(), tree, r.body());
  }

  static String start(String workflowId, String bearer) throws Exception {
    return """
        {"workflowType":{"name":"GreetingWorkflow"},"taskQueue":{"name":"%s"},"input":["ada"],"identity":"curl",
         "requestId":"%s"}
        """.formatted(QUEUE, java.util.UUID.randomUUID());
  }

  @Test
  void curlStartsSignalsQueriesDescribesAndReadsTheHistoryOfAWorkflowTheWorkerRuns() throws Exception {
    String writer = bearer("ops", "default:write");
    Answer started = call("POST", "/api/v1/namespaces/default/workflows/http-1", writer, start("http-1", writer));
    assertThat(started.status()).as(started.raw()).isEqualTo(200);
    String runId = started.body().path("runId").asText();
    assertThat(runId).isNotEmpty();

    Answer again = call("POST", "/api/v1/namespaces/default/workflows/http-1", writer, start("http-1", writer));
    assertThat(again.status()).as(again.raw()).isEqualTo(409);
    assertThat(again.body().path("code").asInt()).isEqualTo(6);
    assertThat(again.body().path("details").get(0).path("runId").asText()).isEqualTo(runId);

    assertThat(call("POST", "/api/v1/namespaces/default/workflows/http-1/signal/add", writer,
        "{\"input\":[\"grace\"]}").status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Answer q = call("POST", "/api/v1/namespaces/default/workflows/http-1/query/pending", writer, "{\"query\":{}}");
      assertThat(q.status()).as(q.raw()).isEqualTo(200);
      assertThat(q.body().path("queryResult")).isEqualTo(JSON.readTree("[1]"));
    });
    assertThat(call("POST", "/namespaces/default/workflows/http-1/signal/finish", writer, "{}").status())
        .isEqualTo(200);

    String reader = bearer("ada", "default:read");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Answer d = call("GET", "/api/v1/namespaces/default/workflows/http-1?execution.runId=" + runId, reader, null);
      assertThat(d.status()).as(d.raw()).isEqualTo(200);
      assertThat(d.body().path("workflowExecutionInfo").path("status").asText())
          .isEqualTo("WORKFLOW_EXECUTION_STATUS_COMPLETED");
    });

    Answer history = call("GET", "/api/v1/namespaces/default/workflows/http-1/history", reader, null);
    assertThat(history.status()).isEqualTo(200);
    JsonNode first = history.body().path("history").path("events").get(0);
    assertThat(first.path("eventType").asText()).isEqualTo("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED");
    assertThat(first.path("workflowExecutionStartedEventAttributes").path("input"))
        .isEqualTo(JSON.readTree("[\"ada\"]"));

    // The close event only, by name, by Temporal's short name and by number; the result in shorthand.
    for (String filter : List.of("HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT", "CloseEvent", "2")) {
      Answer close = call("GET", "/api/v1/namespaces/default/workflows/http-1/history?historyEventFilterType="
          + filter, reader, null);
      assertThat(close.status()).as(close.raw()).isEqualTo(200);
      JsonNode events = close.body().path("history").path("events");
      assertThat(events).hasSize(1);
      assertThat(events.get(0).path("workflowExecutionCompletedEventAttributes").path("result"))
          .isEqualTo(JSON.readTree("[[\"hello ada\",\"hello grace\"]]"));
    }

    Answer standard = call("GET", "/api/v1/namespaces/default/workflows/http-1/history?noPayloadShorthand&pretty",
        reader, null);
    assertThat(standard.raw()).contains("\n  ");
    JsonNode input = standard.body().path("history").path("events").get(0)
        .path("workflowExecutionStartedEventAttributes").path("input").path("payloads").get(0);
    assertThat(new String(Base64.getDecoder().decode(input.path("metadata").path("encoding").asText())))
        .isEqualTo("json/plain");
    assertThat(new String(Base64.getDecoder().decode(input.path("data").asText()))).isEqualTo("\"ada\"");

    assertThat(forwarded).contains("http StartWorkflowExecution default", "http SignalWorkflowExecution default",
        "http QueryWorkflow default", "http DescribeWorkflowExecution default",
        "http GetWorkflowExecutionHistory default");

    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gatehouse.httpPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("gatehouse_http_requests_seconds_count{method=\"StartWorkflowExecution\",status=\"200\"}")
        .contains("gatehouse_http_requests_seconds_count{method=\"StartWorkflowExecution\",status=\"409\"}");

    List<JsonNode> records = auditRecords();
    assertThat(records).anySatisfy(r -> {
      assertThat(r.path("raw_details").path("face").asText()).isEqualTo("http");
      assertThat(r.path("operation").asText()).isEqualTo("StartWorkflowExecution");
      assertThat(r.path("principal").path("id").asText()).isEqualTo("ops");
      assertThat(r.path("raw_details").path("target").path("workflow_id").asText()).isEqualTo("http-1");
    });
  }

  @Test
  void refusedCallsGetTheRightStatusAndNeverReachTheUpstream() throws Exception {
    Answer anonymous = call("POST", "/api/v1/namespaces/default/workflows/denied-anon", null,
        start("denied-anon", null));
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.body().path("code").asInt()).isEqualTo(16);

    Answer elsewhere = call("GET", "/api/v1/namespaces/default/workflows/http-1", bearer("eve", "payments:admin"),
        null);
    assertThat(elsewhere.status()).isEqualTo(403);
    assertThat(elsewhere.body().path("code").asInt()).isEqualTo(7);

    Answer readerWrites = call("POST", "/api/v1/namespaces/default/workflows/denied-reader",
        bearer("ada", "default:read"), start("denied-reader", null));
    assertThat(readerWrites.status()).isEqualTo(403);

    Answer disagree = call("POST", "/api/v1/namespaces/default/workflows/denied-mixed",
        bearer("ops", "default:write"),
        "{\"namespace\":\"payments\",\"workflowType\":{\"name\":\"GreetingWorkflow\"},\"taskQueue\":{\"name\":\"q\"}}");
    assertThat(disagree.status()).isEqualTo(400);
    assertThat(disagree.body().path("message").asText()).contains("namespace");

    assertThat(forwarded).noneMatch(f -> f.contains("payments")).allMatch(f -> !f.contains("denied"));
    assertThat(forwarded.stream().filter(f -> f.startsWith("http StartWorkflowExecution")).count()).isLessThan(3);
    for (String id : List.of("denied-anon", "denied-reader", "denied-mixed")) {
      WorkflowServiceStubs direct = DevCluster.stubs(upstream.port(), pki.caCert(), pki.internodeCert(),
          pki.internodeKey());
      try {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> direct.blockingStub().describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                    .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build()))
            .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("NOT_FOUND");
      } finally {
        direct.shutdownNow();
      }
    }

    List<JsonNode> denials = new ArrayList<>();
    for (JsonNode r : auditRecords()) {
      if (r.path("raw_details").path("face").asText().equals("http")
          && r.path("raw_details").path("decision").asText().equals("deny")) {
        denials.add(r);
      }
    }
    assertThat(denials).anySatisfy(r -> assertThat(r.path("principal").path("id").asText()).isEqualTo("eve"));
    assertThat(denials).anySatisfy(r -> assertThat(r.path("principal").path("id").asText()).isEqualTo("ada"));
  }

  @Test
  void anActivityTaskTokenOfAnotherNamespaceIsRefusedAsOnTheDataPlane() throws Exception {
    WorkflowServiceStubs direct = DevCluster.stubs(upstream.port(), pki.caCert(), pki.internodeCert(),
        pki.internodeKey());
    ByteString token;
    try {
      var stub = direct.blockingStub();
      stub.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("ns-b")
          .setWorkflowId("payroll-http").setRequestId(java.util.UUID.randomUUID().toString())
          .setWorkflowType(WorkflowType.newBuilder().setName("Payroll"))
          .setTaskQueue(TaskQueue.newBuilder().setName("payroll-http")).build());
      PollWorkflowTaskQueueResponse wft = stub.pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest.newBuilder()
          .setNamespace("ns-b").setIdentity("ns-b-worker").setTaskQueue(TaskQueue.newBuilder().setName("payroll-http"))
          .build());
      stub.respondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest.newBuilder().setNamespace("ns-b")
          .setTaskToken(wft.getTaskToken()).setIdentity("ns-b-worker")
          .addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
              .setScheduleActivityTaskCommandAttributes(ScheduleActivityTaskCommandAttributes.newBuilder()
                  .setActivityId("pay").setActivityType(ActivityType.newBuilder().setName("Pay"))
                  .setTaskQueue(TaskQueue.newBuilder().setName("payroll-http-acts"))
                  .setStartToCloseTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(300)))).build());
      token = stub.pollActivityTaskQueue(PollActivityTaskQueueRequest.newBuilder().setNamespace("ns-b")
          .setIdentity("ns-b-worker").setTaskQueue(TaskQueue.newBuilder().setName("payroll-http-acts")).build())
          .getTaskToken();
    } finally {
      direct.shutdownNow();
    }
    assertThat(token.isEmpty()).isFalse();
    String writer = bearer("mallory", "default:write");
    Answer completed = call("POST", "/api/v1/namespaces/default/activity-complete", writer,
        "{\"taskToken\":\"" + Base64.getEncoder().encodeToString(token.toByteArray()) + "\",\"identity\":\"x\"}");
    assertThat(completed.status()).as(completed.raw()).isEqualTo(400);
    assertThat(completed.body().path("message").asText()).contains("token from a different namespace");
    Answer garbage = call("POST", "/api/v1/namespaces/default/activity-complete", writer,
        "{\"taskToken\":\"" + Base64.getEncoder().encodeToString("\u0001garbage".getBytes()) + "\"}");
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(forwarded).noneMatch(f -> f.startsWith("http RespondActivityTaskCompleted"));
  }

  @Test
  void badInputIsAnsweredInJsonWithoutTraces() throws Exception {
    String writer = bearer("ops", "default:write");
    Answer unknown = call("GET", "/api/v1/nothing-here", writer, null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().path("code").asInt()).isEqualTo(5);
    Answer wrongMethod = call("DELETE", "/api/v1/namespaces/default/workflows/x", writer, null);
    assertThat(wrongMethod.status()).isEqualTo(405);
    Answer malformed = call("POST", "/api/v1/namespaces/default/workflows/x", writer, "{\"workflowType\":");
    assertThat(malformed.status()).isEqualTo(400);
    Answer unknownField = call("POST", "/api/v1/namespaces/default/workflows/x", writer, "{\"nope\":1}");
    assertThat(unknownField.status()).isEqualTo(400);
    Answer wrongType = call("POST", "/api/v1/namespaces/default/workflows/x", writer, "{\"workflowType\":7}");
    assertThat(wrongType.status()).isEqualTo(400);
    Answer badEnum = call("GET", "/api/v1/namespaces/default/workflows/x/history?historyEventFilterType=SOMETIMES",
        writer, null);
    assertThat(badEnum.status()).isEqualTo(400);
    assertThat(badEnum.body().path("message").asText()).contains("historyEventFilterType");
    Answer unknownParam = call("GET", "/api/v1/namespaces/default/workflows/x?execution.runID=1", writer, null);
    assertThat(unknownParam.status()).isEqualTo(400);
    Answer twice = call("GET", "/api/v1/namespaces/default/workflows/x?execution.runId=1&execution.runId=2", writer,
        null);
    assertThat(twice.status()).isEqualTo(400);
    for (Answer a : List.of(unknown, wrongMethod, malformed, unknownField, wrongType, badEnum, unknownParam, twice)) {
      assertThat(a.raw()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("<html");
    }
    assertThat(forwarded).noneMatch(f -> f.contains(" x") || f.endsWith("x"));
  }

  @Test
  void aBodyOverTheLimitIsRefusedOnItsDeclaredSizeBeforeAnyOfItIsRead() throws Exception {
    // Headers only: the 5 MiB the request declares are never sent, and need not be.
    String head = "POST /api/v1/namespaces/default/workflows/huge HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + (5 * 1024 * 1024) + "\r\n\r\n";
    String answer = rawExchange(head);
    assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":8").doesNotContain("Exception");
    // A body that grows past the limit without declaring its size is cut off as it arrives (chunked).
    String chunked = "POST /api/v1/namespaces/default/workflows/huge HTTP/1.1\r\nHost: localhost\r\n"
        + "Authorization: " + bearer("ops", "default:write") + "\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n";
    StringBuilder body = new StringBuilder(chunked);
    String chunk = "a".repeat(64 * 1024);
    for (int i = 0; i < 70; i++) {
      body.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
    }
    assertThat(rawExchange(body.toString())).startsWith("HTTP/1.1 413");
    assertThat(forwarded).noneMatch(f -> f.contains("huge"));
  }

  @Test
  void malformedPathsAreAnsweredInJsonByTheListener() throws Exception {
    for (String path : List.of("/api/v1/namespaces/default/workflows/%zz",
        "/api/v1/namespaces/default/workflows/a%C3%28b", "/api/v1/namespaces/default/workflows/a%00b")) {
      String answer = rawExchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      assertThat(answer).as(path).startsWith("HTTP/1.1 400").contains("application/json").contains("\"code\":3")
          .doesNotContain("Exception").doesNotContain("<html").doesNotContain("Jetty(");
    }
  }

  /** Sends {@code request} as is over TLS and returns what came back before the server closed or went quiet. */
  static String rawExchange(String request) throws Exception {
    X509Certificate ca;
    try (var in = Files.newInputStream(pki.caCert())) {
      ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) ssl.getSocketFactory()
        .createSocket("localhost", gatehouse.httpApiPort())) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      try {
        out.write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
      } catch (java.io.IOException closedWhileSending) {
        // The server answered and closed before the whole request was sent: read what it said.
      }
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = socket.getInputStream().read(buf)) > 0) {
          got.write(buf, 0, n);
          String s = got.toString(java.nio.charset.StandardCharsets.UTF_8);
          if (s.contains("\r\n\r\n") && s.substring(s.indexOf("\r\n\r\n")).contains("}")) {
            break;
          }
        }
      } catch (java.io.IOException e) {
        // Connection closed after the answer.
      }
      return got.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  static List<JsonNode> auditRecords() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (var files = Files.list(dir.resolve("audit"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(f)) {
          // Segments are preallocated: what follows the last record is zeros.
          String record = line.replace("\0", "").strip();
          if (!record.isEmpty()) {
            out.add(JSON.readTree(record));
          }
        }
      }
    }
    return out;
  }
}
