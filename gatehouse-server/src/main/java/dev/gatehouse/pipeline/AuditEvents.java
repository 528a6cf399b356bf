package dev.gatehouse.pipeline;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Identification;
import io.grpc.Metadata;

/** A call's context as the audit log sees it. */
final class AuditEvents {
  private static final Metadata.Key<String> FORWARDED_FOR =
      Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);

  private AuditEvents() {}

  static AuditEvent of(CallContext call) {
    Identification who = call.identification();
    Claims claims = call.access() != null ? call.access().claims() : who != null ? who.claims() : Claims.anonymous();
    return new AuditEvent(
        call.callId(),
        call.face().wireName(),
        call.method(),
        call.operation(),
        call.namespace(),
        claims,
        call.access(),
        call.credentials(),
        call.headers().get(FORWARDED_FOR),
        call.remoteAddress(),
        call.startEpochMillis(),
        call.request(),
        call.requestBytes(),
        call.status() == null ? null : call.status().getCode().name(),
        call.httpStatus(),
        call.responseBytes(),
        call.latencyNanos());
  }
}
