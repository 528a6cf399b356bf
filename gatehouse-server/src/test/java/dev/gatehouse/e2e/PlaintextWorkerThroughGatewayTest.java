package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.EmbeddedTemporal;
import dev.gatehouse.proxy.DataPlane;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SDK runs unchanged through the bare data plane (no TLS, no gates): the passthrough itself is faithful. */
class PlaintextWorkerThroughGatewayTest {

  @Test
  void workflowWithActivitiesSignalsQueriesAndTimersRunsThroughTheGateway() throws Exception {
    try (EmbeddedTemporal upstream = EmbeddedTemporal.start(0, null);
        DataPlane gateway =
            DataPlane.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .upstream(upstream.address())
                .build()
                .start()) {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newConnectedServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + gateway.port()).build(), Duration.ofSeconds(10));
      try {
        WorkflowClient client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        WorkerFactory factory = WorkerFactory.newInstance(client);
        var worker = factory.newWorker("e2e");
        worker.registerWorkflowImplementationTypes(SampleWorkflows.GreetingWorkflowImpl.class);
        worker.registerActivitiesImplementations(new SampleWorkflows.GreeterImpl());
        factory.start();

        SampleWorkflows.GreetingWorkflow wf =
            client.newWorkflowStub(
                SampleWorkflows.GreetingWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue("e2e").setWorkflowId("plain-1").build());
        WorkflowClient.start(wf::run, "ada");
        wf.add("grace");
        await().atMost(Duration.ofSeconds(30)).until(() -> wf.pending() == 1);
        wf.finish();
        @SuppressWarnings("unchecked")
        List<Object> result = WorkflowStub.fromTyped(wf).getResult(List.class);
        assertThat(result).containsExactly("hello ada", "hello grace");
        factory.shutdownNow();
      } finally {
        stubs.shutdownNow();
      }
    }
  }
}
