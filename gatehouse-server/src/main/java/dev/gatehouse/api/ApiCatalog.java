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
 * Every method Gatehouse serves — WorkflowService, OperatorService and {@code grpc.health.v1.Health}, walked from
 * their generated service descriptors — with its scope and access as Temporal classifies it.
 *
 * <p>Classification is an explicit table: a method the generated descriptors have and the table does not (an SDK
 * upgrade that adds an RPC) is left out of the catalog and therefore denied, until someone classifies it. A test
 * fails in that case, so the gap is noticed at build time rather than in production.
 */
public final class ApiCatalog {
  private static final Logger log = LoggerFactory.getLogger(ApiCatalog.class);

  public static final String WORKFLOW = "temporal.api.workflowservice.v1.WorkflowService";
  public static final String OPERATOR = "temporal.api.operatorservice.v1.OperatorService";
  public static final String HEALTH = "grpc.health.v1.Health";

  private static final ApiCatalog TEMPORAL = new ApiCatalog(List.of(
      WorkflowServiceGrpc.getServiceDescriptor(),
      OperatorServiceGrpc.getServiceDescriptor(),
      HealthGrpc.getServiceDescriptor()));

  private final Map<String, ApiMethod> byName;
  private final Map<String, Message> requestPrototypes;
  private final List<ApiMethod> methods;

  private ApiCatalog(List<ServiceDescriptor> services) {
    Map<String, Classification> table = classification();
    Map<String, ApiMethod> names = new HashMap<>();
    Map<String, Message> prototypes = new HashMap<>();
    List<ApiMethod> all = new ArrayList<>();
    for (ServiceDescriptor service : services) {
      for (MethodDescriptor<?, ?> md : service.getMethods()) {
        String bare = md.getFullMethodName();
        Classification c = table.get(bare);
        if (c == null) {
          log.error("{} is not classified; it will be denied until Gatehouse classifies it", bare);
          continue;
        }
        Descriptors.Descriptor input =
            ((ProtoMethodDescriptorSupplier) md.getSchemaDescriptor()).getMethodDescriptor().getInputType();
        Descriptors.FieldDescriptor ns = input.findFieldByName("namespace");
        boolean namespaced = ns != null && ns.getType() == Descriptors.FieldDescriptor.Type.STRING && !ns.isRepeated();
        if ((c.scope == ApiMethod.Scope.NAMESPACE) != namespaced) {
          log.error("{} is classified {} but its request {} a namespace field; it will be denied", bare, c.scope,
              namespaced ? "has" : "has no");
          continue;
        }
        ApiMethod m = new ApiMethod("/" + bare, md.getServiceName(), md.getBareMethodName(), c.scope, c.access,
            namespaced ? ns.getNumber() : 0, c.healthCheck);
        names.put(bare, m);
        names.put(m.fullName(), m);
        all.add(m);
        if (md.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> pm
            && pm.getMessagePrototype() instanceof Message proto) {
          prototypes.put(m.fullName(), proto);
        }
      }
    }
    this.byName = Map.copyOf(names);
    this.requestPrototypes = Map.copyOf(prototypes);
    this.methods = List.copyOf(all);
  }

  /** The catalog of the Temporal API version Gatehouse was built with. */
  public static ApiCatalog temporal() {
    return TEMPORAL;
  }

  /**
   * The method named {@code fullMethodName}, with or without the leading {@code /}, or {@code null} when the catalog
   * does not know it (such calls must be denied).
   */
  public ApiMethod find(String fullMethodName) {
    return fullMethodName == null ? null : byName.get(fullMethodName);
  }

  /** Every classified method, in descriptor order. */
  public Collection<ApiMethod> methods() {
    return methods;
  }

  /** The default instance of {@code method}'s request type, or {@code null}. */
  public Message requestPrototype(ApiMethod method) {
    return requestPrototypes.get(method.fullName());
  }

  private record Classification(ApiMethod.Scope scope, ApiMethod.Access access, boolean healthCheck) {}

  // Temporal's common/api/metadata.go (workflowServiceMetadata, operatorServiceMetadata) and
  // common/authorization/frontend_api.go (healthCheckAPI). Health.Watch is not in Temporal's
  // health-check set; it is a cluster read here.
  private static Map<String, Classification> classification() {
    Map<String, Classification> t = new LinkedHashMap<>();
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
    t.put(WORKFLOW + "/GetSystemInfo", new Classification(ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ, true));

    put(t, OPERATOR, ApiMethod.Scope.NAMESPACE, ApiMethod.Access.ADMIN,
        "AddSearchAttributes", "RemoveSearchAttributes", "DeleteNamespace");
    put(t, OPERATOR, ApiMethod.Scope.NAMESPACE, ApiMethod.Access.READ, "ListSearchAttributes");
    put(t, OPERATOR, ApiMethod.Scope.CLUSTER, ApiMethod.Access.ADMIN,
        "AddOrUpdateRemoteCluster", "RemoveRemoteCluster", "ListClusters",
        "CreateNexusEndpoint", "UpdateNexusEndpoint", "DeleteNexusEndpoint", "GetNexusEndpoint",
        "ListNexusEndpoints");

    t.put(HEALTH + "/Check", new Classification(ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ, true));
    put(t, HEALTH, ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ, "Watch");
    return Collections.unmodifiableMap(t);
  }

  private static void put(
      Map<String, Classification> t, String service, ApiMethod.Scope scope, ApiMethod.Access access,
      String... names) {
    for (String name : names) {
      if (t.put(service + "/" + name, new Classification(scope, access, false)) != null) {
        throw new IllegalStateException("classified twice: " + name);
      }
    }
  }

  /** The classification table's keys ({@code package.Service/Method}); for the completeness test. */
  static Collection<String> classifiedNames() {
    return classification().keySet();
  }
}
