package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
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
import dev.gatehouse.tls.CertificateAuthority;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.temporal.api.cloud.cloudservice.v1.CloudServiceGrpc;
import io.temporal.api.cloud.cloudservice.v1.CreateApiKeyRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateNamespaceRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateServiceAccountRequest;
import io.temporal.api.cloud.cloudservice.v1.GetApiKeyRequest;
import io.temporal.api.cloud.cloudservice.v1.GetCurrentIdentityRequest;
import io.temporal.api.cloud.cloudservice.v1.GetNamespaceRequest;
import io.temporal.api.cloud.cloudservice.v1.UpdateApiKeyRequest;
import io.temporal.api.cloud.identity.v1.ApiKeySpec;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.NamespaceScopedAccess;
import io.temporal.api.cloud.identity.v1.OwnerType;
import io.temporal.api.cloud.identity.v1.ServiceAccountSpec;
import io.temporal.api.cloud.namespace.v1.ApiKeyAuthSpec;
import io.temporal.api.cloud.namespace.v1.CertificateFilterSpec;
import io.temporal.api.cloud.namespace.v1.MtlsAuthSpec;
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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done": {@code CloudServiceStubs} over TLS through the real gateway creates a namespace with its CA
 * and filters, a service account with Write on it and an API key; an SDK worker with that key runs a workflow there
 * and is refused elsewhere; the disabled key is refused on the next call.
 */
class ControlPlaneEndToEndTest {
  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;
  static String ownerToken;

