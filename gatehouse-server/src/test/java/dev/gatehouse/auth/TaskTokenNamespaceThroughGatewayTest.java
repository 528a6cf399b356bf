package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.gatehouse.DevCluster;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.e2e.SampleWorkflows;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.operatorservice.v1.DeleteNamespaceRequest;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 2 for task tokens and namespace ids, through the real gateway in front of the embedded test server,
 * which acts on a token's namespace whatever the request names: a caller allowed only in ns-a cannot complete
 * ns-b's tasks with ns-b's tokens, and cannot smuggle ns-b's id beside ns-a's name.
 */
class TaskTokenNamespaceThroughGatewayTest {
  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;
  static JwksServer jwks;
  static final TestKeys.SigningKey KEY = TestKeys.rsa("kid-1");

  @BeforeAll
  static void start() throws Exception {
    jwks = new JwksServer();
    jwks.body.set(TestKeys.jwks(KEY));
    pki = DevPki.ensure(dir.resolve("pki"));
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    GatehouseConfig base = DevCluster.config(pki, upstream.port(), "localhost");
    Authorization auth = new Authorization(new JwtKeyProvider(List.of(jwks.uri()), Duration.ofMinutes(5)),
        null, null, "default", "default", null, null, null);
    gatehouse = Gatehouse.builder()
        .withConfig(new GatehouseConfig(new Global(base.global().tls(), auth), base.listen(), base.upstream(), null))
        .build().start();
  }

