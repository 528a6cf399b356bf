package dev.gatehouse.audit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The audit log as the request pipeline uses it: Vault's {@code LogRequest} and {@code LogResponse}. */
public interface AuditLog {
  /** No audit log. */
  AuditLog OFF = new AuditLog() {
    @Override
    public CompletionStage<Void> decided(AuditEvent call) {
      return CompletableFuture.completedStage(null);
    }

    @Override
    public void completed(AuditEvent call) {}
  };

  /**
   * Records a call's access decision, allowed or refused, before anything is forwarded. Never blocks.
   *
   * @return completes when the call may go on: at once in buffered mode or when the policy records nothing, once
   *     the record is durable in blocking mode; fails when it could not be recorded
   */
  CompletionStage<Void> decided(AuditEvent call);

  /**
   * Records a closed call's outcome: a completion record linked to its decision record, or, for a call refused
   * before a decision was made, its only record. Never blocks and never waits: the call has already been answered.
   */
  void completed(AuditEvent call);
}
