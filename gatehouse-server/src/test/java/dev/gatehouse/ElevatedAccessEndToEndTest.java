package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.api.access.v1.AccessServiceGrpc;
import dev.gatehouse.api.access.v1.ApproveGrantRequest;
import dev.gatehouse.api.access.v1.Grant;
import dev.gatehouse.api.access.v1.GrantState;
import dev.gatehouse.api.access.v1.GrantTarget;
import dev.gatehouse.api.access.v1.NamespaceTarget;
import dev.gatehouse.api.access.v1.RequestGrantRequest;
import dev.gatehouse.audit.AuditReader;
import dev.gatehouse.config.AccessGrants;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ControlPlane;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.Listen;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.config.Store;
import dev.gatehouse.control.ApiKeyIssuer;
import dev.gatehouse.control.Bootstrap;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.e2e.SampleWorkflows;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKeySecrets;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.cloud.cloudservice.v1.CloudServiceGrpc;
import io.temporal.api.cloud.cloudservice.v1.CreateApiKeyRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateNamespaceRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateUserRequest;
import io.temporal.api.cloud.cloudservice.v1.GetUserRequest;
import io.temporal.api.cloud.cloudservice.v1.SetUserNamespaceAccessRequest;
import io.temporal.api.cloud.identity.v1.Access;
import io.temporal.api.cloud.identity.v1.AccountAccess;
import io.temporal.api.cloud.identity.v1.ApiKeySpec;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.OwnerType;
import io.temporal.api.cloud.identity.v1.UserSpec;
import io.temporal.api.cloud.namespace.v1.ApiKeyAuthSpec;
import io.temporal.api.cloud.namespace.v1.NamespaceSpec;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.CloudServiceStubs;
import io.temporal.serviceclient.CloudServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.WorkerFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done" for elevated access, through the real gateway with an injected clock: a Developer asks for
 * Write on the protected namespace {@code payments} for 1 h, a Namespace Admin (whose Admin there is itself a grant
 * the Owner approved) approves, an SDK worker with the Developer's API key runs a workflow there, and once the clock
 * passes the expiry the next call is PERMISSION_DENIED; the audit log tells the whole story, the data-plane records
 * naming the grant. Break-glass works, is flagged, and reaches a real webhook.
 */
