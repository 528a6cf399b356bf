package dev.gatehouse.proxy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gatehouse.api.NamespaceReader;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.StoreClaims;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CredentialHeaders;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.Face;
import dev.gatehouse.tls.PeerCertificate;
import io.grpc.Metadata;
import io.grpc.Status;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * The transport-independent steps of a data-plane call, shared by both forwarders (grpc-java's
 * {@link ProxyCallHandler} and the HTTP/2 frame relay {@link FrameCall}), so that the two refuse the same calls with
 * the same statuses and hand the pipeline the same context.
 */
final class CallSteps {
  static final Metadata.Key<String> NAMESPACE_HEADER =
      Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER);

  private CallSteps() {}

  /**
   * Step 1, sanitize: checks and strips the caller's headers in place. A refused call is answered by the caller of
   * this method with the returned status; the end-of-call observers (metrics) hear of it here, without the headers.
   *
   * @return {@code null} when the headers are acceptable, else the status to close the call with
   */
  static Status sanitize(Metadata headers, ProxiedMethod method, CallPipeline pipeline, InputWarnings warnings,
      SocketAddress remote, long startNanos) {
    String badHeaders = ForwardedHeaders.sanitizeRequest(headers);
    if (badHeaders == null) {
      return null;
    }
    warnings.refused(badHeaders, method.fullMethodName(), remote);
    Status status = Status.INVALID_ARGUMENT.withDescription(badHeaders);
    pipeline.close(CallContext.arrived(Face.GRPC, method.method(), new Metadata())
        .remoteAddress(remote).startNanos(startNanos).build(), status, 0, 0);
    return status;
  }

  /** The call's context from its sanitized headers and its connection's identity. */
  static CallContext arrived(ProxiedMethod method, Metadata headers, Metadata.Key<String> tokenHeader,
      Metadata.Key<String> extraHeader, PeerCertificate peer, String serverName, SocketAddress remote,
      long startNanos) {
    CredentialHeaders presented = CredentialHeaders.of(headers.getAll(tokenHeader), headers.getAll(extraHeader));
    AuthInfo credentials = new AuthInfo(presented.token(), presented.extra(), peer, null, remote, serverName);
    return CallContext.arrived(Face.GRPC, method.method(), headers)
        .credentials(credentials, presented.ambiguous())
        .remoteAddress(remote)
        .startNanos(startNanos)
        .build();
  }

  /**
   * The refusal for a request message that could not be inflated ({@link ProxiedMethod#UNREADABLE},
   * {@link ProxiedMethod#TOO_LARGE}), logged once (rate-limited); {@code null} for a readable message.
   */
  static Status unreadable(byte[] message, ProxiedMethod method, InputWarnings warnings, SocketAddress remote) {
    if (message != ProxiedMethod.UNREADABLE && message != ProxiedMethod.TOO_LARGE) {
      return null;
    }
    // grpc-go's answers: INTERNAL for a body that does not decompress, RESOURCE_EXHAUSTED past the size limit.
    Status status = message == ProxiedMethod.TOO_LARGE
        ? Status.RESOURCE_EXHAUSTED.withDescription("decompressed request message exceeds the size limit")
        : Status.INTERNAL.withDescription("request message could not be decompressed");
    warnings.refused(status.getDescription(), method.fullMethodName(), remote);
    return status;
  }

  /** The refusal of a second request message on a single-request method. */
  static Status secondMessage() {
    return Status.INVALID_ARGUMENT.withDescription("more than one request message for a single-request method");
  }

  /** The refusal of a call that half-closed without a request message. */
  static Status noMessage() {
    return Status.INVALID_ARGUMENT.withDescription("no request message");
  }

  /**
   * Step 3, one message and its namespace: reads the namespace from the body and records the request in the
   * context ({@link CallContext#requestRead}).
   *
   * @return {@code null} when the call may go on to {@link CallPipeline#admit}, else its refusal
   */
  static Status readRequest(ProxiedMethod method, CallContext context, byte[] request) {
    String namespace;
    try {
      namespace = NamespaceReader.read(request, method.namespaceField());
    } catch (InvalidProtocolBufferException e) {
      return Status.INVALID_ARGUMENT.withDescription("malformed request message");
    }
    if (method.namespaceField() != 0 && !headerAgrees(context.headers(), namespace)) {
      // The body is what the upstream acts on; a header may only agree with it (invariant 2).
      return Status.INVALID_ARGUMENT.withDescription("temporal-namespace header does not match the request's namespace");
    }
    context.requestRead(namespace, request);
    return null;
  }

  /** Every {@code temporal-namespace} header value, if any, must name the body's namespace. */
  private static boolean headerAgrees(Metadata headers, String namespace) {
    Iterable<String> values = headers.getAll(NAMESPACE_HEADER);
    if (values == null) {
      return true;
    }
    for (String v : values) {
      if (!v.equals(namespace)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A call made under an elevated grant (a long poll) does not outlive the grant: its upstream deadline is the
   * grant's expiry when that comes before the caller's own. Grants for the call's namespace, or an account role
   * grant, count; the one lasting longest decides.
   *
   * @return the grant's remaining time in milliseconds (at least 1), or {@code -1} when no grant bounds the call
   */
  static long grantRemainingMillis(CallContext context) {
    if (context.access() == null
        || !(context.access().claims().extensions().get(StoreClaims.ELEVATED_REMAINING) instanceof Map<?, ?> remaining)) {
      return -1;
    }
    Object left = remaining.get(context.namespace() == null ? "" : context.namespace());
    if (left == null) {
      left = remaining.get("");
    }
    return left instanceof Duration d ? Math.max(1, d.toMillis()) : -1;
  }


}
