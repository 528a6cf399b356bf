package dev.gatehouse.proxy;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.Authorizer;
import dev.gatehouse.auth.CallTarget;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Decision;
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

  /** Lets anyone, with or without credentials, make any call. */
  static AccessController openAccess() {
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
