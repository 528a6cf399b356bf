package dev.gatehouse.api;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table of every method a face serves or forwards, with its scope, access and namespace field: Temporal's
 * {@code common/api/metadata.go}, shared by the data plane (which serves exactly these methods), the access
 * controller and the authorizers. {@link #temporal()} holds WorkflowService, OperatorService and
 * {@code grpc.health.v1.Health}, walked from their generated service descriptors; other faces (the control plane's
 * CloudService) build their own with {@link #builder()}.
 *
 * <p>Classification is an explicit table: a method the generated descriptors have and the table does not (an SDK
 * upgrade that adds an RPC) is left out of the catalog, so no face serves it and it is never forwarded, until
 * someone classifies it. A test fails in that case, so the gap is noticed at build time rather than in production.
 * A method classified namespace-scoped whose request has no {@code namespace} string field (or the reverse) is left
 * out too: the namespace a decision uses must be the one the upstream acts on.
 */
public final class ApiCatalog {
  private static final Logger log = LoggerFactory.getLogger(ApiCatalog.class);

  public static final String WORKFLOW = "temporal.api.workflowservice.v1.WorkflowService";
  public static final String OPERATOR = "temporal.api.operatorservice.v1.OperatorService";
  public static final String HEALTH = "grpc.health.v1.Health";
  public static final String CLOUD = "temporal.api.cloud.cloudservice.v1.CloudService";
  /** Gatehouse's extension of the Ops API: time-limited elevated access (and access reviews). */
  public static final String ACCESS = "gatehouse.access.v1.AccessService";
  /** Gatehouse's extension of the Ops API: access reviews. */
  public static final String REVIEW = "gatehouse.access.v1.AccessReviewService";

  private static final ApiCatalog TEMPORAL = temporalCatalog();
  private static final ApiCatalog CLOUD_CATALOG = cloudCatalog();

  private final Map<String, ApiMethod> byName;
  private final List<ApiMethod> methods;
  private final List<MethodDescriptor<?, ?>> descriptors;
  private final List<Message> requestPrototypes;
  private final List<ServiceDescriptor> services;
  private final int[] taskTokenFields;
  private final int[] namespaceIdFields;

  private ApiCatalog(Builder b) {
    Map<String, ApiMethod> names = new HashMap<>();
    List<ApiMethod> all = new ArrayList<>();
    List<MethodDescriptor<?, ?>> generated = new ArrayList<>();
    List<Message> prototypes = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    for (int s = 0; s < b.services.size(); s++) {
      ServiceDescriptor service = b.services.get(s);
      Map<String, ApiMethod.Classification> table = b.tables.get(s);
      for (MethodDescriptor<?, ?> md : service.getMethods()) {
        String bare = md.getFullMethodName();
        ApiMethod.Classification c = table.get(bare);
        if (c == null) {
          if (b.subsets.get(s)) {
            // A face that serves a deliberate subset (the control plane) leaves the rest out on purpose.
            log.debug("{} is not served", bare);
          } else {
            log.error("{} is not classified; it will be denied until Gatehouse classifies it", bare);
          }
          continue;
        }
        Descriptors.Descriptor input =
            ((ProtoMethodDescriptorSupplier) md.getSchemaDescriptor()).getMethodDescriptor().getInputType();
        Descriptors.FieldDescriptor ns = input.findFieldByName("namespace");
        boolean namespaced = ns != null && ns.getType() == Descriptors.FieldDescriptor.Type.STRING && !ns.isRepeated();
        // An account-scoped (control plane) request may name a namespace it acts on or filters by, or none.
        if (c.scope() != ApiMethod.Scope.ACCOUNT && (c.scope() == ApiMethod.Scope.NAMESPACE) != namespaced) {
          log.error("{} is classified {} but its request {} a namespace field; it will be denied", bare, c.scope(),
              namespaced ? "has" : "has no");
          continue;
        }
        ApiMethod m = new ApiMethod(all.size(), "/" + bare, md.getServiceName(), md.getBareMethodName(), c.scope(),
            c.access(), namespaced ? ns.getNumber() : 0, c.healthCheck());
        names.put(bare, m);
        names.put(m.fullName(), m);
        tokens.add(namespaced ? taskTokenField(input) : 0);
        ids.add(namespaced ? namespaceIdField(input, md.getBareMethodName()) : 0);
        all.add(m);
        generated.add(md);
        prototypes.add(md.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> pm
            && pm.getMessagePrototype() instanceof Message proto ? proto : null);
      }
    }
    this.byName = Map.copyOf(names);
    this.methods = List.copyOf(all);
    this.descriptors = List.copyOf(generated);
    this.requestPrototypes = Collections.unmodifiableList(prototypes);
    this.services = List.copyOf(b.services);
    this.taskTokenFields = tokens.stream().mapToInt(Integer::intValue).toArray();
    this.namespaceIdFields = ids.stream().mapToInt(Integer::intValue).toArray();
  }

  // A task token names the namespace it was issued in (Temporal's token.v1 messages, the test server's tokens).
  private static int taskTokenField(Descriptors.Descriptor input) {
    Descriptors.FieldDescriptor f = input.findFieldByName("task_token");
    return f != null && f.getType() == Descriptors.FieldDescriptor.Type.BYTES && !f.isRepeated() ? f.getNumber() : 0;
  }

  // A namespace id beside the name: namespace_id anywhere, and id in the requests about a namespace itself.
  private static int namespaceIdField(Descriptors.Descriptor input, String methodName) {
    Descriptors.FieldDescriptor f = input.findFieldByName("namespace_id");
    if (f == null && methodName.endsWith("Namespace")) {
      f = input.findFieldByName("id");
    }
    return f != null && f.getType() == Descriptors.FieldDescriptor.Type.STRING && !f.isRepeated() ? f.getNumber() : 0;
  }

  /** The catalog of the Temporal API version Gatehouse was built with: the data plane's and the HTTP API's. */
  public static ApiCatalog temporal() {
    return TEMPORAL;
  }

  private static ApiCatalog temporalCatalog() {
    Map<String, ApiMethod.Classification> table = temporalClassification();
    return builder()
        .service(WorkflowServiceGrpc.getServiceDescriptor(), table)
        .service(OperatorServiceGrpc.getServiceDescriptor(), table)
        .service(HealthGrpc.getServiceDescriptor(), table)
        .build();
  }

  /**
   * The control plane's catalog: the subset of Temporal Cloud's Ops API ({@code CloudService}) Gatehouse serves,
   * every method account-scoped; a request's top-level {@code namespace} field, where it has one, is the namespace
   * the call acts on (or filters by).
   */
  public static ApiCatalog cloud() {
    return CLOUD_CATALOG;
  }

  private static ApiCatalog cloudCatalog() {
    return builder()
        .subset(io.temporal.api.cloud.cloudservice.v1.CloudServiceGrpc.getServiceDescriptor(), cloudClassification())
        .service(dev.gatehouse.api.access.v1.AccessServiceGrpc.getServiceDescriptor(), accessClassification())
        .service(dev.gatehouse.api.access.v1.AccessReviewServiceGrpc.getServiceDescriptor(), reviewClassification())
        .build();
  }

  // Account-scoped like the Ops API's own methods: who may decide on a grant needs the grant, which the control
  // plane reads from the store (auth.CloudAccessPolicy admits every store principal to these methods).
  private static Map<String, ApiMethod.Classification> accessClassification() {
    Map<String, ApiMethod.Classification> t = new LinkedHashMap<>();
    put(t, ACCESS, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.READ, "GetGrant", "ListGrants");
    put(t, ACCESS, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.WRITE, "RequestGrant");
    put(t, ACCESS, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.ADMIN, "ApproveGrant", "DenyGrant", "RevokeGrant");
    return Collections.unmodifiableMap(t);
  }

  // Account-scoped; who may attest an item depends on the item (its namespace), which the control plane reads.
  private static Map<String, ApiMethod.Classification> reviewClassification() {
    Map<String, ApiMethod.Classification> t = new LinkedHashMap<>();
    put(t, REVIEW, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.READ, "ListReviewCampaigns", "GetReviewCampaign",
        "GetReviewReport");
    put(t, REVIEW, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.ADMIN, "StartReviewCampaign", "AttestReviewItem");
    return Collections.unmodifiableMap(t);
  }

  // The Ops API subset of issue 10. The access class is the method's nature (read, change, access management);
  // who may call it is decided by the control plane's policy from the caller's account role and namespace
  // permissions (auth.CloudAccessPolicy), not by this class alone.
  private static Map<String, ApiMethod.Classification> cloudClassification() {
    Map<String, ApiMethod.Classification> t = new LinkedHashMap<>();
    put(t, CLOUD, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.READ,
        "GetCurrentIdentity", "GetUsers", "GetUser", "GetUserGroups", "GetUserGroup", "GetUserGroupMembers",
        "GetServiceAccounts", "GetServiceAccount", "GetApiKeys", "GetApiKey", "GetNamespaces", "GetNamespace",
        "GetAsyncOperation", "GetAuditLogs");
    put(t, CLOUD, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.WRITE,
        "CreateApiKey", "UpdateApiKey", "DeleteApiKey", "CreateNamespace", "UpdateNamespace", "DeleteNamespace");
    put(t, CLOUD, ApiMethod.Scope.ACCOUNT, ApiMethod.Access.ADMIN,
        "CreateUser", "UpdateUser", "DeleteUser", "SetUserNamespaceAccess",
        "CreateUserGroup", "UpdateUserGroup", "DeleteUserGroup", "AddUserGroupMember", "RemoveUserGroupMember",
        "SetUserGroupNamespaceAccess",
        "CreateServiceAccount", "UpdateServiceAccount", "DeleteServiceAccount", "SetServiceAccountNamespaceAccess");
    return Collections.unmodifiableMap(t);
  }

  /** A catalog of other services, e.g. a face's own. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The method named {@code fullMethodName}, with or without the leading {@code /}, or {@code null} when the catalog
   * does not know it (such calls must be denied).
   */
  public ApiMethod find(String fullMethodName) {
    return fullMethodName == null ? null : byName.get(fullMethodName);
  }

  /** Every classified method, in descriptor order; {@code methods().get(m.index()) == m}. */
  public List<ApiMethod> methods() {
    return methods;
  }

  /**
   * The number of {@code method}'s top-level {@code task_token} field (bytes), or 0 when its request carries no
   * task token. Read from the request descriptor, so a new {@code Respond*} method is covered without a list.
   */
  public int taskTokenField(ApiMethod method) {
    return taskTokenFields[indexOf(method)];
  }

  /**
   * The number of the field of {@code method}'s request that names a namespace by id beside its name
   * ({@code namespace_id}, or {@code id} in DescribeNamespace), or 0 when there is none.
   */
  public int namespaceIdField(ApiMethod method) {
    return namespaceIdFields[indexOf(method)];
  }

  /** The services this catalog was built from. */
  public List<ServiceDescriptor> services() {
    return services;
  }

  /** The generated gRPC descriptor of {@code method}, with its typed marshallers. */
  public MethodDescriptor<?, ?> descriptor(ApiMethod method) {
    return descriptors.get(indexOf(method));
  }

  /**
   * {@code method} with {@link ByteMarshaller}s both ways (same full name and type as the generated one), for
   * forwarding a call without decoding it.
   */
  public MethodDescriptor<byte[], byte[]> bytesDescriptor(ApiMethod method) {
    return descriptor(method).toBuilder(ByteMarshaller.BYTES, ByteMarshaller.BYTES).build();
  }

  /** The default instance of {@code method}'s request type, or {@code null}. */
  public Message requestPrototype(ApiMethod method) {
    return requestPrototypes.get(indexOf(method));
  }

  /** True when {@code method} is one of this catalog's. */
  public boolean owns(ApiMethod method) {
    return method.index() < methods.size() && methods.get(method.index()) == method;
  }

  private int indexOf(ApiMethod method) {
    if (method.index() >= methods.size() || methods.get(method.index()) != method) {
      throw new IllegalArgumentException(method.fullName() + " is not from this catalog");
    }
    return method.index();
  }

  /** Collects services and their classification tables. */
  public static final class Builder {
    private final List<ServiceDescriptor> services = new ArrayList<>();
    private final List<Map<String, ApiMethod.Classification>> tables = new ArrayList<>();
    private final List<Boolean> subsets = new ArrayList<>();

    private Builder() {}

    /**
     * Adds every method of {@code service} that {@code classification} classifies.
     *
     * @param classification keyed by {@code package.Service/Method}
     */
    public Builder service(ServiceDescriptor service, Map<String, ApiMethod.Classification> classification) {
      services.add(service);
      tables.add(Map.copyOf(classification));
      subsets.add(false);
      return this;
    }

    /** Adds the methods of {@code service} that {@code classification} names, a deliberate subset of them. */
    public Builder subset(ServiceDescriptor service, Map<String, ApiMethod.Classification> classification) {
      service(service, classification);
      subsets.set(subsets.size() - 1, true);
      return this;
    }

    public ApiCatalog build() {
      return new ApiCatalog(this);
    }
  }

  // Temporal's common/api/metadata.go (workflowServiceMetadata, operatorServiceMetadata) and
  // common/authorization/frontend_api.go (healthCheckAPI). Health.Watch is not in Temporal's
  // health-check set; it is a cluster read here.
  private static Map<String, ApiMethod.Classification> temporalClassification() {
    Map<String, ApiMethod.Classification> t = new LinkedHashMap<>();
    put(t, WORKFLOW, ApiMethod.Scope.NAMESPACE, ApiMethod.Access.ADMIN,
        "RegisterNamespace", "UpdateNamespace", "DeprecateNamespace");
    put(t, WORKFLOW, ApiMethod.Scope.NAMESPACE, ApiMethod.Access.READ,
        "DescribeNamespace",
        "GetWorkflowExecutionHistory", "GetWorkflowExecutionHistoryReverse",
        "ListOpenWorkflowExecutions", "ListClosedWorkflowExecutions", "ListWorkflowExecutions",
        "ListArchivedWorkflowExecutions", "ScanWorkflowExecutions", "CountWorkflowExecutions",
        "QueryWorkflow", "DescribeWorkflowExecution", "DescribeTaskQueue", "ListTaskQueuePartitions",
        "DescribeSchedule", "ListScheduleMatchingTimes", "ListSchedules", "CountSchedules",
        "GetWorkerBuildIdCompatibility", "GetWorkerVersioningRules", "GetWorkerTaskReachability",
        "PollWorkflowExecutionUpdate",
        "DescribeBatchOperation", "ListBatchOperations",
        "DescribeDeployment", "ListDeployments", "GetDeploymentReachability", "GetCurrentDeployment",
        "DescribeWorkerDeploymentVersion", "DescribeWorkerDeployment", "ListWorkerDeployments",
        "ValidateWorkerDeploymentVersionComputeConfig",
        "DescribeWorkflowRule", "ListWorkflowRules",
        "ListWorkers", "CountWorkers", "DescribeWorker", "FetchWorkerConfig",
        "DescribeActivityExecution", "PollActivityExecution", "ListActivityExecutions", "CountActivityExecutions",
        "DescribeNexusOperationExecution", "PollNexusOperationExecution", "ListNexusOperationExecutions",
        "CountNexusOperationExecutions");
    put(t, WORKFLOW, ApiMethod.Scope.NAMESPACE, ApiMethod.Access.WRITE,
        "StartWorkflowExecution", "ExecuteMultiOperation",
        "PollWorkflowTaskQueue", "RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed",
        "PollActivityTaskQueue", "RecordActivityTaskHeartbeat", "RecordActivityTaskHeartbeatById",
        "RespondActivityTaskCompleted", "RespondActivityTaskCompletedById",
        "RespondActivityTaskFailed", "RespondActivityTaskFailedById",
        "RespondActivityTaskCanceled", "RespondActivityTaskCanceledById",
        "PollNexusTaskQueue", "RespondNexusTaskCompleted", "RespondNexusTaskFailed",
        "RequestCancelWorkflowExecution", "SignalWorkflowExecution", "SignalWithStartWorkflowExecution",
        "ResetWorkflowExecution", "TerminateWorkflowExecution", "DeleteWorkflowExecution",
        "RespondQueryTaskCompleted", "ResetStickyTaskQueue", "ShutdownWorker",
        "CreateSchedule", "UpdateSchedule", "PatchSchedule", "DeleteSchedule",
        "UpdateWorkerBuildIdCompatibility", "UpdateWorkerVersioningRules",
        "UpdateWorkflowExecution", "StartBatchOperation", "StopBatchOperation",
        "UpdateActivityOptions", "PauseActivity", "UnpauseActivity", "ResetActivity",
        "UpdateWorkflowExecutionOptions",
        "SetCurrentDeployment", "SetWorkerDeploymentCurrentVersion", "SetWorkerDeploymentRampingVersion",
        "SetWorkerDeploymentManager", "CreateWorkerDeployment", "DeleteWorkerDeployment",
        "CreateWorkerDeploymentVersion", "DeleteWorkerDeploymentVersion",
        "UpdateWorkerDeploymentVersionComputeConfig", "UpdateWorkerDeploymentVersionMetadata",
        "CreateWorkflowRule", "DeleteWorkflowRule", "TriggerWorkflowRule",
        "RecordWorkerHeartbeat", "UpdateTaskQueueConfig", "UpdateWorkerConfig",
        "PauseWorkflowExecution", "UnpauseWorkflowExecution",
        "StartActivityExecution", "RequestCancelActivityExecution", "TerminateActivityExecution",
        "DeleteActivityExecution", "PauseActivityExecution", "UnpauseActivityExecution", "ResetActivityExecution",
        "UpdateActivityExecutionOptions",
        "StartNexusOperationExecution", "RequestCancelNexusOperationExecution", "TerminateNexusOperationExecution",
        "DeleteNexusOperationExecution");
    put(t, WORKFLOW, ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ,
        "ListNamespaces", "GetSearchAttributes", "GetClusterInfo");
    t.put(WORKFLOW + "/GetSystemInfo",
        new ApiMethod.Classification(ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ, true));

    put(t, OPERATOR, ApiMethod.Scope.NAMESPACE, ApiMethod.Access.ADMIN,
        "AddSearchAttributes", "RemoveSearchAttributes", "DeleteNamespace");
    put(t, OPERATOR, ApiMethod.Scope.NAMESPACE, ApiMethod.Access.READ, "ListSearchAttributes");
    put(t, OPERATOR, ApiMethod.Scope.CLUSTER, ApiMethod.Access.ADMIN,
        "AddOrUpdateRemoteCluster", "RemoveRemoteCluster", "ListClusters",
        "CreateNexusEndpoint", "UpdateNexusEndpoint", "DeleteNexusEndpoint", "GetNexusEndpoint",
        "ListNexusEndpoints");

    t.put(HEALTH + "/Check", new ApiMethod.Classification(ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ, true));
    put(t, HEALTH, ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ, "Watch");
    return Collections.unmodifiableMap(t);
  }

  private static void put(
      Map<String, ApiMethod.Classification> t, String service, ApiMethod.Scope scope, ApiMethod.Access access,
      String... names) {
    for (String name : names) {
      if (t.put(service + "/" + name, new ApiMethod.Classification(scope, access, false)) != null) {
        throw new IllegalStateException("classified twice: " + name);
      }
    }
  }

  /** The classification table's keys ({@code package.Service/Method}); for the completeness test. */
  static Collection<String> classifiedNames() {
    return temporalClassification().keySet();
  }
}
