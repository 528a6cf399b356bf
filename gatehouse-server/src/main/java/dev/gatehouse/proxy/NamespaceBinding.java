package dev.gatehouse.proxy;

import dev.gatehouse.api.NamespaceReader;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallGate;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invariant 2 for what names a namespace besides the {@code namespace} field: a task token (the {@code Respond*}
 * calls act on the token's namespace, whatever the request names) and a namespace id beside the name
 * (DescribeNamespace {@code id}, DeleteNamespace {@code namespace_id}) may only agree with the namespace the call was
 * authorized in. Which requests carry them is read from the descriptors ({@link ApiCatalog#taskTokenField},
 * {@link ApiCatalog#namespaceIdField}).
 *
 * <p>A test-server token names its namespace and is checked at once. A Temporal token and a namespace id name an id:
 * the authorized namespace's id comes from the upstream's DescribeNamespace ({@link NamespaceIds}, cached), so the
 * gate answers with a pending stage and never blocks the loop. A token that cannot be read, or an id that cannot be
 * resolved, refuses the call (fail closed). Temporal's frontend does the same only with
 * {@code frontend.enableTokenNamespaceEnforcement}; Gatehouse always does.
 */
final class NamespaceBinding implements CallGate {
  private static final Logger log = LoggerFactory.getLogger(NamespaceBinding.class);
  /** Temporal's {@code errTokenNamespaceMismatch}. */
  static final String TOKEN_MISMATCH = "Operation requested with a token from a different namespace.";
  /** Temporal's {@code errDeserializingToken}. */
  static final String TOKEN_UNREADABLE = "Error deserializing task token.";
  static final String ID_MISMATCH = "Namespace id does not match the namespace.";

  private final ApiCatalog catalog;
  private final NamespaceIds ids;

  NamespaceBinding(ApiCatalog catalog, NamespaceIds ids) {
    this.catalog = catalog;
    this.ids = ids;
  }

  @Override
  public CompletionStage<GateVerdict> admit(CallContext call) {
    ApiMethod method = call.method();
    if (method.scope() != ApiMethod.Scope.NAMESPACE) {
      return GateVerdict.admitted();
    }
    int tokenField = catalog.taskTokenField(method);
    int idField = catalog.namespaceIdField(method);
    if (tokenField == 0 && idField == 0) {
      return GateVerdict.admitted();
    }
    String namespace = call.namespace();
    String wantedId = null;
    String mismatch = null;
    try {
      if (tokenField != 0) {
        byte[] token = NamespaceReader.field(call.request(), tokenField);
        // An empty token is the upstream's to refuse ("Task token not set on request."); it names no namespace.
        if (token != null && token.length > 0) {
          switch (TaskTokens.read(token)) {
            case TaskTokens.ByName n -> {
              if (!n.namespace().equals(namespace)) {
                return refuse(TOKEN_MISMATCH);
              }
            }
            case TaskTokens.ById i -> {
              wantedId = i.namespaceId();
              mismatch = TOKEN_MISMATCH;
            }
            case TaskTokens.Unreadable u -> {
              return refuse(TOKEN_UNREADABLE);
            }
          }
        }
      }
      if (idField != 0) {
        byte[] raw = NamespaceReader.field(call.request(), idField);
        if (raw != null && raw.length > 0) {
          String id = new String(raw, StandardCharsets.UTF_8);
          if (wantedId != null && !wantedId.equals(id)) {
            return refuse(ID_MISMATCH);
          }
          wantedId = id;
          mismatch = ID_MISMATCH;
        }
      }
    } catch (InvalidProtocolBufferException e) {
      return refuse("malformed request message");
    }
    if (wantedId == null) {
      return GateVerdict.admitted();
    }
    String expected = wantedId;
    String refusal = mismatch;
    return ids.idOf(namespace, call.headers())
        .thenCompose(id -> id.equals(expected) ? CompletableFuture.completedFuture(id)
            : ids.recheck(namespace, call.headers()))
        .handle((id, failure) -> {
          if (failure != null) {
            Status s = Status.fromThrowable(failure);
            log.debug("namespace id of {} not resolved: {}", namespace, s.getCode());
            return s.getCode() == Status.Code.NOT_FOUND
                ? GateVerdict.refuse(Status.INVALID_ARGUMENT.withDescription(refusal))
                : GateVerdict.refuse(Status.UNAVAILABLE.withDescription("the namespace id could not be checked"));
          }
          return id.equals(expected) ? GateVerdict.admit()
              : GateVerdict.refuse(Status.INVALID_ARGUMENT.withDescription(refusal));
        });
  }

  private static CompletionStage<GateVerdict> refuse(String message) {
    return CompletableFuture.completedStage(GateVerdict.refuse(Status.INVALID_ARGUMENT.withDescription(message)));
  }
}
