package dev.gatehouse.audit;

import static dev.gatehouse.audit.AuditFixtures.allowed;
import static dev.gatehouse.audit.AuditFixtures.broker;
import static dev.gatehouse.audit.AuditFixtures.closed;
import static dev.gatehouse.audit.AuditFixtures.denied;
import static dev.gatehouse.audit.AuditFixtures.fileSink;
import static dev.gatehouse.audit.AuditFixtures.keys;
import static dev.gatehouse.audit.AuditFixtures.records;
import static dev.gatehouse.audit.AuditFixtures.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditBrokerTest {
  @TempDir Path dir;

  static byte[] startRequest(String payload) {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace("orders")
        .setWorkflowId("order-7")
        .setWorkflowType(WorkflowType.newBuilder().setName("ShipOrder"))
        .setTaskQueue(TaskQueue.newBuilder().setName("shipping"))
        .setInput(Payloads.newBuilder().addPayloads(Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
            .setData(ByteString.copyFromUtf8(payload))))
        .build().toByteArray();
  }

  @Test
  void decisionAndCompletionRecordsMirrorCloudsLogRecordAndChainWithoutSecrets() throws Exception {
    AuditKeys keys = keys(dir);
    AuditEvent call = allowed("StartWorkflowExecution", "orders", startRequest("{\"card\":\"4111-1111\"}"));
    try (AuditBroker b = broker(List.of(fileSink(dir, keys)), keys).build()) {
      b.start();
      b.decided(call).toCompletableFuture().get(10, TimeUnit.SECONDS);
      b.completed(closed(call, "OK"));
      b.decided(denied("TerminateWorkflowExecution", "billing")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    List<JsonNode> rs = records(dir);
    assertThat(rs).extracting(r -> r.path("raw_details").path("kind").asText())
        .containsExactly("start", "decision", "completion", "decision");
    JsonNode decision = rs.get(1);
    assertThat(decision.fieldNames()).toIterable().containsExactly("version", "log_id", "emit_time", "operation",
        "status", "principal", "x_forwarded_for", "raw_details");
    assertThat(decision.path("log_id").asText()).isEqualTo(call.callId());
    assertThat(decision.path("operation").asText()).isEqualTo("StartWorkflowExecution");
    assertThat(decision.path("status").asText()).isEqualTo("OK");
    assertThat(decision.path("principal").path("id").asText()).isEqualTo("worker-1");
    assertThat(decision.path("x_forwarded_for").asText()).isEqualTo("127.0.0.1");
    JsonNode d = decision.path("raw_details");
    assertThat(d.path("api").asText()).isEqualTo("/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution");
    assertThat(d.path("face").asText()).isEqualTo("grpc");
    assertThat(d.path("namespace").asText()).isEqualTo("orders");
    assertThat(d.path("decision").asText()).isEqualTo("allow");
    assertThat(d.path("target").path("workflow_id").asText()).isEqualTo("order-7");
    assertThat(d.path("target").path("task_queue").asText()).isEqualTo("shipping");
    assertThat(d.path("target").path("workflow_type").asText()).isEqualTo("ShipOrder");
    assertThat(d.path("token_jti").asText()).isEqualTo("token-42");
    assertThat(d.path("node").asText()).isEqualTo("n1");
    assertThat(d.path("seq").asLong()).isEqualTo(2);
    JsonNode completion = rs.get(2).path("raw_details");
    assertThat(completion.path("call_id").asText()).isEqualTo(call.callId());
    assertThat(completion.path("latency_us").asLong()).isEqualTo(1500);
    assertThat(completion.path("response_bytes").asLong()).isEqualTo(321);
    JsonNode refusal = rs.get(3);
    assertThat(refusal.path("status").asText()).isEqualTo("PERMISSION_DENIED");
    assertThat(refusal.path("raw_details").path("reason_code").asText()).isEqualTo("permission_denied");

    String all = Files.readString(SegmentFiles.segments(dir).get(0).path());
    assertThat(all).doesNotContain("4111", "eyJhbGciOi", "secret.token", "secret-looking", "json/plain");
    assertThat(verify(dir, keys).findings()).isEmpty();
  }

  @Test
  void theOtherNamespacesACallReachesIntoAreNamed() throws Exception {
    AuditKeys keys = keys(dir);
    byte[] request = io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest.newBuilder()
        .setNamespace("orders")
        .addCommands(io.temporal.api.command.v1.Command.newBuilder().setStartChildWorkflowExecutionCommandAttributes(
            io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes.newBuilder()
                .setNamespace("billing").setWorkflowId("invoice-1")))
        .build().toByteArray();
    try (AuditBroker b = broker(List.of(fileSink(dir, keys)), keys).build()) {
      b.start();
      b.decided(allowed("RespondWorkflowTaskCompleted", "orders", request)).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    JsonNode target = records(dir).get(1).path("raw_details").path("target");
    assertThat(target.path("other_namespaces")).extracting(JsonNode::asText).containsExactly("billing");
    assertThat(target.has("workflow_id")).as("a child's id is not the call's target").isFalse();
  }

  @Test
  void atRequestLevelEachPayloadIsItsSizeAndSaltedHmacSoAKnownValueCanBeMatched() throws Exception {
    AuditKeys keys = keys(dir);
    byte[] request = startRequest("{\"card\":\"4111-1111\"}");
    AuditPolicy policy = AuditPolicy.of(List.of(AuditRule.all(AuditLevel.REQUEST)));
    try (AuditBroker b = broker(List.of(fileSink(dir, keys)), keys).policy(policy).build()) {
      b.start();
      b.decided(allowed("StartWorkflowExecution", "orders", request)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    JsonNode recorded = records(dir).get(1).path("raw_details").path("request");
    assertThat(recorded.path("workflowId").asText()).isEqualTo("order-7");
    JsonNode payload = recorded.path("input").path("payloads").get(0);
    Payload original = StartWorkflowExecutionRequest.parseFrom(request).getInput().getPayloads(0);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(keys.salt(), "HmacSHA256"));
    assertThat(payload.path("size").asInt()).isEqualTo(original.getSerializedSize());
    assertThat(payload.path("hmac_sha256").asText())
        .isEqualTo(HexFormat.of().formatHex(mac.doFinal(original.toByteArray())));
    assertThat(recorded.toString()).doesNotContain("4111", "json/plain");
  }

  @Test
  void blockingModeCompletesOnlyOnceTheRecordIsDurable() throws Exception {
    AuditKeys keys = keys(dir);
    CountDownLatch release = new CountDownLatch(1);
    GatedSink gated = new GatedSink(fileSink(dir, keys), release);
    try (AuditBroker b = broker(List.of(gated), keys).build()) {
      b.start();
      CompletableFuture<Void> stage =
          b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture();
      assertThat(gated.entered.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(stage).isNotDone();
      release.countDown();
      stage.get(10, TimeUnit.SECONDS);
      assertThat(gated.written).isTrue();
    }
  }

  @Test
  void whenNoSinkCanRecordTheCallIsRefusedAndServiceResumesWhenASinkRecovers() throws Exception {
    AuditKeys keys = keys(dir);
    FlakySink flaky = new FlakySink(fileSink(dir, keys));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (AuditBroker b = broker(List.of(flaky), keys).meterRegistry(meters).build()) {
      b.start();
      flaky.failing.set(true);
      CompletableFuture<Void> refused =
          b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture();
      assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(AuditUnavailableException.class);
      assertThat(meters.counter("gatehouse_audit_unavailable_total").count()).isEqualTo(1);
      assertThat(meters.counter("gatehouse_audit_sink_failures_total", "sink", "flaky").count()).isPositive();
      flaky.failing.set(false);
      b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    List<JsonNode> rs = records(dir);
    assertThat(rs).extracting(r -> r.path("raw_details").path("kind").asText()).contains("gap");
    JsonNode gap = rs.stream().filter(r -> r.path("raw_details").path("kind").asText().equals("gap")).findFirst()
        .orElseThrow();
    assertThat(gap.path("raw_details").path("count").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(meters.summary("gatehouse_audit_batch_records").totalAmount())
        .as("group commit's yield counts every record written and none of the batch no sink took")
        .isEqualTo(rs.size());
    AuditVerifier.Report report = verify(dir, keys);
    assertThat(report.findings()).extracting(AuditVerifier.Finding::kind).containsExactly("gap");
  }

  @Test
  void closeWritesWhatIsQueuedAndStopsTheWriterWhateverWasQueued() throws Exception {
    for (int queued = 0; queued < 3; queued++) {
      Path d = dir.resolve("close-" + queued);
      AuditKeys keys = keys(d);
      AuditBroker b = broker(List.of(fileSink(d, keys)), keys).build();
      b.start();
      for (int i = 0; i < queued; i++) {
        b.completed(closed(allowed("SignalWorkflowExecution", "orders", new byte[0]), "OK"));
      }
      b.close();
      assertThat(b.writing()).isFalse();
      assertThat(records(d)).hasSize(1 + queued);
      assertThat(verify(d, keys).findings()).isEmpty();
    }
  }

  @Test
  void oneConfirmingSinkIsEnough() throws Exception {
    AuditKeys keys = keys(dir);
    FlakySink broken = new FlakySink(new StdoutSink(new java.io.ByteArrayOutputStream()));
    broken.failing.set(true);
    try (AuditBroker b = broker(List.of(broken, fileSink(dir, keys)), keys).build()) {
      b.start();
      b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    assertThat(records(dir)).hasSize(2);
  }

  @Test
  void bufferedModeDoesNotWaitCountsDropsAndPutsAGapInTheChainButRefusalsWait() throws Exception {
    AuditKeys keys = keys(dir);
    CountDownLatch release = new CountDownLatch(1);
    GatedSink gated = new GatedSink(fileSink(dir, keys), release);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (AuditBroker b = broker(List.of(gated), keys).mode(AuditMode.BUFFERED).queueCapacity(2)
        .meterRegistry(meters).build()) {
      b.start();
      assertThat(gated.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds the start record
      List<CompletableFuture<Void>> stages = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        stages.add(b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture());
      }
      assertThat(stages).allMatch(CompletableFuture::isDone);
      assertThat(meters.counter("gatehouse_audit_dropped_total").count()).isEqualTo(3);
      release.countDown();
    }
    AuditVerifier.Report report = verify(dir, keys);
    assertThat(report.findings()).extracting(AuditVerifier.Finding::kind).containsExactly("gap");
    assertThat(report.findings().get(0).message()).startsWith("3 audit records were not written");

    Path other = dir.resolve("refusals");
    AuditKeys k2 = keys(other);
    CountDownLatch hold = new CountDownLatch(1);
    GatedSink g2 = new GatedSink(fileSink(other, k2), hold);
    try (AuditBroker b = broker(List.of(g2), k2).mode(AuditMode.BUFFERED).build()) {
      b.start();
      CompletableFuture<Void> refusal = b.decided(denied("SignalWorkflowExecution", "orders")).toCompletableFuture();
      assertThat(refusal).isNotDone();
      hold.countDown();
      refusal.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void thePolicySamplesLongPollsButNeverARefusal() throws Exception {
    AuditPolicy policy = AuditPolicy.defaults(1_000_000);
    int recorded = 0;
    for (int i = 0; i < 200; i++) {
      if (policy.levelOf(allowed("PollWorkflowTaskQueue", "orders", new byte[0])) != AuditLevel.NONE) {
        recorded++;
      }
      assertThat(policy.levelOf(denied("PollWorkflowTaskQueue", "orders"))).isEqualTo(AuditLevel.METADATA);
    }
    assertThat(recorded).isLessThan(5);
    assertThat(policy.levelOf(allowed("StartWorkflowExecution", "orders", new byte[0])))
        .isEqualTo(AuditLevel.METADATA);
    AuditEvent poll = allowed("PollActivityTaskQueue", "orders", new byte[0]);
    assertThat(policy.levelOf(poll)).as("a call's completion is kept or skipped with its decision")
        .isEqualTo(policy.levelOf(closed(poll, "OK")));
  }

  @Test
  void theFirstMatchingRuleWinsAndNoneNeverSilencesARefusal() {
    AuditPolicy policy = AuditPolicy.of(List.of(
        new AuditRule(List.of("Describe*"), null, List.of("dev-*"), null, null, AuditLevel.NONE, 1),
        new AuditRule(null, null, null, null, List.of("write"), AuditLevel.REQUEST, 1),
        AuditRule.all(AuditLevel.METADATA)));
    assertThat(policy.levelOf(allowed("DescribeWorkflowExecution", "dev-1", new byte[0]))).isEqualTo(AuditLevel.NONE);
    assertThat(policy.levelOf(denied("DescribeWorkflowExecution", "dev-1"))).isEqualTo(AuditLevel.METADATA);
    assertThat(policy.levelOf(allowed("DescribeWorkflowExecution", "prod", new byte[0])))
        .isEqualTo(AuditLevel.METADATA);
    assertThat(policy.levelOf(allowed("SignalWorkflowExecution", "prod", new byte[0]))).isEqualTo(AuditLevel.REQUEST);
    assertThatThrownBy(() -> new AuditRule(null, List.of("smtp"), null, null, null, AuditLevel.NONE, 1))
        .hasMessageContaining("face");
  }

  /** Holds the first batch until released. */
  static final class GatedSink implements AuditSink {
    final AuditSink inner;
    final CountDownLatch release;
    final CountDownLatch entered = new CountDownLatch(1);
    volatile boolean written;

    GatedSink(AuditSink inner, CountDownLatch release) {
      this.inner = inner;
      this.release = release;
    }

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public void write(List<AuditEntry> batch) throws IOException {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      inner.write(batch);
      written = true;
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  /** Fails while told to, like a sink whose disk is full. */
  static final class FlakySink implements AuditSink {
    final AuditSink inner;
    final AtomicBoolean failing = new AtomicBoolean();

    FlakySink(AuditSink inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return "flaky";
    }

    @Override
    public void write(List<AuditEntry> batch) throws IOException {
      if (failing.get()) {
        throw new IOException("No space left on device");
      }
      inner.write(batch);
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
