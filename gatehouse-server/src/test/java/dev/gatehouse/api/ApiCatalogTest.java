package dev.gatehouse.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ApiCatalogTest {
  private static final List<ServiceDescriptor> SERVICES = List.of(
      WorkflowServiceGrpc.getServiceDescriptor(),
      OperatorServiceGrpc.getServiceDescriptor(),
      HealthGrpc.getServiceDescriptor());

  private final ApiCatalog catalog = ApiCatalog.temporal();

  @Test
  void everyGeneratedMethodIsClassified() {
    // Fails after an SDK upgrade that adds an RPC: classify it in ApiCatalog (it is denied until then).
    List<String> missing = new ArrayList<>();
    for (ServiceDescriptor s : SERVICES) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        if (catalog.find(m.getFullMethodName()) == null) {
          missing.add(m.getFullMethodName());
        }
      }
    }
    assertThat(missing).as("methods the catalog does not classify").isEmpty();
  }

  @Test
  void taskTokenAndNamespaceIdFieldsComeFromTheDescriptors() {
    Map<String, Integer> tokens = new TreeMap<>();
    Map<String, Integer> ids = new TreeMap<>();
    for (ApiMethod m : catalog.methods()) {
      if (catalog.taskTokenField(m) != 0) {
        tokens.put(m.methodName(), catalog.taskTokenField(m));
      }
      if (catalog.namespaceIdField(m) != 0) {
        ids.put(m.methodName(), catalog.namespaceIdField(m));
      }
    }
    assertThat(tokens).containsExactlyInAnyOrderEntriesOf(Map.of(
        "RespondActivityTaskCompleted", 1, "RespondActivityTaskFailed", 1, "RespondActivityTaskCanceled", 1,
        "RecordActivityTaskHeartbeat", 1, "RespondWorkflowTaskCompleted", 1, "RespondWorkflowTaskFailed", 1,
        "RespondQueryTaskCompleted", 1, "RespondNexusTaskCompleted", 3, "RespondNexusTaskFailed", 3));
    assertThat(ids).containsExactlyInAnyOrderEntriesOf(Map.of("DescribeNamespace", 2, "DeleteNamespace", 2));
  }

  @Test
  void classificationTableNamesOnlyRealMethods() {
    Set<String> real = new HashSet<>();
    SERVICES.forEach(s -> s.getMethods().forEach(m -> real.add(m.getFullMethodName())));
    assertThat(real).containsAll(ApiCatalog.classifiedNames());
    assertThat(catalog.methods()).hasSize(real.size());
  }

  @Test
  void namespaceScopeMatchesTheRequestsNamespaceField() {
    for (ServiceDescriptor s : SERVICES) {
      for (MethodDescriptor<?, ?> md : s.getMethods()) {
        ApiMethod m = catalog.find(md.getFullMethodName());
        Descriptors.Descriptor input =
            ((ProtoMethodDescriptorSupplier) md.getSchemaDescriptor()).getMethodDescriptor().getInputType();
        Descriptors.FieldDescriptor ns = input.findFieldByName("namespace");
        if (m.scope() == ApiMethod.Scope.NAMESPACE) {
          assertThat(ns).as(m.fullName()).isNotNull();
          assertThat(m.namespaceFieldNumber()).as(m.fullName()).isEqualTo(ns.getNumber());
        } else {
          assertThat(ns).as(m.fullName()).isNull();
          assertThat(m.namespaceFieldNumber()).isZero();
        }
      }
    }
  }

  @Test
  void followsTemporalsClassification() {
    assertMethod("WorkflowService/StartWorkflowExecution", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.WRITE);
    assertMethod("WorkflowService/DescribeWorkflowExecution", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.READ);
    assertMethod("WorkflowService/PollWorkflowTaskQueue", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.WRITE);
    assertMethod("WorkflowService/PollWorkflowExecutionUpdate", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.READ);
    assertMethod("WorkflowService/RegisterNamespace", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.ADMIN);
    assertMethod("WorkflowService/UpdateNamespace", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.ADMIN);
    assertMethod("WorkflowService/ListNamespaces", ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ);
    assertMethod("WorkflowService/GetClusterInfo", ApiMethod.Scope.CLUSTER, ApiMethod.Access.READ);
    assertMethod("OperatorService/DeleteNamespace", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.ADMIN);
    assertMethod("OperatorService/ListSearchAttributes", ApiMethod.Scope.NAMESPACE, ApiMethod.Access.READ);
    assertMethod("OperatorService/ListClusters", ApiMethod.Scope.CLUSTER, ApiMethod.Access.ADMIN);
    assertMethod("OperatorService/CreateNexusEndpoint", ApiMethod.Scope.CLUSTER, ApiMethod.Access.ADMIN);

    assertThat(catalog.find("/grpc.health.v1.Health/Check").healthCheck()).isTrue();
    assertThat(catalog.find("/" + ApiCatalog.WORKFLOW + "/GetSystemInfo").healthCheck()).isTrue();
    assertThat(catalog.find("/grpc.health.v1.Health/Watch").healthCheck()).isFalse();
    assertThat(catalog.methods().stream().filter(ApiMethod::healthCheck)).hasSize(2);
  }

  @Test
  void namespaceFieldNumbersThatAreNotOne() {
    assertThat(catalog.find("/" + ApiCatalog.WORKFLOW + "/RespondWorkflowTaskCompleted").namespaceFieldNumber())
        .isEqualTo(9);
    assertThat(catalog.find("/" + ApiCatalog.WORKFLOW + "/RecordActivityTaskHeartbeat").namespaceFieldNumber())
        .isEqualTo(4);
    assertThat(catalog.find("/" + ApiCatalog.OPERATOR + "/AddSearchAttributes").namespaceFieldNumber())
        .isEqualTo(2);
  }

  @Test
  void findsWithOrWithoutLeadingSlashAndNothingElse() {
    ApiMethod a = catalog.find("/" + ApiCatalog.WORKFLOW + "/StartWorkflowExecution");
    assertThat(catalog.find(ApiCatalog.WORKFLOW + "/StartWorkflowExecution")).isSameAs(a);
    assertThat(a.fullName()).isEqualTo("/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution");
    assertThat(catalog.find("/temporal.server.api.adminservice.v1.AdminService/DescribeCluster")).isNull();
    assertThat(catalog.find("/" + ApiCatalog.WORKFLOW + "/startworkflowexecution")).isNull();
    assertThat(catalog.find("StartWorkflowExecution")).isNull();
    assertThat(catalog.find("")).isNull();
    assertThat(catalog.find(null)).isNull();
  }

  private void assertMethod(String name, ApiMethod.Scope scope, ApiMethod.Access access) {
    ApiMethod m = catalog.find("/temporal.api." + (name.startsWith("Operator") ? "operatorservice" : "workflowservice")
        + ".v1." + name);
    assertThat(m).as(name).isNotNull();
    assertThat(m.scope()).as(name).isEqualTo(scope);
    assertThat(m.access()).as(name).isEqualTo(access);
  }
}
