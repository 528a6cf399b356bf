package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DefaultAuthorizerTest {
  private static final String WF = "/temporal.api.workflowservice.v1.WorkflowService/";
  private static final String OP = "/temporal.api.operatorservice.v1.OperatorService/";

  private final Authorizer authorizer = Authorizer.temporalDefault();

  private static Claims namespaceRole(String ns, Role role) {
    return new Claims("u", Role.UNDEFINED, Map.of(ns, role), "test", null);
  }

  private static Claims system(Role role) {
    return new Claims("u", role, Map.of(), "test", null);
  }

  private boolean allowed(Claims c, String method, String ns) {
    return authorizer.authorize(c, CallTarget.of(method, ns)).allowed();
  }

  @Test
  void readerCanDescribeButNotStart() {
    Claims reader = namespaceRole("ns-a", Role.READER);
    assertThat(allowed(reader, WF + "DescribeWorkflowExecution", "ns-a")).isTrue();
    assertThat(allowed(reader, WF + "GetWorkflowExecutionHistory", "ns-a")).isTrue();
    assertThat(allowed(reader, WF + "StartWorkflowExecution", "ns-a")).isFalse();
    assertThat(allowed(reader, WF + "PollWorkflowTaskQueue", "ns-a")).isFalse();
    assertThat(allowed(reader, WF + "UpdateNamespace", "ns-a")).isFalse();
  }

  @Test
  void writerCannotTouchAnotherNamespace() {
    Claims writer = namespaceRole("ns-a", Role.WRITER);
    assertThat(allowed(writer, WF + "StartWorkflowExecution", "ns-a")).isTrue();
    assertThat(allowed(writer, WF + "DescribeWorkflowExecution", "ns-a")).isTrue();
    assertThat(allowed(writer, WF + "StartWorkflowExecution", "ns-b")).isFalse();
    assertThat(allowed(writer, WF + "DescribeWorkflowExecution", "ns-b")).isFalse();
    assertThat(allowed(writer, WF + "UpdateNamespace", "ns-a")).isFalse();
    assertThat(allowed(writer, OP + "DeleteNamespace", "ns-a")).isFalse();
  }

  @Test
  void namespaceNamesAreCaseSensitive() {
    Claims writer = namespaceRole("ns-a", Role.WRITER);
    assertThat(allowed(writer, WF + "StartWorkflowExecution", "NS-A")).isFalse();
    assertThat(allowed(writer, WF + "StartWorkflowExecution", "ns-a ")).isFalse();
  }

  @Test
  void namespaceAdminAdministersOnlyItsNamespace() {
    Claims admin = namespaceRole("ns-a", Role.ADMIN);
    assertThat(allowed(admin, WF + "UpdateNamespace", "ns-a")).isTrue();
    assertThat(allowed(admin, OP + "AddSearchAttributes", "ns-a")).isTrue();
    assertThat(allowed(admin, OP + "DeleteNamespace", "ns-b")).isFalse();
    assertThat(allowed(admin, OP + "ListClusters", "")).isFalse();
    assertThat(allowed(admin, WF + "GetClusterInfo", "")).isFalse();
  }

  @Test
  void clusterCallsNeedTheSystemRole() {
    assertThat(allowed(namespaceRole("ns-a", Role.ADMIN), WF + "GetSearchAttributes", "")).isFalse();
    assertThat(allowed(system(Role.READER), WF + "GetClusterInfo", "")).isTrue();
    assertThat(allowed(system(Role.READER), OP + "ListClusters", "")).isFalse();
    assertThat(allowed(system(Role.WRITER), OP + "ListClusters", "")).isFalse();
    assertThat(allowed(system(Role.ADMIN), OP + "ListClusters", "")).isTrue();
    assertThat(allowed(system(Role.ADMIN), OP + "CreateNexusEndpoint", "")).isTrue();
  }

  @Test
  void systemRolesApplyInEveryNamespace() {
    assertThat(allowed(system(Role.READER), WF + "DescribeWorkflowExecution", "any")).isTrue();
    assertThat(allowed(system(Role.READER), WF + "StartWorkflowExecution", "any")).isFalse();
    assertThat(allowed(system(Role.WRITER), WF + "StartWorkflowExecution", "any")).isTrue();
    assertThat(allowed(system(Role.WRITER), WF + "RegisterNamespace", "any")).isFalse();
    assertThat(allowed(system(Role.ADMIN), WF + "RegisterNamespace", "any")).isTrue();
    // system reader + namespace writer: write where the namespace grants it
    Claims mixed = new Claims("u", Role.READER, Map.of("ns-a", Role.WRITER), "test", null);
    assertThat(allowed(mixed, WF + "StartWorkflowExecution", "ns-a")).isTrue();
    assertThat(allowed(mixed, WF + "StartWorkflowExecution", "ns-b")).isFalse();
  }

  @Test
  void workerRoleAloneGrantsNothingAsInTemporal() {
    Claims worker = namespaceRole("ns-a", Role.WORKER);
    assertThat(allowed(worker, WF + "PollWorkflowTaskQueue", "ns-a")).isFalse();
    assertThat(allowed(worker, WF + "DescribeWorkflowExecution", "ns-a")).isFalse();
    Claims workerReader = namespaceRole("ns-a", Role.WORKER.union(Role.READER));
    assertThat(allowed(workerReader, WF + "DescribeWorkflowExecution", "ns-a")).isTrue();
    assertThat(allowed(workerReader, WF + "PollWorkflowTaskQueue", "ns-a")).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"/grpc.health.v1.Health/Check", WF + "GetSystemInfo"})
  void healthChecksAreAlwaysAllowed(String method) {
    assertThat(allowed(Claims.anonymous(), method, "")).isTrue();
  }

  @Test
  void anonymousGetsNothingElse() {
    for (ApiMethod m : ApiCatalog.temporal().methods()) {
      if (!m.healthCheck()) {
        assertThat(allowed(Claims.anonymous(), m.fullName(), "ns")).as(m.fullName()).isFalse();
      }
    }
    assertThat(allowed(Claims.anonymous(), "/grpc.health.v1.Health/Watch", "")).isFalse();
  }

  @Test
  void listNamespacesIsOpenToAnyNamespaceReaderBecauseItIsFiltered() {
    assertThat(allowed(namespaceRole("ns-a", Role.READER), WF + "ListNamespaces", "")).isTrue();
    assertThat(allowed(namespaceRole("ns-a", Role.WORKER), WF + "ListNamespaces", "")).isFalse();
    assertThat(allowed(new Claims("u", null, null, null, null), WF + "ListNamespaces", "")).isFalse();
    assertThat(allowed(system(Role.READER), WF + "ListNamespaces", "")).isTrue();
    // ...and only ListNamespaces: other cluster reads still need the system role
    assertThat(allowed(namespaceRole("ns-a", Role.ADMIN), WF + "GetClusterInfo", "")).isFalse();
  }

  @Test
  void denialsSayWhyWithoutSecrets() {
    Decision d = authorizer.authorize(namespaceRole("ns-a", Role.READER),
        CallTarget.of(WF + "StartWorkflowExecution", "ns-a"));
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).contains("StartWorkflowExecution").contains("writer").contains("ns-a");
  }
}