class ElevatedAccessEndToEndTest {
  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;
  static String ownerToken;
  static MutableClock clock = new MutableClock(Instant.now());
  static HttpServer webhook;
  static final List<JsonNode> hooks = new CopyOnWriteArrayList<>();
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext("/hook", exchange -> {
      hooks.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    webhook.start();
    pki = DevPki.ensure(dir.resolve("pki"));
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    Store storeConfig = new Store(null, dir.resolve("store").toString(), null, null);
    try (AccountStore store = AccountStore.open(storeConfig, clock)) {
      ownerToken = Bootstrap.initialise(store, ApiKeyIssuer.of(ApiKeySecrets.forStore(store)), "owner@example.com",
          Bootstrap.DEFAULT_KEY_LIFETIME, clock).orElseThrow().token();
    }
    GatehouseConfig base = DevCluster.config(pki, upstream.port(), "localhost");
    ServerTls serverOnly = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null, null,
        null, false);
    RootTls tls = new RootTls(new GroupTls(serverOnly, null, null, null, null, null), base.global().tls().internode(),
        base.global().tls().refreshInterval(), null);
    Authorization apiKeys = new Authorization(null, null, null, "default", "apiKey", null, null, null);
    AccessGrants grants = new AccessGrants(null, null, List.of("payments"), null, true,
        "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
    GatehouseConfig config = new GatehouseConfig(new dev.gatehouse.config.Global(tls, apiKeys),
        new Listen("127.0.0.1:0", null, Duration.ofSeconds(5)), base.upstream(), null,
        new Audit(true, "blocking", "n1", dir.resolve("audit").toString(), null, null, null, false, null, null, null,
            null, null, null),
        storeConfig,
        new ControlPlane("127.0.0.1:0", serverOnly, null, null, null, grants), null, null);
    gatehouse = Gatehouse.builder().withConfig(config).withClock(clock).build().start();
  }

  @AfterAll
  static void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (webhook != null) {
      webhook.stop(0);
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }

  static CloudServiceGrpc.CloudServiceBlockingStub cloud(String token) throws Exception {
    CloudServiceStubs stubs = CloudServiceStubs.newServiceStubs(CloudServiceStubsOptions.newBuilder()
        .setTarget("localhost:" + gatehouse.controlPort())
        .setSslContext(GrpcSslContexts.forClient().trustManager(pki.caCert().toFile()).build())
        .addApiKey(() -> token)
        .build());
    return stubs.blockingStub();
  }

  static final List<ManagedChannel> channels = new ArrayList<>();

  /** The extension service on the control plane's listener, with an API key as every Ops API client sends it. */
  static AccessServiceGrpc.AccessServiceBlockingStub access(String token) {
    io.grpc.netty.shaded.io.netty.handler.ssl.SslContext ssl;
    try {
      ssl = GrpcSslContexts.forClient().trustManager(pki.caCert().toFile()).build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException(e);
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", gatehouse.controlPort())
        .sslContext(ssl)
        .intercept(bearer(token))
        .build();
    channels.add(channel);
    return AccessServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  static ClientInterceptor bearer(String token) {
    Metadata.Key<String> auth = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<A> listener, Metadata headers) {
            headers.put(auth, "Bearer " + token);
            super.start(listener, headers);
          }
        };
      }
    };
  }

  static String user(CloudServiceGrpc.CloudServiceBlockingStub ops, String email, AccountAccess.Role role) {
    return ops.createUser(CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder().setEmail(email)
        .setAccess(Access.newBuilder().setAccountAccess(AccountAccess.newBuilder().setRole(role)))).build())
        .getUserId();
  }

  static String key(CloudServiceGrpc.CloudServiceBlockingStub ops, String ownerId) {
    Instant expiry = Instant.now().plus(Duration.ofDays(30));
    return ops.createApiKey(CreateApiKeyRequest.newBuilder().setSpec(ApiKeySpec.newBuilder()
        .setOwnerId(ownerId).setOwnerType(OwnerType.OWNER_TYPE_USER).setDisplayName(ownerId)
        .setExpiryTime(Timestamp.newBuilder().setSeconds(expiry.getEpochSecond()))).build()).getToken();
  }

  static RequestGrantRequest write(String namespace, Duration d, String why) {
    return RequestGrantRequest.newBuilder()
        .setTarget(GrantTarget.newBuilder().setNamespace(NamespaceTarget.newBuilder().setNamespace(namespace)
            .setPermission("write")))
        .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()))
        .setJustification(why).setTicket("INC-42").build();
  }

  static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aDeveloperGetsWriteOnAProtectedNamespaceForAnHourAndLosesItAtExpiry() throws Exception {
    CloudServiceGrpc.CloudServiceBlockingStub ops = cloud(ownerToken);
    ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(NamespaceSpec.newBuilder().setName("payments")
        .setRetentionDays(3).setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(true))).build());
    String developer = user(ops, "dev@example.com", AccountAccess.Role.ROLE_DEVELOPER);
    String admin = user(ops, "payments-admin@example.com", AccountAccess.Role.ROLE_DEVELOPER);

    // Protected: nobody gets standing Write or Admin there, not even from an Owner.
    String version = ops.getUser(GetUserRequest.newBuilder().setUserId(admin).build()).getUser()
        .getResourceVersion();
    assertThatThrownBy(() -> ops.setUserNamespaceAccess(SetUserNamespaceAccessRequest.newBuilder()
        .setUserId(admin).setNamespace("payments").setResourceVersion(version)
        .setAccess(NamespaceAccess.newBuilder().setPermission(NamespaceAccess.Permission.PERMISSION_ADMIN)).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains("payments is protected");
        });

    // The namespace's admin holds Admin for 2 h, approved by the Owner.
    String adminToken = key(ops, admin);
    Grant adminGrant = access(adminToken).requestGrant(RequestGrantRequest.newBuilder()
        .setTarget(GrantTarget.newBuilder().setNamespace(NamespaceTarget.newBuilder().setNamespace("payments")
            .setPermission("admin")))
        .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(7200))
        .setJustification("payments on-call this afternoon").build()).getGrant();
    assertThat(adminGrant.getState()).isEqualTo(GrantState.GRANT_STATE_REQUESTED);
    access(ownerToken).approveGrant(ApproveGrantRequest.newBuilder().setGrantId(adminGrant.getId()).build());

    // The developer asks for Write for 1 h; they cannot approve it themselves.
    String devToken = cloudKeyOf(developer);
    Grant requested = access(devToken).requestGrant(write("payments", Duration.ofHours(1), "hotfix PAY-7"))
        .getGrant();
    assertThat(requested.getState()).isEqualTo(GrantState.GRANT_STATE_REQUESTED);
    assertThat(code(() -> access(devToken).approveGrant(ApproveGrantRequest.newBuilder()
        .setGrantId(requested.getId()).build()))).isEqualTo(Status.Code.PERMISSION_DENIED);
    await().atMost(Duration.ofSeconds(5)).until(() -> hooks.stream().anyMatch(h ->
        h.get("grantId").asText().equals(requested.getId()) && h.get("awaitingApproval").asBoolean()));

    WorkflowServiceStubs stubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), null, null,
        o -> o.addApiKey(() -> devToken));
    try {
      // Before approval: refused.
      assertThat(code(() -> describe(stubs))).isEqualTo(Status.Code.PERMISSION_DENIED);

      Grant active = access(adminToken).approveGrant(ApproveGrantRequest.newBuilder()
          .setGrantId(requested.getId()).setReason("looks right").build()).getGrant();
      assertThat(active.getState()).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
      assertThat(active.getDecidedBy()).isEqualTo(admin);
      assertThat(active.getExpireTime().getSeconds() - active.getStartTime().getSeconds()).isEqualTo(3600);
      // Approving it twice is refused: it is decided.
      assertThat(code(() -> access(adminToken).approveGrant(ApproveGrantRequest.newBuilder()
          .setGrantId(requested.getId()).build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);

      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> runOne(stubs, "payments"));

      // Two seconds before the end, a long poll (which the upstream would hold for the caller's 30 s) ends with
      // the grant: it is not extended past the expiry.
      clock.advance(Duration.ofHours(1).minusSeconds(2));
      long started = System.nanoTime();
      Status.Code poll = code(() -> stubs.blockingStub().withDeadlineAfter(30, TimeUnit.SECONDS)
          .pollWorkflowTaskQueue(io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.newBuilder()
              .setNamespace("payments").setIdentity("long-poller")
              .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName("idle-queue")).build()));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20))
          .isGreaterThan(Duration.ofMillis(1500));
      assertThat(poll).isIn(Status.Code.OK, Status.Code.DEADLINE_EXCEEDED);

      // One second past the hour, by the injected clock: the next call is refused, with no store change needed.
      clock.advance(Duration.ofSeconds(3));
      assertThat(code(() -> describe(stubs))).isEqualTo(Status.Code.PERMISSION_DENIED);
    } finally {
      stubs.shutdownNow();
    }

    // The sweep writes the expiry down within a second.
    await().atMost(Duration.ofSeconds(5)).until(() -> !records("ElevatedGrant.expired", requested.getId()).isEmpty());
    List<JsonNode> all = all();
    assertThat(ops(all, requested.getId())).containsSubsequence(
        "ElevatedGrant.requested", "ElevatedGrant.approved", "ElevatedGrant.expired");
    assertThat(all).anyMatch(r -> r.path("operation").asText().equals("RequestGrant")
        && r.path("principal").path("id").asText().equals(developer));
    assertThat(all).anyMatch(r -> r.path("operation").asText().equals("ApproveGrant")
        && r.path("principal").path("id").asText().equals(developer)
        && r.path("status").asText().equals("PERMISSION_DENIED"));
    assertThat(all).anyMatch(r -> r.path("operation").asText().equals("SetUserNamespaceAccess")
        && r.path("status").asText().equals("FAILED_PRECONDITION"));
    // Data-plane records of the workflow's calls name the grant they were made under.
    assertThat(all).anyMatch(r -> r.path("raw_details").path("face").asText().equals("grpc")
        && r.path("raw_details").path("elevated_grant_id").asText().equals(requested.getId()));
    assertThat(all).anyMatch(r -> r.path("operation").asText().equals("DescribeWorkflowExecution")
        && r.path("raw_details").path("decision").asText().equals("deny"));
    await().atMost(Duration.ofSeconds(5)).until(() -> hooks.stream().anyMatch(h ->
        h.get("grantId").asText().equals(requested.getId()) && h.get("event").asText().equals("expired")));
  }

  @Test
  void breakGlassIsSelfApprovedFlaggedAuditedAndNotified() throws Exception {
    CloudServiceGrpc.CloudServiceBlockingStub ops = cloud(ownerToken);
    ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(NamespaceSpec.newBuilder().setName("ledger")
        .setRetentionDays(3).setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(true))).build());
    String sre = user(ops, "sre@example.com", AccountAccess.Role.ROLE_DEVELOPER);
    String token = key(ops, sre);
    // Without a justification, break-glass is refused.
    assertThat(code(() -> access(token).requestGrant(write("ledger", Duration.ofHours(1), " ").toBuilder()
        .setBreakGlass(true).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    Grant g = access(token).requestGrant(write("ledger", Duration.ofMinutes(30), "ledger stuck, INC-9 sev1")
        .toBuilder().setBreakGlass(true).build()).getGrant();
    assertThat(g.getState()).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
    assertThat(g.getBreakGlass()).isTrue();
    assertThat(g.getDecidedBy()).isEqualTo(sre);

    await().atMost(Duration.ofSeconds(5)).until(() -> hooks.stream().anyMatch(h ->
        h.get("grantId").asText().equals(g.getId()) && h.get("event").asText().equals("break-glass")
            && h.get("breakGlass").asBoolean()));
    await().atMost(Duration.ofSeconds(5)).until(() -> !records("ElevatedGrant.break-glass", g.getId()).isEmpty());
    JsonNode record = records("ElevatedGrant.break-glass", g.getId()).getFirst();
    assertThat(record.path("raw_details").path("reason").asText()).startsWith("BREAK-GLASS").contains("INC-9");
    assertThat(record.path("principal").path("id").asText()).isEqualTo(sre);

    WorkflowServiceStubs stubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), null, null,
        o -> o.addApiKey(() -> token));
    try {
      assertThat(code(() -> stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest
          .newBuilder().setNamespace("ledger").setExecution(WorkflowExecution.newBuilder().setWorkflowId("none"))
          .build()))).isEqualTo(Status.Code.NOT_FOUND);
    } finally {
      stubs.shutdownNow();
    }
  }

  record Run(int code, String out, String err) {}

  static Run cli(String token, String... args) {
    List<String> all = new ArrayList<>(List.of("access"));
    all.addAll(List.of(args));
    all.addAll(List.of("--address", "localhost:" + gatehouse.controlPort(), "--ca-file", pki.caCert().toString(),
        "--api-key", token));
    java.io.PrintStream out = System.out;
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream e = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(o, true, java.nio.charset.StandardCharsets.UTF_8));
    System.setErr(new java.io.PrintStream(e, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      int code = dev.gatehouse.cli.Main.run(all.toArray(String[]::new));
      return new Run(code, o.toString(java.nio.charset.StandardCharsets.UTF_8),
          e.toString(java.nio.charset.StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  // The server logs to the same stdout; the command's JSON is the object in it.
  static JsonNode json(String out) throws Exception {
    return JSON.readTree(out.substring(out.indexOf("{\n"), out.lastIndexOf('}') + 1));
  }

  @Test
  void theCliRequestsApprovesListsAndRevokes() throws Exception {
    CloudServiceGrpc.CloudServiceBlockingStub ops = cloud(ownerToken);
    ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(NamespaceSpec.newBuilder().setName("reports")
        .setRetentionDays(3).setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(true))).build());
    String analyst = user(ops, "analyst@example.com", AccountAccess.Role.ROLE_READ);
    String token = key(ops, analyst);

    Run tooLong = cli(token, "request", "--namespace", "reports", "--permission", "read", "--duration", "9h",
        "--justification", "quarterly numbers");
    assertThat(tooLong.code()).isEqualTo(1);
    assertThat(tooLong.err()).contains("INVALID_ARGUMENT").contains("maximum of 8h");

    Run requested = cli(token, "request", "--namespace", "reports", "--permission", "read", "--duration", "90m",
        "--justification", "quarterly numbers", "--ticket", "FIN-3", "--output", "json");
    assertThat(requested.code()).as(requested.err()).isZero();
    String id = json(requested.out()).path("grant").path("id").asText();
    assertThat(id).startsWith("grant-");

    Run self = cli(token, "approve", id);
    assertThat(self.code()).isEqualTo(1);
    assertThat(self.err()).contains("PERMISSION_DENIED");

    Run listed = cli(ownerToken, "list", "--state", "requested", "--namespace", "reports");
    assertThat(listed.code()).isZero();
    assertThat(listed.out()).contains(id).contains("read on reports").contains("90m");

    assertThat(cli(ownerToken, "approve", id, "--reason", "ok").code()).isZero();
    Run revoked = cli(token, "revoke", id, "--reason", "done", "--output", "json");
    assertThat(revoked.code()).isZero();
    assertThat(json(revoked.out()).path("grant").path("state").asText()).isEqualTo("GRANT_STATE_REVOKED");
    Run again = cli(ownerToken, "deny", id);
    assertThat(again.err()).contains("FAILED_PRECONDITION");
    // Refused attempts are audited like every call, with who tried and how it was answered.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(all())
        .anyMatch(r -> r.path("operation").asText().equals("RequestGrant")
            && r.path("principal").path("id").asText().equals(analyst)
            && r.path("status").asText().equals("INVALID_ARGUMENT"))
        .anyMatch(r -> r.path("operation").asText().equals("DenyGrant")
            && r.path("status").asText().equals("FAILED_PRECONDITION")));
  }

  private static String cloudKeyOf(String userId) throws Exception {
    return key(cloud(ownerToken), userId);
  }


  private static void describe(WorkflowServiceStubs stubs) {
    stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("payments").setExecution(WorkflowExecution.newBuilder().setWorkflowId("nothing")).build());
  }

  private static List<JsonNode> all() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    new AuditReader(dir.resolve("audit")).forEach(AuditReader.Filter.ALL, out::add);
    return out;
  }

  private static List<JsonNode> records(String operation, String grantId) throws Exception {
    return all().stream().filter(r -> r.path("operation").asText().equals(operation)
        && r.path("raw_details").path("elevated_grant_id").asText().equals(grantId)).toList();
  }

  private static List<String> ops(List<JsonNode> records, String grantId) {
    return records.stream().filter(r -> r.path("raw_details").path("elevated_grant_id").asText().equals(grantId)
        && r.path("operation").asText().startsWith("ElevatedGrant.")).map(r -> r.path("operation").asText()).toList();
  }

  private static void runOne(WorkflowServiceStubs stubs, String namespace) {
    WorkflowClient client = WorkflowClient.newInstance(stubs,
        WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    try {
      var worker = factory.newWorker("payments-queue");
      worker.registerWorkflowImplementationTypes(SampleWorkflows.GreetingWorkflowImpl.class);
      worker.registerActivitiesImplementations(new SampleWorkflows.GreeterImpl());
      factory.start();
      SampleWorkflows.GreetingWorkflow wf = client.newWorkflowStub(SampleWorkflows.GreetingWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue("payments-queue").setWorkflowId("pay-" + System.nanoTime())
              .build());
      WorkflowClient.start(wf::run, "ada");
      wf.finish();
      @SuppressWarnings("unchecked")
      List<Object> result = WorkflowStub.fromTyped(wf).getResult(List.class);
      assertThat(result).containsExactly("hello ada");
    } finally {
      factory.shutdownNow();
    }
  }
}
