package dev.gatehouse.e2e;

import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.proxy.DataPlane;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
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
        SampleWorkflows.runGreetings(stubs, "e2e", "plain-", 1);
      } finally {
        stubs.shutdownNow();
      }
    }
  }
}