  @BeforeAll
  static void start() throws Exception {
    pki = DevPki.ensure(dir.resolve("pki"));
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    // As `gatehouse init` does: the store, the account, the first Owner and their key; then `start` opens it.
    Store storeConfig = new Store(null, dir.resolve("store").toString(), null, null);
    try (AccountStore store = AccountStore.open(storeConfig, Clock.systemUTC())) {
      ownerToken = Bootstrap.initialise(store, ApiKeyIssuer.of(ApiKeySecrets.forStore(store)), "owner@example.com",
          Bootstrap.DEFAULT_KEY_LIFETIME, Clock.systemUTC()).orElseThrow().token();
    }
    GatehouseConfig base = DevCluster.config(pki, upstream.port(), "localhost");
    ServerTls serverOnly = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null, null,
        null, false);
    RootTls tls = new RootTls(new GroupTls(serverOnly, null, null, null, null, null), base.global().tls().internode(),
        base.global().tls().refreshInterval(), null);
    Authorization apiKeys = new Authorization(null, null, null, "default", "apiKey", null, null, null);
    GatehouseConfig config = new GatehouseConfig(new dev.gatehouse.config.Global(tls, apiKeys),
        new Listen("127.0.0.1:0", null, Duration.ofSeconds(5)), base.upstream(), null,
        new Audit(true, "blocking", "n1", dir.resolve("audit").toString(), null, null, null, false, null, null, null,
            null, null, null),
        storeConfig,
        new ControlPlane("127.0.0.1:0", serverOnly, null), null, null);
    gatehouse = Gatehouse.builder().withConfig(config).build().start();
  }

  @AfterAll
  static void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static CloudServiceGrpc.CloudServiceBlockingStub cloud(String token) throws Exception {
    CloudServiceStubs stubs = CloudServiceStubs.newServiceStubs(CloudServiceStubsOptions.newBuilder()
        .setTarget("localhost:" + gatehouse.controlPort())
        .setSslContext(GrpcSslContexts.forClient().trustManager(pki.caCert().toFile()).build())
        .addApiKey(() -> token)
        .build());
    return stubs.blockingStub();
  }

  static WorkflowServiceStubs worker(String token) throws Exception {
    return DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), null, null, o -> o.addApiKey(() -> token));
  }

  @Test
  void aServiceAccountKeyMadeThroughTheOpsApiRunsWorkflowsInItsNamespaceOnly() throws Exception {
    CloudServiceGrpc.CloudServiceBlockingStub ops = cloud(ownerToken);
    assertThat(ops.getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance()).getUser().getSpec()
        .getEmail()).isEqualTo("owner@example.com");

    String ca = CertificateAuthority.create("Orders CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30))
        .certificatePem();
    for (String name : List.of("orders", "billing")) {
      ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(NamespaceSpec.newBuilder().setName(name)
          .setRetentionDays(3)
          .setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(true))
          .setMtlsAuth(MtlsAuthSpec.newBuilder().setAcceptedClientCa(ByteString.copyFromUtf8(ca))
              .addCertificateFilters(CertificateFilterSpec.newBuilder().setCommonName("orders-worker-*"))))
          .build());
    }
    var orders = ops.getNamespace(GetNamespaceRequest.newBuilder().setNamespace("orders").build()).getNamespace();
    assertThat(orders.getSpec().getMtlsAuth().getCertificateFilters(0).getCommonName()).isEqualTo("orders-worker-*");
    // The embedded upstream implements neither RegisterNamespace nor UpdateNamespace: the changes stand.
    ops.updateNamespace(io.temporal.api.cloud.cloudservice.v1.UpdateNamespaceRequest.newBuilder()
        .setNamespace("orders").setResourceVersion(orders.getResourceVersion())
        .setSpec(orders.getSpec().toBuilder().setRetentionDays(5)).build());

    String saId = ops.createServiceAccount(CreateServiceAccountRequest.newBuilder().setSpec(ServiceAccountSpec
        .newBuilder().setName("orders-worker").setNamespaceScopedAccess(NamespaceScopedAccess.newBuilder()
            .setNamespace("orders").setAccess(NamespaceAccess.newBuilder()
                .setPermission(NamespaceAccess.Permission.PERMISSION_WRITE)))).build()).getServiceAccountId();
    Instant expiry = Instant.now().plus(Duration.ofDays(30));
    var created = ops.createApiKey(CreateApiKeyRequest.newBuilder().setSpec(ApiKeySpec.newBuilder()
        .setOwnerId(saId).setOwnerType(OwnerType.OWNER_TYPE_SERVICE_ACCOUNT).setDisplayName("orders worker")
        .setExpiryTime(Timestamp.newBuilder().setSeconds(expiry.getEpochSecond()))).build());
    String key = created.getToken();
    assertThat(key).startsWith(ApiKeySecrets.PREFIX);

    WorkflowServiceStubs stubs = worker(key);
    try {
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> runOne(stubs, "orders"));
      assertThatThrownBy(() -> stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest
          .newBuilder().setNamespace("billing").setExecution(WorkflowExecution.newBuilder().setWorkflowId("x"))
          .build())).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));

      var stored = ops.getApiKey(GetApiKeyRequest.newBuilder().setKeyId(created.getKeyId()).build()).getApiKey();
      ops.updateApiKey(UpdateApiKeyRequest.newBuilder().setKeyId(created.getKeyId())
          .setResourceVersion(stored.getResourceVersion())
          .setSpec(stored.getSpec().toBuilder().setDisabled(true)).build());
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThatThrownBy(() -> stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest
              .newBuilder().setNamespace("orders").setExecution(WorkflowExecution.newBuilder().setWorkflowId("x"))
              .build())).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED)));
    } finally {
      stubs.shutdownNow();
    }
  }

  private static void runOne(WorkflowServiceStubs stubs, String namespace) {
    WorkflowClient client = WorkflowClient.newInstance(stubs,
        WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    try {
      var worker = factory.newWorker("orders-queue");
      worker.registerWorkflowImplementationTypes(SampleWorkflows.GreetingWorkflowImpl.class);
      worker.registerActivitiesImplementations(new SampleWorkflows.GreeterImpl());
      factory.start();
      SampleWorkflows.GreetingWorkflow wf = client.newWorkflowStub(SampleWorkflows.GreetingWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue("orders-queue").setWorkflowId("order-" + System.nanoTime())
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
