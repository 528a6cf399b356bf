package dev.gatehouse.e2e;

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