  @AfterAll
  static void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (jwks != null) {
      jwks.close();
    }
  }

  static String bearer(String... permissions) {
    Instant now = Instant.now();
    return "Bearer " + KEY.token(c -> c.subject("worker@example.com").issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(600))).claim("permissions", List.of(permissions)));
  }

  static WorkflowServiceStubs viaGateway(String... permissions) throws Exception {
    String token = bearer(permissions);
    return DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(), pki.clientKey(),
        o -> o.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> token)));
  }

  /** ns-b's own worker, straight to the upstream: the source of the tokens a caller might capture. */
  static WorkflowServiceStubs direct() throws Exception {
    return DevCluster.stubs(upstream.port(), pki.caCert(), pki.clientCert(), pki.clientKey());
  }

  static Status statusOf(Runnable call) {
    try {
      call.run();
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /** Starts a workflow in ns-b and polls its first workflow task there. */
  static PollWorkflowTaskQueueResponse nsBWorkflowTask(WorkflowServiceStubs direct, String workflowId) {
    direct.blockingStub().startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder()
        .setNamespace("ns-b").setWorkflowId(workflowId).setRequestId(UUID.randomUUID().toString())
        .setWorkflowType(WorkflowType.newBuilder().setName("Payroll"))
        .setTaskQueue(TaskQueue.newBuilder().setName("payroll-" + workflowId))
        .setWorkflowRunTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(600)).build());
    PollWorkflowTaskQueueResponse task = direct.blockingStub().pollWorkflowTaskQueue(
        PollWorkflowTaskQueueRequest.newBuilder().setNamespace("ns-b").setIdentity("ns-b-worker")
            .setTaskQueue(TaskQueue.newBuilder().setName("payroll-" + workflowId)).build());
    assertThat(task.getTaskToken()).isNotEmpty();
    return task;
  }

  static WorkflowExecutionStatus statusInNsB(WorkflowServiceStubs direct, String workflowId) {
    return direct.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("ns-b").setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId)).build())
        .getWorkflowExecutionInfo().getStatus();
  }

  @Test
  void aCallerInNsACannotCompleteNsBsTasksWithNsBsTokens() throws Exception {
    WorkflowServiceStubs direct = direct();
    WorkflowServiceStubs attacker = viaGateway("ns-a:write");
    try {
      // A workflow task of ns-b, completed by the ns-a caller in a request naming ns-a.
      PollWorkflowTaskQueueResponse wft = nsBWorkflowTask(direct, "payroll-1");
      Status wftRefused = statusOf(() -> attacker.blockingStub().respondWorkflowTaskCompleted(
          RespondWorkflowTaskCompletedRequest.newBuilder().setNamespace("ns-a").setTaskToken(wft.getTaskToken())
              .setIdentity("attacker").addCommands(Command.newBuilder()
                  .setCommandType(CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION)).build()));
      assertThat(wftRefused.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(wftRefused.getDescription()).contains("token from a different namespace");
      assertThat(statusInNsB(direct, "payroll-1")).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

      // ns-b's own worker schedules an activity; the ns-a caller tries to complete it and to heartbeat it.
      direct.blockingStub().respondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest.newBuilder()
          .setNamespace("ns-b").setTaskToken(wft.getTaskToken()).setIdentity("ns-b-worker")
          .addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
              .setScheduleActivityTaskCommandAttributes(ScheduleActivityTaskCommandAttributes.newBuilder()
                  .setActivityId("pay").setActivityType(ActivityType.newBuilder().setName("Pay"))
                  .setTaskQueue(TaskQueue.newBuilder().setName("payroll-acts"))
                  .setStartToCloseTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(300)))).build());
      PollActivityTaskQueueResponse activity = direct.blockingStub().pollActivityTaskQueue(
          PollActivityTaskQueueRequest.newBuilder().setNamespace("ns-b").setIdentity("ns-b-worker")
              .setTaskQueue(TaskQueue.newBuilder().setName("payroll-acts")).build());
      assertThat(activity.getTaskToken()).isNotEmpty();
      ByteString token = activity.getTaskToken();

      Status completed = statusOf(() -> attacker.blockingStub().respondActivityTaskCompleted(
          RespondActivityTaskCompletedRequest.newBuilder().setNamespace("ns-a").setTaskToken(token)
              .setIdentity("attacker").build()));
      assertThat(completed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(completed.getDescription()).contains("token from a different namespace");
      Status heartbeat = statusOf(() -> attacker.blockingStub().recordActivityTaskHeartbeat(
          RecordActivityTaskHeartbeatRequest.newBuilder().setNamespace("ns-a").setTaskToken(token).build()));
      assertThat(heartbeat.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

      // The activity is still ns-b's to complete: its own worker does so, directly.
      direct.blockingStub().respondActivityTaskCompleted(RespondActivityTaskCompletedRequest.newBuilder()
          .setNamespace("ns-b").setTaskToken(token).setIdentity("ns-b-worker").build());

      // Garbage, and a Temporal-format token naming ns-b's id, are refused too (the latter after a lookup).
      Status garbage = statusOf(() -> attacker.blockingStub().respondActivityTaskCompleted(
          RespondActivityTaskCompletedRequest.newBuilder().setNamespace("ns-a")
              .setTaskToken(ByteString.copyFromUtf8("\u0001garbage")).build()));
      assertThat(garbage.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(garbage.getDescription()).contains("deserializing task token");
      Status byId = statusOf(() -> attacker.blockingStub().respondActivityTaskCompleted(
          RespondActivityTaskCompletedRequest.newBuilder().setNamespace("ns-a")
              .setTaskToken(temporalToken(idOf("ns-b"))).build()));
      assertThat(byId.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(byId.getDescription()).contains("token from a different namespace");
      // The right id passes the gateway (the test server then cannot read a Temporal token: its own error).
      Status sameId = statusOf(() -> attacker.blockingStub().respondActivityTaskCompleted(
          RespondActivityTaskCompletedRequest.newBuilder().setNamespace("ns-a")
              .setTaskToken(temporalToken(idOf("ns-a"))).build()));
      assertThat(String.valueOf(sameId.getDescription())).doesNotContain("token from a different namespace");
    } finally {
      direct.shutdownNow();
      attacker.shutdownNow();
    }
  }

  @Test
  void aNamespaceIdBesideTheNameMustBeTheNamesId() throws Exception {
    WorkflowServiceStubs reader = viaGateway("ns-a:read");
    try {
      Status smuggled = statusOf(() -> reader.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder()
          .setNamespace("ns-a").setId(idOf("ns-b")).build()));
      assertThat(smuggled.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(smuggled.getDescription()).contains("Namespace id does not match");
      assertThat(reader.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder()
          .setNamespace("ns-a").setId(idOf("ns-a")).build()).getNamespaceInfo().getName()).isEqualTo("ns-a");
      assertThat(reader.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder()
          .setNamespace("ns-a").build()).getNamespaceInfo().getName()).isEqualTo("ns-a");
    } finally {
      reader.shutdownNow();
    }
    String token = bearer("ns-a:admin");
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder()
        .setTarget("localhost:" + gatehouse.grpcPort())
        .setSslContext(GrpcSslContexts.forClient().trustManager(pki.caCert().toFile())
            .keyManager(pki.clientCert().toFile(), pki.clientKey().toFile()).build())
        .addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> token))
        .validateAndBuildWithDefaults());
    try {
      Status delete = statusOf(() -> operator.blockingStub().deleteNamespace(DeleteNamespaceRequest.newBuilder()
          .setNamespace("ns-a").setNamespaceId(idOf("ns-b")).build()));
      assertThat(delete.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(delete.getDescription()).contains("Namespace id does not match");
    } finally {
      operator.shutdownNow();
    }
  }

  @Test
  void workersThatBehaveStillWork() throws Exception {
    WorkflowServiceStubs worker = viaGateway("default:write");
    try {
      // Activities, signals, queries and timers: every Respond* call carries a token of the namespace it names.
      SampleWorkflows.runGreetings(worker, "bound-tokens", "bound-", 2);
    } finally {
      worker.shutdownNow();
    }
  }

  /** The embedded test server's namespace ids. */
  static String idOf(String namespace) {
    return UUID.nameUUIDFromBytes(namespace.getBytes()).toString();
  }

  static ByteString temporalToken(String namespaceId) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeString(1, namespaceId);
      out.writeString(2, "payroll-1");
      out.writeInt64(4, 5);
      out.flush();
      return ByteString.copyFrom(bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
