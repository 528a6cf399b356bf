package dev.gatehouse.e2e;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.proxy.DataPlane;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The SDK runs unchanged through the bare data plane (no TLS, everyone allowed): the passthrough itself is faithful. */
class PlaintextWorkerThroughGatewayTest {

  @Test
  void workflowWithActivitiesSignalsQueriesAndTimersRunsThroughTheGateway() throws Exception {
    try (EmbeddedTemporal upstream = EmbeddedTemporal.start(0, null);
        DataPlane gateway =
            DataPlane.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .upstream(upstream.address())
                .pipeline(CallPipeline.builder(AccessController.builder(
                    new Authorization(null, null, null, "noop", "noop", null, null, null)).build()).build())
                .build()
                .start()) {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newConnectedServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + gateway.port()).build(), Duration.ofSeconds(10));
      try {
        SampleWorkflows.runGreetings(stubs, "e2e", "plain-", 1);
      } finally {
        stubs.shutdownNow();
      }
    }
  }
}
