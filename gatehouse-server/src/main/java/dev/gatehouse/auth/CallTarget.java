package dev.gatehouse.auth;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;

/**
 * What a call is about to do: the API method, the namespace it acts on and, on demand, the request itself.
 * Temporal's {@code CallTarget}.
 *
 * <p>The namespace is the one the upstream will act on, read from the request body. {@link #request()} parses the
 * raw request only when first asked (most authorizers never need it) and remembers the result.
 */
public final class CallTarget {
  private final ApiMethod method;
  private final String namespace;
  private final byte[] rawRequest;
  private final ApiCatalog catalog;
  // Benign race: two threads may both parse; both get equal messages.
  private volatile Message parsed;

  CallTarget(ApiCatalog catalog, ApiMethod method, String namespace, byte[] rawRequest) {
    this.catalog = catalog;
    this.method = method;
    this.namespace = namespace == null ? "" : namespace;
    this.rawRequest = rawRequest;
  }

  /**
   * A target for {@code fullMethodName} in {@code namespace} without a request body, e.g. to test an authorizer.
   *
   * @throws IllegalArgumentException when the catalog does not know the method
   */
  public static CallTarget of(String fullMethodName, String namespace) {
    return of(fullMethodName, namespace, null);
  }

  /**
   * A target for {@code fullMethodName} in {@code namespace} with the serialized request.
   *
   * @throws IllegalArgumentException when the catalog does not know the method
   */
  public static CallTarget of(String fullMethodName, String namespace, byte[] rawRequest) {
    ApiCatalog catalog = ApiCatalog.temporal();
    ApiMethod m = catalog.find(fullMethodName);
    if (m == null) {
      throw new IllegalArgumentException("unknown API method: " + fullMethodName);
    }
    return new CallTarget(catalog, m, namespace, rawRequest);
  }

  /** The full API name, e.g. {@code /temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution}. */
  public String apiName() {
    return method.fullName();
  }

  /** The method with its scope and access. */
  public ApiMethod method() {
    return method;
  }

  /** The namespace the call acts on; empty for cluster-scoped calls. */
  public String namespace() {
    return namespace;
  }

  /**
   * The typed request (e.g. {@code io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest}), parsed from
   * the raw bytes on first use, or {@code null} when the caller supplied no body.
   *
   * @throws IllegalStateException when the bytes are not a valid request; the call is then denied
   */
  public Message request() {
    Message m = parsed;
    if (m != null || rawRequest == null) {
      return m;
    }
    Message prototype = catalog.requestPrototype(method);
    if (prototype == null) {
      return null;
    }
    try {
      m = prototype.getParserForType().parseFrom(rawRequest);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("malformed " + method.methodName() + " request", e);
    }
    parsed = m;
    return m;
  }

  @Override
  public String toString() {
    return "CallTarget[" + method.fullName() + ", namespace=" + namespace + "]";
  }
}
