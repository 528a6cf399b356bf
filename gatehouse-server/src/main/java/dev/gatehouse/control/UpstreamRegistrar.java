package dev.gatehouse.control;

import com.google.protobuf.util.Durations;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RegisterNamespace on the upstream frontend, over the data plane's upstream connection. An upstream that does not
 * implement it (Temporal's in-memory test server) or already has the namespace leaves the create as it is.
 */
final class UpstreamRegistrar implements NamespaceRegistrar {
  private static final Logger log = LoggerFactory.getLogger(UpstreamRegistrar.class);

  private final Supplier<Channel> upstream;
  private final AtomicBoolean unimplementedLogged = new AtomicBoolean();

  UpstreamRegistrar(Supplier<Channel> upstream) {
    this.upstream = upstream;
  }

  @Override
  public void retentionChanged(String name, int retentionDays) {
    try {
      WorkflowServiceGrpc.newBlockingStub(upstream.get())
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .updateNamespace(UpdateNamespaceRequest.newBuilder()
              .setNamespace(name)
              .setConfig(NamespaceConfig.newBuilder()
                  .setWorkflowExecutionRetentionTtl(Durations.fromDays(retentionDays)))
              .build());
      log.info("namespace {} retention set upstream to {} days", name, retentionDays);
    } catch (StatusRuntimeException e) {
      failed(name, e.getStatus().getCode(), "updated");
    } catch (RuntimeException e) {
      log.warn("namespace {} could not be updated upstream: {}", name, e.getClass().getSimpleName());
    }
  }

  private void failed(String name, Status.Code code, String what) {
    if (code == Status.Code.UNIMPLEMENTED) {
      if (unimplementedLogged.compareAndSet(false, true)) {
        log.info("the upstream does not implement namespace registration; namespaces live in Gatehouse only");
      }
    } else {
      log.warn("namespace {} could not be {} upstream: {}", name, what, code);
    }
  }

  @Override
  public void register(String name, int retentionDays) {
    try {
      WorkflowServiceGrpc.newBlockingStub(upstream.get())
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .registerNamespace(RegisterNamespaceRequest.newBuilder()
              .setNamespace(name)
              .setWorkflowExecutionRetentionPeriod(Durations.fromDays(retentionDays))
              .build());
      log.info("namespace {} registered upstream", name);
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.ALREADY_EXISTS) {
        log.info("namespace {} already exists upstream", name);
      } else {
        failed(name, code, "registered");
      }
    } catch (RuntimeException e) {
      log.warn("namespace {} could not be registered upstream: {}", name, e.getClass().getSimpleName());
    }
  }
}
