package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.WorkerFactory;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A workflow that uses activities, a timer, signals and a query: the SDK features a gateway must carry. */
public final class SampleWorkflows {
  private SampleWorkflows() {}

  /**
   * Runs a worker and {@code count} greeting workflows in namespace {@code default} over {@code stubs}, signalling and
   * querying each, and checks their results.
   */
  public static void runGreetings(WorkflowServiceStubs stubs, String taskQueue, String idPrefix, int count) {
    runGreetings(stubs, "default", taskQueue, idPrefix, count);
  }

  /** As above, in {@code namespace}. */
  public static void runGreetings(WorkflowServiceStubs stubs, String namespace, String taskQueue, String idPrefix,
      int count) {
    WorkflowClient client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    try {
      var worker = factory.newWorker(taskQueue);
      worker.registerWorkflowImplementationTypes(GreetingWorkflowImpl.class);
      worker.registerActivitiesImplementations(new GreeterImpl());
      factory.start();
      for (int i = 0; i < count; i++) {
        GreetingWorkflow wf = client.newWorkflowStub(GreetingWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue(taskQueue).setWorkflowId(idPrefix + i).build());
        WorkflowClient.start(wf::run, "ada");
        wf.add("grace");
        await().atMost(Duration.ofSeconds(30)).until(() -> wf.pending() == 1);
        wf.finish();
        @SuppressWarnings("unchecked")
        List<Object> result = WorkflowStub.fromTyped(wf).getResult(List.class);
        assertThat(result).containsExactly("hello ada", "hello grace");
      }
    } finally {
      factory.shutdownNow();
    }
  }

  @ActivityInterface
  public interface Greeter {
    String greet(String name);
  }

  public static final class GreeterImpl implements Greeter {
    @Override
    public String greet(String name) {
      return "hello " + name;
    }
  }

  @WorkflowInterface
  public interface GreetingWorkflow {
    @WorkflowMethod
    List<String> run(String name);

    @SignalMethod
    void add(String name);

    @SignalMethod
    void finish();

    @QueryMethod
    int pending();
  }

  public static final class GreetingWorkflowImpl implements GreetingWorkflow {
    private final List<String> names = new ArrayList<>();
    private boolean finished;
    private final Greeter greeter =
        Workflow.newActivityStub(Greeter.class, ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

    @Override
    public List<String> run(String name) {
      List<String> out = new ArrayList<>();
      out.add(greeter.greet(name));
      Workflow.sleep(Duration.ofMillis(50));
      Workflow.await(() -> finished);
      for (String n : names) {
        out.add(greeter.greet(n));
      }
      return out;
    }

    @Override
    public void add(String name) {
      names.add(name);
    }

    @Override
    public void finish() {
      finished = true;
    }

    @Override
    public int pending() {
      return names.size();
    }
  }
}
