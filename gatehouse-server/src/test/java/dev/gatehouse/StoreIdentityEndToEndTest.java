package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ControlPlane;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.Listen;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.config.Upstream;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.e2e.SampleWorkflows;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-plane identity from the store, through the real gateway with a real SDK worker: API keys, per-namespace
 * client CAs and namespace endpoints by SNI. The listener has no static client CAs: every client CA comes from a
 * namespace in the store (SQLite), added and removed while the gateway runs.
 */
class StoreIdentityEndToEndTest {
  private static final String DOMAIN = "ns.example.com";
  @TempDir static Path dir;
  static CertificateAuthority serverCa;
  static CertificateAuthority ordersCa;
  static CertificateAuthority billingCa;
  static EmbeddedTemporal upstream;
  static AccountStore store;
  static ApiKeySecrets secrets;
  static Gatehouse gatehouse;

  @BeforeAll
  static void start() throws Exception {
    serverCa = CertificateAuthority.create("Gateway CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    ordersCa = CertificateAuthority.create("Orders CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    billingCa = CertificateAuthority.create("Billing CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    serverCa.leaf("localhost").dnsNames("localhost", "*." + DOMAIN).serverAuth().issue()
        .write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());

    byte[] masterKey = new byte[32];
    new java.security.SecureRandom().nextBytes(masterKey);
    Path keyFile = Files.writeString(dir.resolve("master.key"),
        java.util.Base64.getEncoder().encodeToString(masterKey));
    store = AccountStore.open(new dev.gatehouse.config.Store(null, dir.resolve("data").toString(), keyFile.toString(),
        null), java.time.Clock.systemUTC());
    secrets = ApiKeySecrets.forStore(store);
    store.namespaces().create(new Namespace("orders", ordersCa.certificatePem(), List.of(), true, true, null, 30,
        null));
    store.namespaces().create(new Namespace("billing", billingCa.certificatePem(), List.of(), true, true, null, 30,
        null));
    upstream = EmbeddedTemporal.start(0, null);
    gatehouse = Gatehouse.builder().withConfig(config()).withAccountStore(store).build().start();
  }

  static GatehouseConfig config() {
    ServerTls frontend = new ServerTls(dir.resolve("server.pem").toString(), dir.resolve("server-key.pem").toString(),
        null, null, null, null, false);
    RootTls tls = new RootTls(new GroupTls(frontend, null, null, null, null, null), null, null, null);
    Authorization auth = new Authorization(null, null, null, "default", "noop", null, null, null, List.of(), false,
        false, null, null, null);
    return new GatehouseConfig(new Global(tls, auth), new Listen("127.0.0.1:0", null, Duration.ofSeconds(5)),
        new Upstream("127.0.0.1:" + upstream.port(), Duration.ofSeconds(5)), null, null, null,
        new ControlPlane(null, null, DOMAIN), null, null);
  }

  @AfterAll
  static void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private static String apiKey(String serviceAccount, Map<String, NamespacePermission> access) {
    store.serviceAccounts().create(new ServiceAccount(serviceAccount, serviceAccount, "",
        new Access(AccountRole.NONE, access), null, null, null));
    ApiKeySecrets.NewApiKey k = secrets.generate(ApiKeySecrets.newKeyId());
    store.createApiKey(new ApiKey(k.keyId(), serviceAccount, OwnerType.SERVICE_ACCOUNT, "worker", "",
        Instant.now().plus(Duration.ofDays(30)), false, null, null), k.secretHash());
    return k.token();
  }

  private static WorkflowServiceStubs stubs(String authority, IssuedCertificate clientCert, String apiKey)
      throws Exception {
    return stubs(gatehouse, authority, clientCert, apiKey);
  }

  private static WorkflowServiceStubs stubs(Gatehouse target, String authority, IssuedCertificate clientCert,
      String apiKey) throws Exception {
    var ssl = GrpcSslContexts.forClient().trustManager(dir.resolve("server-ca.pem").toFile());
    if (clientCert != null) {
      Path cert = Files.createTempFile(dir, "client", ".pem");
      Path key = Files.createTempFile(dir, "client", "-key.pem");
      clientCert.write(cert, key);
      ssl.keyManager(cert.toFile(), key.toFile());
    }
    WorkflowServiceStubsOptions.Builder b = WorkflowServiceStubsOptions.newBuilder()
        .setTarget("localhost:" + target.grpcPort())
        .setSslContext(ssl.build())
        .setRpcTimeout(Duration.ofSeconds(10));
    if (authority != null) {
      b.setChannelInitializer(c -> c.overrideAuthority(authority));
    }
    if (apiKey != null) {
      b.addApiKey(() -> apiKey);
    }
    return WorkflowServiceStubs.newServiceStubs(b.build());
  }

  /** A namespace-scoped read in {@code namespace}: what the gateway answers before the upstream does. */
  private static Status.Code describeIn(WorkflowServiceStubs stubs, String namespace) {
    try {
      stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
          .setNamespace(namespace).setExecution(WorkflowExecution.newBuilder().setWorkflowId("none")).build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void anApiKeyRunsWorkflowsInItsNamespaceIsDeniedElsewhereAndIsRefusedOnceDisabled() throws Exception {
    String token = apiKey("orders-worker", Map.of("orders", NamespacePermission.WRITE));
    WorkflowServiceStubs stubs = stubs(null, null, token);
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> describeIn(stubs, "orders") == Status.Code.NOT_FOUND);
      SampleWorkflows.runGreetings(stubs, "orders", "key-e2e", "key-", 1);
      assertThat(describeIn(stubs, "billing")).isEqualTo(Status.Code.PERMISSION_DENIED);

      String keyId = token.substring(4, 24);
      ApiKey k = store.apiKeys().get(keyId).orElseThrow();
      store.apiKeys().update(new ApiKey(k.id(), k.ownerId(), k.ownerType(), k.displayName(), k.description(),
          k.expiry(), true, null, null), null);
      await().atMost(Duration.ofSeconds(1)).until(() -> describeIn(stubs, "orders") == Status.Code.UNAUTHENTICATED);
      assertThatThrownBy(() -> stubs.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    } finally {
      stubs.shutdownNow();
    }
  }

  /**
   * Two gateways on one store handle: a key disabled through it is refused by both within a second (separate
   * PostgreSQL replicas: {@link ReplicaRevocationTest}).
   */
  @Test
  void aKeyDisabledThroughOneReplicaIsRefusedByTheOtherWithinASecond() throws Exception {
    String token = apiKey("replicated-worker", Map.of("orders", NamespacePermission.WRITE));
    try (Gatehouse second = Gatehouse.builder().withConfig(config()).withAccountStore(store).build().start()) {
      WorkflowServiceStubs first = stubs(gatehouse, null, null, token);
      WorkflowServiceStubs other = stubs(second, null, null, token);
      try {
        await().atMost(Duration.ofSeconds(5)).until(() -> describeIn(first, "orders") == Status.Code.NOT_FOUND);
        assertThat(describeIn(other, "orders")).isEqualTo(Status.Code.NOT_FOUND);
        ApiKey k = store.apiKeys().get(token.substring(4, 24)).orElseThrow();
        store.apiKeys().update(new ApiKey(k.id(), k.ownerId(), k.ownerType(), k.displayName(), k.description(),
            k.expiry(), true, null, null), null);
        await().atMost(Duration.ofSeconds(1)).until(() -> describeIn(other, "orders") == Status.Code.UNAUTHENTICATED);
        await().atMost(Duration.ofSeconds(1)).until(() -> describeIn(first, "orders") == Status.Code.UNAUTHENTICATED);
      } finally {
        first.shutdownNow();
        other.shutdownNow();
      }
    }
  }

  @Test
  void aCertificateFromOrdersCaIsAcceptedInOrdersAndRefusedInBilling() throws Exception {
    WorkflowServiceStubs stubs = stubs(null, ordersCa.leaf("orders-worker").clientAuth().issue(), null);
    try {
      SampleWorkflows.runGreetings(stubs, "orders", "cert-e2e", "cert-", 1);
      assertThat(describeIn(stubs, "billing")).isEqualTo(Status.Code.PERMISSION_DENIED);
    } finally {
      stubs.shutdownNow();
    }
    // A certificate from a CA no namespace accepts fails the handshake.
    CertificateAuthority stranger =
        CertificateAuthority.create("Stranger CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    WorkflowServiceStubs refused = stubs(null, stranger.leaf("x").clientAuth().issue(), null);
    try {
      assertThat(describeIn(refused, "orders")).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      refused.shutdownNow();
    }
  }

  @Test
  void overTheOrdersEndpointACallTargetingBillingIsRefused() throws Exception {
    // Billing's certificate is good on billing's endpoint, but the orders endpoint trusts only orders' CA: refused at
    // the handshake.
    WorkflowServiceStubs billingCert = stubs("billing." + DOMAIN, billingCa.leaf("b").clientAuth().issue(), null);
    try {
      assertThat(describeIn(billingCert, "billing")).isEqualTo(Status.Code.NOT_FOUND);
    } finally {
      billingCert.shutdownNow();
    }
    WorkflowServiceStubs wrongEndpoint = stubs("orders." + DOMAIN, billingCa.leaf("b").clientAuth().issue(), null);
    try {
      assertThat(describeIn(wrongEndpoint, "billing")).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      wrongEndpoint.shutdownNow();
    }
    // An API key holding both namespaces may use only orders on the orders endpoint.
    String token = apiKey("both", Map.of("orders", NamespacePermission.WRITE, "billing", NamespacePermission.WRITE));
    WorkflowServiceStubs onOrders = stubs("orders." + DOMAIN, null, token);
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> describeIn(onOrders, "orders") == Status.Code.NOT_FOUND);
      assertThat(describeIn(onOrders, "billing")).isEqualTo(Status.Code.PERMISSION_DENIED);
    } finally {
      onOrders.shutdownNow();
    }
    WorkflowServiceStubs certOnOrders = stubs("orders." + DOMAIN, ordersCa.leaf("o").clientAuth().issue(), null);
    try {
      SampleWorkflows.runGreetings(certOnOrders, "orders", "sni-e2e", "sni-", 1);
      assertThat(describeIn(certOnOrders, "billing")).isEqualTo(Status.Code.PERMISSION_DENIED);
    } finally {
      certOnOrders.shutdownNow();
    }
  }

  @Test
  void aNamespaceAddedAtRunTimeIsTrustedAndItsCaRemovedStopsBeingTrusted() throws Exception {
    CertificateAuthority late = CertificateAuthority.create("Late CA", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(1));
    IssuedCertificate cert = late.leaf("late-worker").clientAuth().issue();
    store.namespaces().create(new Namespace("late", late.certificatePem(), List.of(), true, false, null, 30, null));
    WorkflowServiceStubs stubs = stubs(null, cert, null);
    try {
      // A handshake made before the change arrived fails, and the channel then backs off before it redials.
      await().atMost(Duration.ofSeconds(5)).until(() -> describeIn(stubs, "late") == Status.Code.NOT_FOUND);
      store.namespaces().update(new Namespace("late", ordersCa.certificatePem(), List.of(), true, false, null, 30,
          null), null);
      // The open connection is closed after its calls; the next handshake and every next call are refused.
      await().atMost(Duration.ofSeconds(1)).until(() -> describeIn(stubs, "late") != Status.Code.NOT_FOUND);
      assertThat(describeIn(stubs, "late")).isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
    } finally {
      stubs.shutdownNow();
    }
  }
}
