package dev.gatehouse.codecserver;

import static dev.gatehouse.codecserver.CodecFixtures.data;
import static dev.gatehouse.codecserver.CodecFixtures.encoding;
import static dev.gatehouse.codecserver.CodecFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.DevCluster;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.cli.Main;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.e2e.SampleWorkflows;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.grpc.StatusRuntimeException;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.WorkerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client-side encryption end to end: an SDK worker with {@link EncryptionCodec} runs workflows through the gateway
 * (mTLS on both legs, JWT authorization); the upstream's history holds only ciphertext; the codec server Gatehouse
 * runs alongside hands the plaintext back to an authorized Web UI request and to nobody else.
 */
class CodecEndToEndTest {
  static final String SECRET_NAME = "ada-lovelace-7f3a";
  static final String SIGNALLED_NAME = "grace-hopper-91c2";
  static final String UI_ORIGIN = "http://localhost:8233";

  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;
  static CodecFixtures.Signer signer;
  static Path keyring;
  static HttpClient browser;
  static History history;

  @BeforeAll
  static void runAnEncryptedWorkflow() throws Exception {
    pki = DevPki.ensure(dir.resolve("pki"));
    signer = CodecFixtures.Signer.create(dir);
    keyring = dir.resolve("codec-keyring.properties");
    KeyringFiles.create(keyring, null);
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    GatehouseConfig base = DevCluster.config(pki, upstream.port(), "localhost");
    ServerTls codecTls = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null, null,
        null, false);
    gatehouse = Gatehouse.builder().withConfig(new GatehouseConfig(
        new Global(base.global().tls(), signer.authorization()), base.listen(), base.upstream(),
        new CodecServer("127.0.0.1:0", codecTls, List.of(UI_ORIGIN), false, null, keyring.toString(), null),
        Audit.inDirectory(dir.resolve("audit").toString())))
        .build().start();
    browser = CodecFixtures.client(CodecFixtures.certificate(pki.caCert()), null);

