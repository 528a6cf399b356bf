package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.Listen;
import dev.gatehouse.config.Store;
import dev.gatehouse.config.Upstream;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation across replicas: two gateways, each opening the same PostgreSQL store from its configuration; a key
 * disabled through a third replica's store is refused by both within a second, and on SQLite a gateway that opens
 * the store from {@code store.dir} follows changes made through another handle on the file.
 */
class ReplicaRevocationTest {
  @TempDir Path dir;

  private Path masterKey() throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = dir.resolve("master.key");
    Files.writeString(file, Base64.getEncoder().encodeToString(key));
    return file;
  }

  private static GatehouseConfig config(Store store, int upstreamPort) {
    Authorization auth = new Authorization(null, null, null, "default", "noop", null, null, null, List.of(), false,
        false, null, null, null);
    return new GatehouseConfig(new Global(null, auth), new Listen("127.0.0.1:0", null, Duration.ofSeconds(5)),
        new Upstream("127.0.0.1:" + upstreamPort, Duration.ofSeconds(5)), null, null, store, null, null, null);
  }

  private static String serviceAccountKey(AccountStore store) {
    store.namespaces().create(new Namespace("orders", "", List.of(), false, true, null, 30, null));
    store.serviceAccounts().create(new ServiceAccount("sa-orders", "orders-worker", "",
        new Access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)), null, null, null));
    ApiKeySecrets secrets = ApiKeySecrets.forStore(store);
    ApiKeySecrets.NewApiKey k = secrets.generate(ApiKeySecrets.newKeyId());
    store.createApiKey(new ApiKey(k.keyId(), "sa-orders", OwnerType.SERVICE_ACCOUNT, "worker", "",
        Instant.now().plus(Duration.ofDays(30)), false, null, null), k.secretHash());
    return k.token();
  }

  private static void disable(AccountStore store, String token) {
    ApiKey k = store.apiKeys().get(token.substring(4, 24)).orElseThrow();
    store.apiKeys().update(new ApiKey(k.id(), k.ownerId(), k.ownerType(), k.displayName(), k.description(),
        k.expiry(), true, null, null), null);
  }

  private static WorkflowServiceStubs stubs(Gatehouse g, String token) {
    // Plaintext on loopback: API keys over TLS are covered by StoreIdentityEndToEndTest.
    return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget("127.0.0.1:" + g.grpcPort()).addApiKey(() -> token).setEnableHttps(false)
        .setRpcTimeout(Duration.ofSeconds(5)).build());
  }

  private static Status.Code describe(WorkflowServiceStubs stubs) {
    try {
      stubs.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
          .setNamespace("orders").setExecution(WorkflowExecution.newBuilder().setWorkflowId("none")).build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aKeyDisabledOnOneReplicaIsRefusedByTheOthersWithinASecondOnPostgres() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
        EmbeddedTemporal upstream = EmbeddedTemporal.start(0, null)) {
      try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE gatehouse");
      }
      Store settings = new Store("jdbc:postgresql://localhost:" + postgres.getPort() + "/gatehouse", null,
          masterKey().toString(), null, "postgres", null, 2, null);
      try (AccountStore admin = AccountStore.open(settings, Clock.systemUTC())) {
        String token = serviceAccountKey(admin);
        try (Gatehouse one = Gatehouse.builder().withConfig(config(settings, upstream.port())).build().start();
            Gatehouse two = Gatehouse.builder().withConfig(config(settings, upstream.port())).build().start()) {
          WorkflowServiceStubs a = stubs(one, token);
          WorkflowServiceStubs b = stubs(two, token);
          try {
            assertThat(describe(a)).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(describe(b)).isEqualTo(Status.Code.NOT_FOUND);
            disable(admin, token);
            await().atMost(Duration.ofSeconds(1)).until(() -> describe(a) == Status.Code.UNAUTHENTICATED);
            await().atMost(Duration.ofSeconds(1)).until(() -> describe(b) == Status.Code.UNAUTHENTICATED);
          } finally {
            a.shutdownNow();
            b.shutdownNow();
          }
        }
      }
    }
  }

  @Test
  void aGatehouseOpensItsSqliteStoreFromStoreDirAndFollowsIt() throws Exception {
    try (EmbeddedTemporal upstream = EmbeddedTemporal.start(0, null)) {
      Store settings = new Store(null, dir.resolve("data").toString(), masterKey().toString(), null);
      String token;
      try (AccountStore admin = AccountStore.open(settings, Clock.systemUTC())) {
        token = serviceAccountKey(admin);
      }
      try (Gatehouse g = Gatehouse.builder().withConfig(config(settings, upstream.port())).build().start();
          AccountStore admin = AccountStore.open(settings, Clock.systemUTC())) {
        WorkflowServiceStubs stubs = stubs(g, token);
        try {
          assertThat(describe(stubs)).isEqualTo(Status.Code.NOT_FOUND);
          disable(admin, token);
          await().atMost(Duration.ofSeconds(2)).until(() -> describe(stubs) == Status.Code.UNAUTHENTICATED);
        } finally {
          stubs.shutdownNow();
        }
      }
    }
  }
}
