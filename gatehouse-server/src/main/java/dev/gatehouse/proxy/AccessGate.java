package dev.gatehouse.proxy;

import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Locale;
import java.util.Map;

/**
 * The pipeline's identify → claims → authorize stage: Temporal's ClaimMapper and Authorizer, run on every call
 * before it may be forwarded. Refusals use gRPC's meanings: UNAUTHENTICATED for missing or bad credentials,
 * PERMISSION_DENIED for a known caller without the permission.
 */
public final class AccessGate implements CallGate {
  private final AccessController access;
  private final Metadata.Key<String> tokenHeader;
  private final Metadata.Key<String> extraHeader;

  public AccessGate(AccessController access) {
    this.access = access;
    // gRPC metadata keys are lower-case on the wire, whatever case the config spells them in.
    this.tokenHeader = Metadata.Key.of(access.authHeaderName().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
    this.extraHeader =
        Metadata.Key.of(access.authExtraHeaderName().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
  }

  @Override
  public GateVerdict admit(InboundCall call) {
    Metadata headers = call.headers();
    AuthInfo info = new AuthInfo(headers.get(tokenHeader), headers.get(extraHeader), call.peer(), null, call.remoteAddress());
    AccessCheck check = access.check(info, call.fullMethodName(), call.namespace(), call.request());
    return switch (check.outcome()) {
      case ALLOW -> admitted(check, headers);
      case UNAUTHENTICATED -> GateVerdict.refuse(Status.UNAUTHENTICATED.withDescription(check.message()));
      case PERMISSION_DENIED -> GateVerdict.refuse(Status.PERMISSION_DENIED.withDescription(check.message()));
      case INVALID_ARGUMENT -> GateVerdict.refuse(Status.INVALID_ARGUMENT.withDescription(check.message()));
    };
  }

  private GateVerdict admitted(AccessCheck check, Metadata headers) {
    Map<String, String> principal = access.principalHeaders(check.claims());
    for (Map.Entry<String, String> h : principal.entrySet()) {
      headers.put(Metadata.Key.of(h.getKey(), Metadata.ASCII_STRING_MARSHALLER), h.getValue());
    }
    return check.filtersResponse()
        ? GateVerdict.admitRewriting(response -> access.filterResponse(check, response))
        : GateVerdict.admit();
  }
}
