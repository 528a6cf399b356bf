package dev.gatehouse.audit;

import java.nio.charset.StandardCharsets;

/**
 * One record as the broker hands it to {@link AuditSink}s: already in the chain, already encoded.
 *
 * @param sequence the record's place in its node's chain, from 1, without gaps in what the broker wrote
 * @param logId the record's {@code log_id}
 * @param emitEpochMillis the record's {@code emit_time}
 * @param kind {@code decision}, {@code completion}, {@code rejected}, {@code gap}, {@code start} or {@code repair}
 * @param line the record as one JSON object in UTF-8, without the trailing newline; the chain hashes exactly these
 *     bytes, so a sink must write them unchanged (framing around them is the sink's)
 */
public record AuditEntry(long sequence, String logId, long emitEpochMillis, String kind, byte[] line) {
  /** The record as text. */
  public String json() {
    return new String(line, StandardCharsets.UTF_8);
  }
}
