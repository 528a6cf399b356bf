package dev.gatehouse.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The audit log's view of the pipeline: told of every access decision, allowed or refused, before anything is
 * forwarded. Vault's {@code LogRequest}. The call's completion reaches the audit log as a {@link CallObserver}.
 *
 * <p>Runs on the call's event loop and must not block it: return a completed stage when the record is handed off,
 * or a pending one that completes once the record is durable (blocking mode); the call resumes on its own loop. A
 * stage that fails, or a hook that throws, refuses an allowed call with UNAVAILABLE (fail closed); a refused call
 * stays refused either way.
 */
@FunctionalInterface
public interface AuditHook {
  /** No audit log configured. */
  AuditHook NONE = call -> CompletableFuture.completedStage(null);

  /**
   * Records {@code call}'s decision ({@link CallContext#access()}).
   *
   * @return completes when the call may go on
   */
  CompletionStage<Void> decided(CallContext call);
}