    // The worker: the gatehouse-codec snippet, nothing else changes.
    EncryptionCodec codec = EncryptionCodec.builder().keyring(Keyring.fromFile(keyring))
        .defaultNamespace("default").build();
    DataConverter converter = new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec));
    String workerToken = signer.bearer("worker", "default:write");
    WorkflowServiceStubs stubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(),
        pki.clientKey(), o -> o.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> workerToken)));
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs,
          WorkflowClientOptions.newBuilder().setNamespace("default").setDataConverter(converter).build());
      WorkerFactory factory = WorkerFactory.newInstance(client);
      var worker = factory.newWorker("encrypted");
      worker.registerWorkflowImplementationTypes(SampleWorkflows.GreetingWorkflowImpl.class);
      worker.registerActivitiesImplementations(new SampleWorkflows.GreeterImpl());
      factory.start();
      SampleWorkflows.GreetingWorkflow wf = client.newWorkflowStub(SampleWorkflows.GreetingWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue("encrypted").setWorkflowId("encrypted-1").build());
      WorkflowClient.start(wf::run, SECRET_NAME);
      wf.add(SIGNALLED_NAME);
      await().atMost(Duration.ofSeconds(30)).until(() -> wf.pending() == 1);
      wf.finish();
      @SuppressWarnings("unchecked")
      List<Object> result = WorkflowStub.fromTyped(wf).getResult(List.class);
      assertThat(result).containsExactly("hello " + SECRET_NAME, "hello " + SIGNALLED_NAME);
      factory.shutdownNow();
    } finally {
      stubs.shutdownNow();
    }

    // What the Temporal Service stored, read straight from the upstream with Gatehouse's internode identity and
    // a plain SDK client: no codec.
    WorkflowServiceStubs direct = DevCluster.stubs(upstream.port(), pki.caCert(), pki.internodeCert(),
        pki.internodeKey());
    try {
      history = direct.blockingStub().getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
          .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId("encrypted-1"))
          .build()).getHistory();
    } finally {
      direct.shutdownNow();
    }
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

  /** Every payload the history holds: inputs, activity inputs and results, signals, the workflow's result. */
  static List<Payload> payloads(History h) {
    List<Payload> out = new ArrayList<>();
    for (HistoryEvent e : h.getEventsList()) {
      List<Payloads> in = switch (e.getEventType()) {
        case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED ->
            List.of(e.getWorkflowExecutionStartedEventAttributes().getInput());
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> List.of(e.getActivityTaskScheduledEventAttributes().getInput());
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> List.of(e.getActivityTaskCompletedEventAttributes().getResult());
        case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED ->
            List.of(e.getWorkflowExecutionSignaledEventAttributes().getInput());
        case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED ->
            List.of(e.getWorkflowExecutionCompletedEventAttributes().getResult());
        default -> List.of();
      };
      in.forEach(p -> out.addAll(p.getPayloadsList()));
    }
    return out;
  }

  static Payload workflowResult() {
    return history.getEventsList().stream()
        .filter(e -> e.hasWorkflowExecutionCompletedEventAttributes())
        .findFirst().orElseThrow().getWorkflowExecutionCompletedEventAttributes().getResult().getPayloads(0);
  }

  static HttpResponse<String> fromTheWebUi(String path, String namespace, String bearer, List<Payload> payloads)
      throws Exception {
    return post(browser, gatehouse.codecEndpoint().resolve(path), namespace, bearer, PayloadsJson.print(payloads),
        Map.of("Origin", UI_ORIGIN));
  }

  @Test
  void theUpstreamStoresOnlyCiphertext() {
    List<Payload> stored = payloads(history);
    // the input, two activities' inputs and results, the signal and the result
    assertThat(stored).hasSizeGreaterThanOrEqualTo(7);
    assertThat(stored).allSatisfy(p -> {
      assertThat(encoding(p)).isEqualTo("binary/encrypted");
      assertThat(p.getMetadataOrThrow("encryption-cipher").toStringUtf8()).isEqualTo("gatehouse/AES-256-GCM/v1");
    });
    String everything = history.toByteString().toString(StandardCharsets.ISO_8859_1);
    assertThat(everything).doesNotContain(SECRET_NAME).doesNotContain(SIGNALLED_NAME).doesNotContain("hello");
  }

  @Test
  void everyCallIsInTheAuditLogDenialsIncludedAndAuditSearchReadsItBack() throws Exception {
    String malloryToken = signer.bearer("mallory", "payments:admin");
    assertThat(fromTheWebUi("/decode", "default", malloryToken, List.of(workflowResult())).statusCode())
        .isEqualTo(403);
    assertThat(fromTheWebUi("/decode", "default", signer.bearer("ada", "default:read"), List.of(workflowResult()))
        .statusCode()).isEqualTo(200);
    String workerToken = signer.bearer("worker", "default:write");
    WorkflowServiceStubs stubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(),
        pki.clientKey(), o -> o.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> workerToken)));
    try {
      assertThatThrownBy(() -> stubs.blockingStub().describeNamespace(
          DescribeNamespaceRequest.newBuilder().setNamespace("payments").build()))
          .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("PERMISSION_DENIED");
    } finally {
      stubs.shutdownNow();
    }
    // Decision records are durable before a call goes on (blocking mode), so they are all on disk now.
    Path audit = dir.resolve("audit");
    List<JsonNode> starts = search(audit, "--api", "StartWorkflowExecution");
    assertThat(starts).anySatisfy(r -> {
      assertThat(r.path("principal").path("id").asText()).isEqualTo("worker");
      assertThat(r.path("raw_details").path("decision").asText()).isEqualTo("allow");
      assertThat(r.path("raw_details").path("face").asText()).isEqualTo("grpc");
      assertThat(r.path("raw_details").path("target").path("workflow_id").asText()).isEqualTo("encrypted-1");
      assertThat(r.path("raw_details").path("target").path("task_queue").asText()).isEqualTo("encrypted");
    });
    assertThat(search(audit, "--api", "Poll*TaskQueue")).as("long polls sampled 1 in 100").hasSizeLessThan(20);
    List<JsonNode> denials = search(audit, "--decision", "deny");
    assertThat(denials).anySatisfy(r -> {
      assertThat(r.path("raw_details").path("face").asText()).isEqualTo("codec");
      assertThat(r.path("operation").asText()).isEqualTo("decode");
      assertThat(r.path("raw_details").path("checked_as").asText()).isEqualTo("GetWorkflowExecutionHistory");
      assertThat(r.path("principal").path("id").asText()).isEqualTo("mallory");
      assertThat(r.path("status").asText()).isEqualTo("PERMISSION_DENIED");
    });
    assertThat(denials).anySatisfy(r -> {
      assertThat(r.path("raw_details").path("face").asText()).isEqualTo("grpc");
      assertThat(r.path("operation").asText()).isEqualTo("DescribeNamespace");
      assertThat(r.path("raw_details").path("namespace").asText()).isEqualTo("payments");
    });
    assertThat(search(audit, "--principal", "ada", "--decision", "allow"))
        .anySatisfy(r -> assertThat(r.path("raw_details").path("face").asText()).isEqualTo("codec"));

    StringBuilder everything = new StringBuilder();
    try (var files = java.nio.file.Files.list(audit)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        everything.append(java.nio.file.Files.readString(f));
      }
    }
    assertThat(everything.toString()).doesNotContain(SECRET_NAME, SIGNALLED_NAME, workerToken.substring(7),
        malloryToken.substring(7));
    assertThat(cli("audit", "verify", audit.toString()).code()).isZero();
  }

  record CliRun(int code, String out) {}

  static CliRun cli(String... args) {
    java.io.PrintStream original = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      return new CliRun(Main.run(args), out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(original);
    }
  }

  static List<JsonNode> search(Path audit, String... filters) throws Exception {
    List<String> args = new ArrayList<>(List.of("audit", "search", audit.toString(), "--json"));
    args.addAll(List.of(filters));
    CliRun run = cli(args.toArray(String[]::new));
    assertThat(run.code()).isZero();
    List<JsonNode> out = new ArrayList<>();
    // Only the records: a log line another thread writes meanwhile also lands on the captured System.out (the test
    // logger's console appender writes to whatever System.out is).
    for (String line : run.out().lines().filter(l -> l.startsWith("{")).toList()) {
      out.add(new ObjectMapper().readTree(line));
    }
    return out;
  }

  @Test
  void theCodecServerDecodesHistoryForAnAuthorizedWebUiUser() throws Exception {
    List<Payload> stored = payloads(history);
    HttpResponse<String> r = fromTheWebUi("/decode", "default", signer.bearer("ada", "default:read"), stored);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
    List<Payload> decoded = PayloadsJson.parse(r.body());
    assertThat(decoded).hasSize(stored.size());
    assertThat(decoded).allSatisfy(p -> assertThat(encoding(p)).isEqualTo("json/plain"));
    assertThat(decoded).extracting(CodecFixtures::data).contains("\"" + SECRET_NAME + "\"",
        "\"" + SIGNALLED_NAME + "\"", "[\"hello " + SECRET_NAME + "\",\"hello " + SIGNALLED_NAME + "\"]");
  }

  @Test
  void theCliTemplateWithThePathNamespaceWorksToo() throws Exception {
    HttpResponse<String> r = post(browser, gatehouse.codecEndpoint().resolve("/default/decode"), "default",
        signer.bearer("ada", "default:read"), PayloadsJson.print(List.of(workflowResult())), Map.of());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(data(PayloadsJson.parse(r.body()).get(0))).contains("hello " + SECRET_NAME);
  }

  @Test
  void aCallerFromAnotherNamespaceIsForbidden() throws Exception {
    HttpResponse<String> r = fromTheWebUi("/decode", "default", signer.bearer("mallory", "payments:admin"),
        List.of(workflowResult()));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).doesNotContain(SECRET_NAME);

    // Naming its own namespace does not help: the payload is bound to "default".
    HttpResponse<String> own = fromTheWebUi("/decode", "payments", signer.bearer("mallory", "payments:admin"),
        List.of(workflowResult()));
    assertThat(own.statusCode()).isEqualTo(400);
    assertThat(own.body()).isEqualTo("payload could not be decoded\n");
  }

  @Test
  void anUnauthenticatedCallerIsRefused() throws Exception {
    HttpResponse<String> r = fromTheWebUi("/decode", "default", null, List.of(workflowResult()));
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).doesNotContain(SECRET_NAME);
  }

  @Test
  void aReaderMayNotEncodeAndAWriterMay() throws Exception {
    List<Payload> input = List.of(CodecFixtures.json("\"typed into the ui\""));
    assertThat(fromTheWebUi("/encode", "default", signer.bearer("ada", "default:read"), input).statusCode())
        .isEqualTo(403);
    HttpResponse<String> w = fromTheWebUi("/encode", "default", signer.bearer("ada", "default:write"), input);
    assertThat(w.statusCode()).isEqualTo(200);
    Payload encrypted = PayloadsJson.parse(w.body()).get(0);
    assertThat(encoding(encrypted)).isEqualTo("binary/encrypted");
    EncryptionCodec worker = EncryptionCodec.builder().keyring(Keyring.fromFile(keyring)).defaultNamespace("default")
        .build();
    assertThat(data(worker.decode(List.of(encrypted)).get(0))).isEqualTo("\"typed into the ui\"");
  }

  @Test
  void aPreflightFromTheWebUiSucceedsAndMetricsAreExported() throws Exception {
    HttpResponse<String> pre = browser.send(HttpRequest.newBuilder(gatehouse.codecEndpoint().resolve("/decode"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", UI_ORIGIN)
        .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(pre.statusCode()).isEqualTo(204);
    fromTheWebUi("/decode", "default", signer.bearer("ada", "default:read"), List.of(workflowResult()));
    HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gatehouse.httpPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("gatehouse_codec_requests_total{route=\"decode\",status=\"200\"}")
        .contains("gatehouse_codec_payloads_total{route=\"decode\"}")
        .contains("gatehouse_codec_requests_total{route=\"preflight\",status=\"204\"}")
        .doesNotContain(SECRET_NAME);
    assertThat(gatehouse.codecPort()).isPositive();
  }
}
