package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.gatehouse.DevCluster;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWT claim mapping and Temporal's default authorizer through the real gateway, with a real SDK worker and client
 * (mTLS on both legs; the JWKS served by a local HTTP server).
 */
class AuthThroughGatewayTest {
  private static final String AUDIENCE = "gatehouse-test";

  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;
  static JwksServer jwks;
  static final TestKeys.SigningKey KEY = TestKeys.rsa("kid-1");
  static final TestKeys.SigningKey UNPUBLISHED = TestKeys.rsa("kid-1");

  @WorkflowInterface
  public interface Echo {
    @WorkflowMethod
    String echo(String s);
  }

  public static final class EchoImpl implements Echo {
    @Override
    public String echo(String s) {
      return s;
    }
  }

  @WorkflowInterface
  public interface Parent {
    @WorkflowMethod
    String run();
  }

  /** Starts a child in another namespace: the gateway must re-authorize that command against ns-b. */
  public static final class CrossNamespaceParent implements Parent {
    @Override
    public String run() {
      Echo child = Workflow.newChildWorkflowStub(Echo.class,
          ChildWorkflowOptions.newBuilder().setNamespace("ns-b").setWorkflowId("smuggled-child").setTaskQueue("auth-b").build());
      return child.echo("from ns-a");
    }
  }

  @BeforeAll
  static void start() throws Exception {
    jwks = new JwksServer();
    jwks.body.set(TestKeys.jwks(KEY));
    pki = DevPki.ensure(dir.resolve("pki"));
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    GatehouseConfig base = DevCluster.config(pki, upstream.port(), "localhost");
    Authorization auth = new Authorization(new JwtKeyProvider(List.of(jwks.uri()), Duration.ofMinutes(5)),
        null, null, "default", "default", null, null, AUDIENCE, null, false, false, null, null, null);
    gatehouse = Gatehouse.builder()
        .withConfig(new GatehouseConfig(new Global(base.global().tls(), auth), base.listen(), base.upstream(), null))
        .build().start();
  }

