package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.GetWorkerTaskReachabilityRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.ListScheduleMatchingTimesRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Path variables and query parameters into request fields, as grpc-gateway sets them. */
class FieldPathsTest {
  static void set(Message.Builder b, String path, String value) throws FieldPaths.BadValue {
    List<FieldDescriptor> fields = FieldPaths.resolve(b.getDescriptorForType(), path, true);
    assertThat(fields).as(path).isNotNull();
    FieldPaths.set(b, fields, value, path);
  }

  @Test
  void nestedFieldsByProtoOrJsonName() throws Exception {
    GetWorkflowExecutionHistoryRequest.Builder b = GetWorkflowExecutionHistoryRequest.newBuilder();
    set(b, "execution.workflow_id", "wf");
    set(b, "execution.runId", "r1");
    set(b, "maximumPageSize", "25");
    set(b, "waitNewEvent", "true");
    set(b, "next_page_token", "AAEC");
    assertThat(b.getExecution().getWorkflowId()).isEqualTo("wf");
    assertThat(b.getExecution().getRunId()).isEqualTo("r1");
    assertThat(b.getMaximumPageSize()).isEqualTo(25);
    assertThat(b.getWaitNewEvent()).isTrue();
    assertThat(b.getNextPageToken().toByteArray()).containsExactly(0, 1, 2);
  }

  @Test
  void enumsByNameShortNameOrNumber() throws Exception {
    for (String v : List.of("HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT", "CloseEvent", "2")) {
      GetWorkflowExecutionHistoryRequest.Builder b = GetWorkflowExecutionHistoryRequest.newBuilder();
      set(b, "historyEventFilterType", v);
      assertThat(b.getHistoryEventFilterType()).isEqualTo(HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
    }
    assertThat(FieldPaths.enumValue(WorkflowExecutionStatus.getDescriptor(), "ContinuedAsNew").getName())
        .isEqualTo("WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW");
    assertThat(FieldPaths.screamingSnake("TaskQueueKind_Sticky")).isEqualTo("TASK_QUEUE_KIND_STICKY");
    assertThatThrownBy(() -> set(GetWorkflowExecutionHistoryRequest.newBuilder(), "historyEventFilterType", "Later"))
        .isInstanceOf(FieldPaths.BadValue.class).hasMessageContaining("historyEventFilterType");
  }

  @Test
  void repeatedFieldsCollectEveryValue() throws Exception {
    GetWorkerTaskReachabilityRequest.Builder b = GetWorkerTaskReachabilityRequest.newBuilder();
    set(b, "buildIds", "b1");
    set(b, "build_ids", "b2");
    assertThat(b.getBuildIdsList()).containsExactly("b1", "b2");
    DescribeTaskQueueRequest.Builder d = DescribeTaskQueueRequest.newBuilder();
    set(d, "taskQueueTypes", "TASK_QUEUE_TYPE_WORKFLOW");
    set(d, "taskQueueTypes", "Activity");
    set(d, "task_queue.name", "q");
    assertThat(d.getTaskQueueTypesList()).containsExactly(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
    assertThat(d.getTaskQueue().getName()).isEqualTo("q");
  }

  @Test
  void wellKnownTypesFromTheirStringForm() throws Exception {
    ListScheduleMatchingTimesRequest.Builder b = ListScheduleMatchingTimesRequest.newBuilder();
    set(b, "startTime", "2024-01-02T03:04:05Z");
    assertThat(b.getStartTime().getSeconds()).isEqualTo(1704164645L);
    StartWorkflowExecutionRequest.Builder s = StartWorkflowExecutionRequest.newBuilder();
    set(s, "workflowRunTimeout", "1.5s");
    assertThat(s.getWorkflowRunTimeout().getNanos()).isEqualTo(500_000_000);
  }

  @Test
  void wrongTypesAndUnsettableFieldsAreRefused() {
    assertThatThrownBy(() -> set(GetWorkflowExecutionHistoryRequest.newBuilder(), "maximumPageSize", "many"))
        .isInstanceOf(FieldPaths.BadValue.class).hasMessageContaining("maximumPageSize");
    assertThatThrownBy(() -> set(GetWorkflowExecutionHistoryRequest.newBuilder(), "waitNewEvent", "yes"))
        .isInstanceOf(FieldPaths.BadValue.class);
    assertThatThrownBy(() -> set(ListScheduleMatchingTimesRequest.newBuilder(), "startTime", "yesterday"))
        .isInstanceOf(FieldPaths.BadValue.class);
    assertThat(FieldPaths.resolve(StartWorkflowExecutionRequest.getDescriptor(), "workflowType", true)).isNotNull();
    assertThatThrownBy(() -> set(StartWorkflowExecutionRequest.newBuilder(), "workflowType", "w"))
        .isInstanceOf(FieldPaths.BadValue.class).hasMessageContaining("message");
    assertThat(FieldPaths.resolve(StartWorkflowExecutionRequest.getDescriptor(), "nope", true)).isNull();
    assertThat(FieldPaths.resolve(StartWorkflowExecutionRequest.getDescriptor(), "identity.x", true)).isNull();
    assertThat(FieldPaths.resolve(StartWorkflowExecutionRequest.getDescriptor(), "workflowType.name", false))
        .as("path templates use proto names only").isNull();
  }
}
