package dev.gatehouse.api;


/**
 * One method of an API Gatehouse serves or forwards, as Gatehouse classifies it, following Temporal's own method
 * metadata ({@code common/api/metadata.go}). Every face classifies a call into one of these before anything else
 * looks at it; later stages use this value, never the method's name.
 *
 * @param index dense position in its {@link ApiCatalog}, for per-method tables on the hot path (metrics)
 * @param fullName {@code /package.Service/Method}, e.g.
 *     {@code /temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution}
 * @param serviceName {@code package.Service}
 * @param methodName the bare method name
 * @param scope whether the call acts on one namespace or on the whole cluster
 * @param access the least access the call needs
 * @param namespaceFieldNumber the request's {@code namespace} field number, or 0 for cluster-scoped methods
 * @param healthCheck true for calls anyone may make (gRPC health {@code Check} and {@code GetSystemInfo}), as in
 *     Temporal's {@code IsHealthCheckAPI}
 */
public record ApiMethod(
    int index,
    String fullName,
    String serviceName,
    String methodName,
    Scope scope,
    Access access,
    int namespaceFieldNumber,
    boolean healthCheck) {

  /** What a method acts on. */
  public enum Scope {
    /** The account (the whole installation's control plane); the request has no namespace. */
    ACCOUNT,
    /** The whole cluster; the request has no namespace. */
    CLUSTER,
    /** One namespace, named in the request. */
    NAMESPACE
  }

  /** The least access a method needs; ordered. */
  public enum Access {
    READ,
    WRITE,
    ADMIN
  }

  /** How a method is classified before it joins a catalog. */
  public record Classification(Scope scope, Access access, boolean healthCheck) {}
}
