/**
 * The audit log of every API call, laid out by role as HashiCorp Vault's {@code audit/} is:
 * <ul>
 *   <li>types: {@link dev.gatehouse.audit.AuditEvent} (a call as the pipeline hands it over) and
 *       {@link dev.gatehouse.audit.AuditEntry} (one written record, as sinks see it);</li>
 *   <li>policy: {@link dev.gatehouse.audit.AuditPolicy} with its ordered {@link dev.gatehouse.audit.AuditRule}s
 *       and {@link dev.gatehouse.audit.AuditLevel}s;</li>
 *   <li>format and hashing: the JSON-lines record (top level as Temporal Cloud's {@code LogRecord}), the per-node
 *       hash chain, salted HMACs of payloads at request level;</li>
 *   <li>broker: {@link dev.gatehouse.audit.AuditBroker}, which orders records into the chain, group-commits them
 *       and succeeds when at least one sink confirms;</li>
 *   <li>sinks: the {@link dev.gatehouse.audit.AuditSink} SPI, {@link dev.gatehouse.audit.FileSink} (segments,
 *       fsync, signed digests) and {@link dev.gatehouse.audit.StdoutSink};</li>
 *   <li>reading: {@link dev.gatehouse.audit.AuditVerifier} and {@link dev.gatehouse.audit.AuditReader}, behind
 *       {@code gatehouse audit verify|tail|search}.</li>
 * </ul>
 */
package dev.gatehouse.audit;
