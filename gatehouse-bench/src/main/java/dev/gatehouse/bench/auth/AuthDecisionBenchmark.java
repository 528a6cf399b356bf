package dev.gatehouse.bench.auth;

import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Authorizer;
import dev.gatehouse.auth.CallTarget;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.auth.Decision;
import dev.gatehouse.auth.Role;
import dev.gatehouse.config.Authorization;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.command.v1.SignalExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import com.google.protobuf.ByteString;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Authorization decision cost without token verification: the default authorizer alone, and the whole
 * {@link AccessController#check} pipeline (catalog lookup, claim mapping by a mapper that returns prepared claims,
 * namespace check, authorizer, metrics), plus a workflow task completion whose commands are scanned for other
 * namespaces.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuthDecisionBenchmark {
  private static final String WF = "/temporal.api.workflowservice.v1.WorkflowService/";

  private Authorizer authorizer;
  private Claims claims;
  private CallTarget start;
  private CallTarget denied;
  private AccessController controller;
  private AuthInfo info;
  private byte[] completion;

  @Setup(Level.Trial)
  public void setUp() {
    authorizer = Authorizer.temporalDefault();
    Map<String, Role> roles = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      roles.put("namespace-" + i, i % 2 == 0 ? Role.WRITER : Role.READER);
    }
    claims = new Claims("alice@example.com", Role.UNDEFINED, roles, "bench", null);
    start = CallTarget.of(WF + "StartWorkflowExecution", "namespace-10");
    denied = CallTarget.of(WF + "StartWorkflowExecution", "namespace-11");
    ClaimMapper prepared = authInfo -> claims;
    controller = AccessController.builder(Authorization.DEFAULT).claimMapper(prepared).build();
    info = new AuthInfo("Bearer prepared", null, null, null, null);

    RespondWorkflowTaskCompletedRequest.Builder b = RespondWorkflowTaskCompletedRequest.newBuilder()
        .setNamespace("namespace-10").setIdentity("worker-1@host").setTaskToken(ByteString.copyFrom(new byte[200]));
    Payloads input = Payloads.newBuilder().addPayloads(Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFrom(new byte[150]))).build();
    for (int i = 0; i < 8; i++) {
      b.addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
          .setScheduleActivityTaskCommandAttributes(ScheduleActivityTaskCommandAttributes.newBuilder()
              .setActivityId("a-" + i).setInput(input)));
    }
    b.addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION)
        .setSignalExternalWorkflowExecutionCommandAttributes(SignalExternalWorkflowExecutionCommandAttributes
            .newBuilder().setNamespace("namespace-12").setSignalName("go").setInput(input)));
    completion = b.build().toByteArray();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    controller.close();
  }

  @Benchmark
  public Decision authorizerAllow() {
    return authorizer.authorize(claims, start);
  }

  @Benchmark
  public Decision authorizerDeny() {
    return authorizer.authorize(claims, denied);
  }

  @Benchmark
  public AccessCheck checkAllow() {
    return controller.check(info, WF + "StartWorkflowExecution", "namespace-10", null);
  }

  @Benchmark
  public AccessCheck checkCrossNamespaceCompletion() {
    return controller.check(info, WF + "RespondWorkflowTaskCompleted", "namespace-10", completion);
  }
}
