package dev.gatehouse.audit;

/** Whether a call waits for its record. */
public enum AuditMode {
  /**
   * A call is forwarded only once its decision record is durable in at least one sink; if no sink can record it,
   * the call is refused with UNAVAILABLE. The default.
   */
  BLOCKING,
  /**
   * Forwarding does not wait: records go through a bounded queue; when it is full they are dropped, counted, and a
   * gap record enters the chain so {@code verify} shows the loss. Refusals still wait for their record.
   */
  BUFFERED
}
