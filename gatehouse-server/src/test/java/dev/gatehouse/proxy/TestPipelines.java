package dev.gatehouse.proxy;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallGate;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.GateVerdict;
import java.util.concurrent.CompletableFuture;

/** Pipelines for data-plane tests about the transport itself: everyone is allowed, only the test's gates decide. */
final class TestPipelines {
  private TestPipelines() {}

  /** A gate that answers at once. */
  @FunctionalInterface
  interface SyncGate {
    GateVerdict admit(CallContext call) throws Exception;
  }

  /** Lets anyone, with or without credentials, make any call: {@code claimMapper: noop}, {@code authorizer: noop}. */
  static AccessController openAccess() {
    return AccessController.builder(new Authorization(null, null, null, "noop", "noop", null, null, null)).build();
  }

  static CallPipeline.Builder open() {
    return CallPipeline.builder(openAccess());
  }

  static CallGate sync(SyncGate gate) {
    return call -> {
      GateVerdict v = gate.admit(call);
      return v == null ? null : CompletableFuture.completedFuture(v);
    };
  }
}
