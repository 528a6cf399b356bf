package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import dev.gatehouse.api.ApiCatalog;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  private static final RouteTable TABLE = RouteTable.from(ApiCatalog.temporal(), "");

  /** Every binding of every annotated method, straight from the generated descriptors. */
  private static List<String> annotatedBindings() {
    List<String> out = new ArrayList<>();
    for (ServiceDescriptor s : List.of(WorkflowServiceGrpc.getServiceDescriptor(),
        OperatorServiceGrpc.getServiceDescriptor())) {
      Descriptors.ServiceDescriptor d = ((ProtoServiceDescriptorSupplier) s.getSchemaDescriptor())
          .getServiceDescriptor();
      for (Descriptors.MethodDescriptor m : d.getMethods()) {
        if (!m.getOptions().hasExtension(AnnotationsProto.http)) {
          continue;
        }
        HttpRule rule = m.getOptions().getExtension(AnnotationsProto.http);
        List<HttpRule> all = new ArrayList<>(List.of(rule));
        all.addAll(rule.getAdditionalBindingsList());
        for (HttpRule r : all) {
          String path = switch (r.getPatternCase()) {
            case GET -> "GET " + r.getGet();
            case POST -> "POST " + r.getPost();
            case PUT -> "PUT " + r.getPut();
            case DELETE -> "DELETE " + r.getDelete();
            case PATCH -> "PATCH " + r.getPatch();
            default -> throw new AssertionError("custom pattern on " + m.getFullName());
          };
          out.add(path + " -> " + d.getFullName() + "/" + m.getName() + " body=" + r.getBody());
        }
      }
    }
    return out;
  }

  @Test
  void everyAnnotatedBindingIsServed() {
    List<String> served = TABLE.routes().stream()
        .map(r -> r.verb() + " " + r.template() + " -> " + r.method().serviceName() + "/" + r.method().methodName()
            + " body=" + r.body())
        .toList();
    List<String> annotated = annotatedBindings();
    assertThat(annotated).hasSizeGreaterThan(200);
    assertThat(served).containsExactlyInAnyOrderElementsOf(annotated);
  }

  @Test
  void theCoreWorkflowRoutesAreThere() {
    assertThat(match("POST", "/api/v1/namespaces/default/workflows/wf-1").route().method().methodName())
        .isEqualTo("StartWorkflowExecution");
    RouteTable.Match signal = match("POST", "/api/v1/namespaces/default/workflows/wf-1/signal/go");
    assertThat(signal.route().method().methodName()).isEqualTo("SignalWorkflowExecution");
    assertThat(signal.pathValues()).isEqualTo(Map.of("namespace", "default",
        "workflow_execution.workflow_id", "wf-1", "signal_name", "go"));
    assertThat(match("GET", "/api/v1/namespaces/default/workflows").route().method().methodName())
        .isEqualTo("ListWorkflowExecutions");
    assertThat(match("GET", "/namespaces/default/workflows/wf-1/history").route().method().methodName())
        .isEqualTo("GetWorkflowExecutionHistory");
    assertThat(match("GET", "/api/v1/system-info").route().method().methodName()).isEqualTo("GetSystemInfo");
    assertThat(match("DELETE", "/api/v1/namespaces/default/workflows/wf-1")).isNull();
    assertThat(TABLE.verbsFor(HttpApiHandler.segments("/api/v1/namespaces/default/workflows/wf-1"), null))
        .containsExactlyInAnyOrder("POST", "GET");
  }

  @Test
  void noTwoRoutesOfOneVerbCanMatchTheSamePath() {
    List<HttpRoute> routes = TABLE.routes();
    Set<String> ambiguous = new HashSet<>();
    for (int i = 0; i < routes.size(); i++) {
      for (int j = i + 1; j < routes.size(); j++) {
        HttpRoute a = routes.get(i);
        HttpRoute b = routes.get(j);
        if (a.verb().equals(b.verb()) && a.template().overlaps(b.template()) && !a.method().equals(b.method())) {
          ambiguous.add(a.verb() + " " + a.template() + " / " + b.template());
        }
      }
    }
    // Temporal's templates overlap where a literal beats a variable (specificity order decides); list them so a
    // new overlap is noticed.
    assertThat(ambiguous).allSatisfy(pair -> assertThat(pair).doesNotContain("{namespace}/workflows/{workflow_id} /"));
  }

  @Test
  void aWorkflowIdWithASlashStaysOneSegment() {
    RouteTable.Match m = match("GET", "/api/v1/namespaces/default/workflows/orders%2F42");
    assertThat(m.route().method().methodName()).isEqualTo("DescribeWorkflowExecution");
    assertThat(m.pathValues()).containsEntry("execution.workflow_id", "orders/42");
    assertThat(HttpApiHandler.segments("/a/%zz")).isNull();
    assertThat(HttpApiHandler.segments("/a/%C3%28")).as("not UTF-8").isNull();
  }

  @Test
  void pathTemplatesFollowTheGrammar() {
    PathTemplate deep = PathTemplate.parse("/v1/{name=projects/*/files/**}:get");
    assertThat(deep.match(List.of("v1", "projects", "p", "files", "a", "b"), "get"))
        .isEqualTo(Map.of("name", "projects/p/files/a/b"));
    assertThat(deep.match(List.of("v1", "projects", "p", "files", "a"), null)).isNull();
    assertThat(deep.match(List.of("v1", "other", "p", "files", "a"), "get")).isNull();
    assertThat(PathTemplate.parse("/a/{b}/c").match(List.of("a", "", "c"), null)).as("empty value").isNull();
    assertThatThrownBy(() -> PathTemplate.parse("a/b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PathTemplate.parse("/a/**/b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PathTemplate.parse("/a/{B}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PathTemplate.parse("/a/{b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PathTemplate.parse("/a/x{b}")).isInstanceOf(IllegalArgumentException.class);
  }

  private static RouteTable.Match match(String verb, String path) {
    return TABLE.match(verb, HttpApiHandler.segments(path), null);
  }
}
