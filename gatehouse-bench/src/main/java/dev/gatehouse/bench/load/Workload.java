package dev.gatehouse.bench.load;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import java.util.Random;

/**
 * The call every target gets ({@code --payload}), so that per-byte costs of the proxies show next to the per-call
 * cost of the small default call.
 *
 * <p>Every choice leaves the upstream's state as it was after {@link #prepare}: a run makes hundreds of thousands
 * of calls against an in-memory server with a 512 MiB heap.
 */
enum Workload {
  /** {@code DescribeNamespace("default")}: a few dozen bytes each way. */
  DESCRIBE("describe", 0),
  /**
   * {@code StartWorkflowExecution} with a 2 KiB input: a request-heavy call. The workflow id is fixed and the
   * conflict policy is {@code USE_EXISTING}, so after the first call the upstream answers with the running
   * workflow and keeps nothing new.
   */
  START_2K("2k", 2 * 1024),
  /**
   * {@code GetWorkflowExecutionHistory} of a workflow started (by {@link #prepare}) with a 64 KiB input: a
   * response-heavy call whose body is the {@code History} message a {@code PollWorkflowTaskQueue} response carries
   * to a worker.
   */
  HISTORY_64K("64k", 64 * 1024),
  /** As {@link #HISTORY_64K} with a 1 MiB input. */
  HISTORY_1M("1m", 1024 * 1024);

  static final String NAMESPACE = "default";
  static final String TASK_QUEUE = "gatehouse-bench";

  private final String option;
  private final int payloadBytes;

  Workload(String option, int payloadBytes) {
    this.option = option;
    this.payloadBytes = payloadBytes;
  }

  static Workload parse(String option) {
    for (Workload w : values()) {
      if (w.option.equals(option)) {
        return w;
      }
    }
    throw new IllegalArgumentException("--payload takes describe, 2k, 64k or 1m, not " + option);
  }

  String option() {
    return option;
  }

  int payloadBytes() {
    return payloadBytes;
  }

  /** The call as the report's header names it. */
  String description() {
    return switch (this) {
      case DESCRIBE -> "`DescribeNamespace(\"default\")`";
      case START_2K -> "`StartWorkflowExecution` with a 2 KiB input (" + startRequest().getSerializedSize()
          + " bytes serialized; one workflow id, conflict policy `USE_EXISTING`, so the upstream answers with "
          + "the running workflow)";
      case HISTORY_64K, HISTORY_1M -> "`GetWorkflowExecutionHistory` of a workflow started with a "
          + (this == HISTORY_64K ? "64 KiB" : "1 MiB") + " input (a response of about that size: the `History` "
          + "a `PollWorkflowTaskQueue` response carries)";
    };
  }

  /**
   * Makes the upstream ready for this workload, through a stub to it directly; once, before any target runs. The
   * history workloads need their workflow; the start workload has its workflow started here too, so no target's
   * first call is the one that creates it.
   */
  void prepare(WorkflowServiceBlockingStub direct) {
    if (this != DESCRIBE) {
      direct.startWorkflowExecution(startRequest());
    }
  }

  /** One call of this workload. */
  void call(WorkflowServiceBlockingStub stub) {
    switch (this) {
      case DESCRIBE -> stub.describeNamespace(DESCRIBE_REQUEST);
      case START_2K -> stub.startWorkflowExecution(START_2K_REQUEST);
      case HISTORY_64K, HISTORY_1M -> stub.getWorkflowExecutionHistory(historyRequest());
    }
  }

  private static final DescribeNamespaceRequest DESCRIBE_REQUEST =
      DescribeNamespaceRequest.newBuilder().setNamespace(NAMESPACE).build();
  private static final StartWorkflowExecutionRequest START_2K_REQUEST = START_2K.startRequest();

  /** The start of this workload's workflow, its input {@link #payloadBytes} of fixed pseudo-random bytes. */
  StartWorkflowExecutionRequest startRequest() {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(NAMESPACE)
        .setWorkflowId(workflowId())
        .setWorkflowType(WorkflowType.newBuilder().setName("BenchWorkflow"))
        .setTaskQueue(TaskQueue.newBuilder().setName(TASK_QUEUE))
        .setInput(Payloads.newBuilder().addPayloads(payload(payloadBytes)))
        .setRequestId("gatehouse-bench-" + option)
        .setIdentity("gatehouse-bench")
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .build();
  }

  GetWorkflowExecutionHistoryRequest historyRequest() {
    return GetWorkflowExecutionHistoryRequest.newBuilder()
        .setNamespace(NAMESPACE)
        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId()))
        .build();
  }

  private String workflowId() {
    return "gatehouse-bench-" + option;
  }

  /**
   * A payload as the SDK's default converter writes raw bytes. Random (fixed seed) so that nothing on the way could
   * make the bytes cheaper than a real payload's, should anything compress.
   */
  static Payload payload(int bytes) {
    byte[] data = new byte[bytes];
    new Random(bytes).nextBytes(data);
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("binary/plain"))
        .setData(ByteString.copyFrom(data))
        .build();
  }
}