  @AfterAll
  static void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (jwks != null) {
      jwks.close();
    }
  }

  static String token(String... permissions) {
    return token(KEY, c -> c.claim("permissions", List.of(permissions)));
  }

  static String token(TestKeys.SigningKey key, Consumer<JWTClaimsSet.Builder> extra) {
    Instant now = Instant.now();
    return key.token(c -> {
      c.subject("worker@example.com").audience(AUDIENCE).issueTime(Date.from(now))
          .expirationTime(Date.from(now.plusSeconds(600)));
      extra.accept(c);
    });
  }

  static WorkflowServiceStubs stubs(String bearer) throws Exception {
    return DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(), pki.clientKey(),
        o -> {
          if (bearer != null) {
            o.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> bearer));
          }
        });
  }

  static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } catch (io.temporal.client.WorkflowServiceException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    }
  }

  @Test
  void aWorkerWithWriteOnNsARunsWorkflowsThereAndIsDeniedInNsB() throws Exception {
    WorkflowServiceStubs stubs = stubs("Bearer " + token("ns-a:write"));
    try {
      WorkflowClient a = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace("ns-a").build());
      WorkerFactory factory = WorkerFactory.newInstance(a);
      factory.newWorker("auth-a").registerWorkflowImplementationTypes(EchoImpl.class);
      factory.start();
      Echo echo = a.newWorkflowStub(Echo.class, WorkflowOptions.newBuilder().setTaskQueue("auth-a").setWorkflowId("iso-a").build());
      assertThat(echo.echo("in ns-a")).isEqualTo("in ns-a");
      factory.shutdownNow();

      WorkflowClient b = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace("ns-b").build());
      Echo other = b.newWorkflowStub(Echo.class, WorkflowOptions.newBuilder().setTaskQueue("auth-b").setWorkflowId("iso-b").build());
      assertThat(codeOf(() -> WorkflowClient.start(other::echo, "x"))).isEqualTo(Status.Code.PERMISSION_DENIED);
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void aReaderCanDescribeAWorkflowButNotStartOne() throws Exception {
    WorkflowServiceStubs writer = stubs("Bearer " + token("ns-r:write"));
    WorkflowServiceStubs reader = stubs("Bearer " + token("ns-r:read"));
    try {
      WorkflowClient w = WorkflowClient.newInstance(writer, WorkflowClientOptions.newBuilder().setNamespace("ns-r").build());
      WorkflowClient.start(w.newWorkflowStub(Echo.class,
          WorkflowOptions.newBuilder().setTaskQueue("nobody").setWorkflowId("described").build())::echo, "x");

      var described = reader.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
          .setNamespace("ns-r").setExecution(WorkflowExecution.newBuilder().setWorkflowId("described")).build());
      assertThat(described.getWorkflowExecutionInfo().getExecution().getWorkflowId()).isEqualTo("described");

      WorkflowClient r = WorkflowClient.newInstance(reader, WorkflowClientOptions.newBuilder().setNamespace("ns-r").build());
      Echo attempt = r.newWorkflowStub(Echo.class, WorkflowOptions.newBuilder().setTaskQueue("nobody").setWorkflowId("by-reader").build());
      assertThat(codeOf(() -> WorkflowClient.start(attempt::echo, "x"))).isEqualTo(Status.Code.PERMISSION_DENIED);
    } finally {
      writer.shutdownNow();
      reader.shutdownNow();
    }
  }

  @Test
  void aChildStartedInAnotherNamespaceWithoutPermissionIsBlocked() throws Exception {
    WorkflowServiceStubs worker = stubs("Bearer " + token("ns-x:write"));
    WorkflowServiceStubs admin = stubs("Bearer " + token("temporal-system:admin"));
    try {
      WorkflowClient x = WorkflowClient.newInstance(worker, WorkflowClientOptions.newBuilder().setNamespace("ns-x").build());
      WorkerFactory factory = WorkerFactory.newInstance(x);
      factory.newWorker("auth-x").registerWorkflowImplementationTypes(CrossNamespaceParent.class);
      factory.start();
      WorkflowClient.start(x.newWorkflowStub(Parent.class,
          WorkflowOptions.newBuilder().setTaskQueue("auth-x").setWorkflowId("parent").build())::run);

      // The worker's completion carrying the StartChildWorkflowExecution command for ns-b is refused.
      await().atMost(Duration.ofSeconds(30)).until(() -> metrics().contains(
          "gatehouse_calls_total{method=\"RespondWorkflowTaskCompleted\",status=\"PERMISSION_DENIED\"}"));
      factory.shutdownNow();

      assertThat(codeOf(() -> admin.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
          .setNamespace("ns-b").setExecution(WorkflowExecution.newBuilder().setWorkflowId("smuggled-child")).build())))
          .isEqualTo(Status.Code.NOT_FOUND);
    } finally {
      worker.shutdownNow();
      admin.shutdownNow();
    }
  }

  @Test
  void everyBadCredentialIsUnauthenticated() throws Exception {
    Instant now = Instant.now();
    String plain = new PlainJWT(new PlainHeader(), new JWTClaimsSet.Builder().subject("x").audience(AUDIENCE)
        .expirationTime(Date.from(now.plusSeconds(600))).claim("permissions", List.of("ns-a:admin")).build()).serialize();
    List<String> bad = List.of(
        "Bearer " + token(KEY, c -> c.expirationTime(Date.from(now.minusSeconds(3600)))),             // expired
        "Bearer " + token(KEY, c -> c.notBeforeTime(Date.from(now.plusSeconds(3600)))),               // not yet valid
        "Bearer " + token(KEY, c -> c.audience("someone-else")),                                       // wrong audience
        "Bearer " + token(KEY, c -> c.subject(null)),                                                  // no sub
        "Bearer " + token(UNPUBLISHED, c -> {}),                                                       // bad signature
        "Bearer " + TestKeys.token(KEY, JWSAlgorithm.RS256, "unknown-kid", c -> c.subject("x").audience(AUDIENCE)
            .expirationTime(Date.from(now.plusSeconds(600)))),                                        // unknown kid
        "Bearer " + TestKeys.hmacToken("kid-1", new byte[32], c -> c.subject("x").audience(AUDIENCE)
            .expirationTime(Date.from(now.plusSeconds(600)))),                                        // HMAC
        "Bearer " + plain,                                                                             // alg none
        "Bearer " + "a".repeat(20_000) + ".b.c",                                                       // oversized
        "Bearer not-a-jwt");
    for (String credential : bad) {
      WorkflowServiceStubs s = stubs(credential);
      try {
        assertThat(codeOf(() -> s.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("ns-a").build())))
            .as(credential.length() > 80 ? credential.substring(0, 80) : credential)
            .isEqualTo(Status.Code.UNAUTHENTICATED);
      } finally {
        s.shutdownNow();
      }
    }
    WorkflowServiceStubs none = stubs(null);
    try {
      assertThat(codeOf(() -> none.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("ns-a").build())))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      // GetSystemInfo is always allowed, as in Temporal: the SDK calls it before anything else.
      assertThat(none.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance())).isNotNull();
    } finally {
      none.shutdownNow();
    }
  }

  @Test
  void aNamespaceScopedCallWithAnEmptyNamespaceIsRefused() throws Exception {
    WorkflowServiceStubs s = stubs("Bearer " + token("temporal-system:admin"));
    try {
      assertThatThrownBy(() -> s.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
          .setExecution(WorkflowExecution.newBuilder().setWorkflowId("w")).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    } finally {
      s.shutdownNow();
    }
  }

  static String metrics() throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gatehouse.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
