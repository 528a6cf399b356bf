package dev.gatehouse.auth;

import static dev.gatehouse.auth.Fixture.WF;
import static dev.gatehouse.auth.Fixture.bearer;
import static dev.gatehouse.auth.Fixture.token;
import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.CompleteWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.RequestCancelExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.SignalExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Temporal deprecated the namespace of these commands, but servers still honour it (enableCrossNamespaceCommands).
@SuppressWarnings("deprecation")
class CrossNamespaceTest {
  private static final String COMPLETE = WF + "RespondWorkflowTaskCompleted";

  @TempDir Path dir;
  private Fixture f;

  @BeforeEach
  void start() throws Exception {
    f = new Fixture(dir, c -> c.exposeDenialReason = true);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static Command signal(String ns) {
    return Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION)
        .setSignalExternalWorkflowExecutionCommandAttributes(
            SignalExternalWorkflowExecutionCommandAttributes.newBuilder().setNamespace(ns).setSignalName("s"))
        .build();
  }

  private static Command child(String ns) {
    return Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION)
        .setStartChildWorkflowExecutionCommandAttributes(
            StartChildWorkflowExecutionCommandAttributes.newBuilder().setNamespace(ns).setWorkflowId("c"))
        .build();
  }

  private static Command cancel(String ns) {
    return Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION)
        .setRequestCancelExternalWorkflowExecutionCommandAttributes(
            RequestCancelExternalWorkflowExecutionCommandAttributes.newBuilder().setNamespace(ns).setWorkflowId("w"))
        .build();
  }

  private static Command complete() {
    return Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION)
        .setCompleteWorkflowExecutionCommandAttributes(CompleteWorkflowExecutionCommandAttributes.getDefaultInstance())
        .build();
  }

  private static byte[] completion(Command... commands) {
    RespondWorkflowTaskCompletedRequest.Builder b = RespondWorkflowTaskCompletedRequest.newBuilder()
        .setNamespace("orders").setIdentity("worker-1");
    for (Command c : commands) {
      b.addCommands(c);
    }
    return b.build().toByteArray();
  }

  private AccessCheck check(String token, byte[] request) {
    return f.check(bearer(token), COMPLETE, "orders", request);
  }

  @Test
  void sameNamespaceOrUnsetNeedsNothingMore() {
    String ordersOnly = token("w", "orders:write");
    assertThat(check(ordersOnly, completion(signal(""), child("orders"), cancel(""), complete())).allowed()).isTrue();
    assertThat(check(ordersOnly, completion()).allowed()).isTrue();
    assertThat(check(ordersOnly, null).allowed()).isTrue();
  }

  @Test
  void signalIntoAnotherNamespaceNeedsWriteThere() {
    AccessCheck c = check(token("w", "orders:write"), completion(complete(), signal("billing")));
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(c.reason()).contains("SignalWorkflowExecution").contains("billing");
    assertThat(check(token("w", "orders:write", "billing:read"), completion(signal("billing"))).allowed()).isFalse();
    assertThat(check(token("w", "orders:write", "billing:write"), completion(signal("billing"))).allowed()).isTrue();
  }

  @Test
  void childAndCancelInAnotherNamespace() {
    String ordersOnly = token("w", "orders:write");
    assertThat(check(ordersOnly, completion(child("billing"))).reason()).contains("StartWorkflowExecution");
    assertThat(check(ordersOnly, completion(cancel("billing"))).reason())
        .contains("RequestCancelWorkflowExecution");
    assertThat(check(token("w", "orders:write", "billing:write"), completion(child("billing"), cancel("billing")))
        .allowed()).isTrue();
  }

  @Test
  void oneBadCommandDeniesTheWholeCompletion() {
    String t = token("w", "orders:write", "billing:write");
    assertThat(check(t, completion(signal("billing"), child("orders"), cancel("payments"), complete())).outcome())
        .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
  }

  @Test
  void systemWriterMayReachAnyNamespace() {
    assertThat(check(token("w", "temporal-system:write"), completion(signal("billing"), child("payments")))
        .allowed()).isTrue();
  }

  @Test
  void mergedDuplicateAttributesAreAllChecked() throws Exception {
    // Two encodings of the same command field: protobuf merges them and the last namespace wins.
    ByteArrayOutputStream cmd = new ByteArrayOutputStream();
    signal("orders").writeTo(cmd);
    Command.newBuilder().setSignalExternalWorkflowExecutionCommandAttributes(
        SignalExternalWorkflowExecutionCommandAttributes.newBuilder().setNamespace("billing")).build().writeTo(cmd);
    Command merged = Command.parseFrom(cmd.toByteArray());
    assertThat(merged.getSignalExternalWorkflowExecutionCommandAttributes().getNamespace()).isEqualTo("billing");
    byte[] request = completion(merged);
    // Also craft the raw form in which the duplicate sits inside one command's bytes.
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(raw);
    out.writeString(RespondWorkflowTaskCompletedRequest.NAMESPACE_FIELD_NUMBER, "orders");
    out.writeByteArray(RespondWorkflowTaskCompletedRequest.COMMANDS_FIELD_NUMBER, cmd.toByteArray());
    out.flush();
    assertThat(RespondWorkflowTaskCompletedRequest.parseFrom(raw.toByteArray()).getCommands(0)
        .getSignalExternalWorkflowExecutionCommandAttributes().getNamespace()).isEqualTo("billing");

    String ordersOnly = token("w", "orders:write");
    assertThat(check(ordersOnly, request).allowed()).isFalse();
    assertThat(check(ordersOnly, raw.toByteArray()).allowed()).isFalse();
  }

  @Test
  void malformedCompletionIsDenied() {
    byte[] good = completion(signal("orders"));
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
    AccessCheck c = check(token("w", "orders:write"), truncated);
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(c.reason()).isEqualTo("malformed request");
    // commands field with a varint wire type
    byte[] wrongWireType = {(byte) ((RespondWorkflowTaskCompletedRequest.COMMANDS_FIELD_NUMBER << 3)), 1};
    assertThat(check(token("w", "orders:write"), wrongWireType).allowed()).isFalse();
  }

  @Test
  void executeMultiOperationChecksEachOperationsNamespace() {
    String ordersOnly = token("w", "orders:write");
    byte[] inside = ExecuteMultiOperationRequest.newBuilder().setNamespace("orders")
        .addOperations(ExecuteMultiOperationRequest.Operation.newBuilder()
            .setStartWorkflow(StartWorkflowExecutionRequest.newBuilder().setNamespace("orders")))
        .addOperations(ExecuteMultiOperationRequest.Operation.newBuilder()
            .setUpdateWorkflow(UpdateWorkflowExecutionRequest.newBuilder().setNamespace("orders")))
        .build().toByteArray();
    assertThat(f.check(bearer(ordersOnly), WF + "ExecuteMultiOperation", "orders", inside).allowed()).isTrue();
    byte[] outside = ExecuteMultiOperationRequest.newBuilder().setNamespace("orders")
        .addOperations(ExecuteMultiOperationRequest.Operation.newBuilder()
            .setStartWorkflow(StartWorkflowExecutionRequest.newBuilder().setNamespace("orders")))
        .addOperations(ExecuteMultiOperationRequest.Operation.newBuilder()
            .setUpdateWorkflow(UpdateWorkflowExecutionRequest.newBuilder().setNamespace("billing")))
        .build().toByteArray();
    AccessCheck c = f.check(bearer(ordersOnly), WF + "ExecuteMultiOperation", "orders", outside);
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(c.reason()).contains("UpdateWorkflowExecution").contains("billing");
  }

  @Test
  void otherMethodsAreNotScanned() {
    // A signal request is about its own namespace only; its body is never scanned for commands.
    byte[] body = completion(signal("billing"));
    assertThat(f.check(bearer(token("w", "orders:write")), WF + "SignalWorkflowExecution", "orders", body).allowed())
        .isTrue();
  }
}
