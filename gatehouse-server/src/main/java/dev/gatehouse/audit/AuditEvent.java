package dev.gatehouse.audit;

import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Claims;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * One call as the pipeline hands it to the audit log: once when its access is decided (no outcome yet) and once
 * when it closes. Built by the pipeline from its per-call context; the audit log never sees the transport.
 *
 * @param callId the call's id, the same in both events: the decision record's {@code log_id}, and the link from the
 *     completion record to it
 * @param face {@code grpc}, {@code http}, {@code codec} or {@code control}
 * @param method the classified method (for a face whose calls are checked as a Temporal method, that method)
 * @param operation the operation's own name when it is not the method's (the codec server's {@code encode},
 *     {@code decode}), else {@code null}
 * @param namespace the namespace from the request, {@code ""} for cluster-scoped calls, {@code null} when the call
 *     was refused before its request was read
 * @param claims who the caller is ({@link Claims#anonymous()} when unknown)
 * @param access the decision, or {@code null} for a call refused before one was made (a malformed request)
 * @param credentials what the call arrived with; only identifiers are recorded (fingerprint, subject, {@code jti},
 *     key id), never a token
 * @param forwardedFor the {@code x-forwarded-for} header as the caller sent it, or {@code null}
 * @param remoteAddress the peer's address, or {@code null}
 * @param startEpochMillis when the call arrived
 * @param request the raw request, for target details and request-level records; {@code null} when not read or
 *     already forwarded
 * @param requestBytes the request's size, or -1 when not read
 * @param status the final gRPC status code name once closed, else {@code null}
 * @param httpStatus the HTTP status a non-gRPC face answered with, else 0
 * @param responseBytes bytes sent to the caller, once closed
 * @param latencyNanos arrival to close, once closed, else -1
 */
public record AuditEvent(
    String callId,
    String face,
    ApiMethod method,
    String operation,
    String namespace,
    Claims claims,
    AccessCheck access,
    AuthInfo credentials,
    String forwardedFor,
    SocketAddress remoteAddress,
    long startEpochMillis,
    byte[] request,
    long requestBytes,
    String status,
    int httpStatus,
    long responseBytes,
    long latencyNanos) {
  public AuditEvent {
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(face, "face");
    Objects.requireNonNull(method, "method");
    claims = claims == null ? Claims.anonymous() : claims;
    credentials = credentials == null ? AuthInfo.none() : credentials;
  }

  /** True when the call was refused, by its access decision or before one. */
  public boolean refused() {
    return access == null ? status != null && !"OK".equals(status) : !access.allowed();
  }
}
