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
    // Two tokens are ambiguous: we would decide on one while an upstream that also authorizes might use the other
    // (Temporal's frontend reads the first, Metadata.get the last). Refuse rather than guess.
    if (repeated(headers, tokenHeader) || repeated(headers, extraHeader)) {
      return GateVerdict.refuse(Status.UNAUTHENTICATED.withDescription(AccessController.REQUEST_UNAUTHENTICATED));
    }
    AuthInfo info = new AuthInfo(headers.get(tokenHeader), headers.get(extraHeader), call.peer(), null, call.remoteAddress());
    AccessCheck check = access.check(info, call.fullMethodName(), call.namespace(), call.request());
    return switch (check.outcome()) {
      case ALLOW -> admitted(check, headers);
      case UNAUTHENTICATED -> GateVerdict.refuse(Status.UNAUTHENTICATED.withDescription(check.message()));
      case PERMISSION_DENIED -> GateVerdict.refuse(Status.PERMISSION_DENIED.withDescription(check.message()));
      case INVALID_ARGUMENT -> GateVerdict.refuse(Status.INVALID_ARGUMENT.withDescription(check.message()));
    };
  }

  private static boolean repeated(Metadata headers, Metadata.Key<String> key) {
    Iterable<String> values = headers.getAll(key);
    if (values == null) {
      return false;
    }
    var it = values.iterator();
    it.next();
    return it.hasNext();
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
