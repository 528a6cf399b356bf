package dev.gatehouse.e2e;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.Authorizer;
import dev.gatehouse.auth.CallTarget;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Decision;
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
                .pipeline(CallPipeline.builder(openAccess()).build())
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

  /** Lets anyone make any call: this test is about the passthrough, not about who may use it. */
  private static AccessController openAccess() {
    return AccessController.builder(Authorization.DEFAULT)
        .claimMapper(info -> Claims.anonymous())
        .authorizer(new Authorizer() {
          @Override
          public Decision authorize(Claims claims, CallTarget target) {
            return Decision.allow();
          }

          @Override
          public boolean admitsAnonymous() {
            return true;
          }
        })
        .build();
  }
}
