package dev.gatehouse.store;

import java.time.Instant;

/**
 * The record of a change made through the Ops API, as Cloud's {@code operation.v1.AsyncOperation}. Gatehouse
 * applies changes before answering, so an operation is stored already {@code fulfilled} (or {@code failed}).
 *
 * @param id the operation's id (the request's {@code async_operation_id} when given)
 * @param state {@code fulfilled}, {@code failed}, ...
 * @param operationType e.g. {@code CreateNamespace}
 * @param started when it started
 * @param finished when it finished, or {@code null}
 * @param failureReason why it failed, or {@code ""}
 * @param meta store metadata
 */
public record AsyncOperation(
    String id, String state, String operationType, Instant started, Instant finished, String failureReason,
    Meta meta) implements Entity {
  public AsyncOperation {
    failureReason = failureReason == null ? "" : failureReason;
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String uniqueName() {
    return id;
  }

  @Override
  public AsyncOperation withMeta(Meta meta) {
    return new AsyncOperation(id, state, operationType, started, finished, failureReason, meta);
  }
}
