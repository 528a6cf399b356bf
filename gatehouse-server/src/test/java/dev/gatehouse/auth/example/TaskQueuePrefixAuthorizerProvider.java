package dev.gatehouse.auth.example;

import dev.gatehouse.auth.Authorizer;
import dev.gatehouse.auth.AuthorizerProvider;
import dev.gatehouse.auth.CallTarget;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Decision;
import dev.gatehouse.auth.PluginContext;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;

/**
 * Example plugin: Temporal's default rules, plus "workflows start only on task queues named after their namespace".
 * Shows {@link CallTarget#request()}: the typed request is parsed only for the one method that needs it.
 * Registered in {@code META-INF/services/dev.gatehouse.auth.AuthorizerProvider}.
 */
public final class TaskQueuePrefixAuthorizerProvider implements AuthorizerProvider {
  @Override
  public String name() {
    return "example-task-queue-prefix";
  }

  @Override
  public Authorizer create(PluginContext context) {
    Authorizer temporal = Authorizer.temporalDefault();
    return new Authorizer() {
      @Override
      public Decision authorize(Claims claims, CallTarget target) {
        Decision d = temporal.authorize(claims, target);
        if (!d.allowed() || !target.method().methodName().equals("StartWorkflowExecution")) {
          return d;
        }
        if (target.request() instanceof StartWorkflowExecutionRequest start
            && start.getTaskQueue().getName().startsWith(target.namespace() + "-")) {
          return d;
        }
        return Decision.deny("task queue must start with " + target.namespace() + "-");
      }

      @Override
      public String toString() {
        return "example-task-queue-prefix";
      }
    };
  }
}
