package dev.gatehouse.auth;

import static dev.gatehouse.auth.Fixture.WF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.auth.example.StaticApiKeyClaimMapperProvider;
import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.ConfigException;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example plugins in {@code dev.gatehouse.auth.example}, found through META-INF/services. */
class PluginTest {
  @TempDir Path dir;
  private Fixture f;

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  private static AuthInfo apiKey(String key) {
    return new AuthInfo("Bearer " + key, null, null, null, null);
  }

  private static byte[] start(String taskQueue) {
    return StartWorkflowExecutionRequest.newBuilder().setNamespace("orders").setWorkflowId("w")
        .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue)).build().toByteArray();
  }

  @Test
  void pluginsByName() throws Exception {
    f = new Fixture(dir, c -> {
      c.claimMapper = "example-api-keys";
      c.authorizer = "example-task-queue-prefix";
    });
    AuthInfo key = apiKey(StaticApiKeyClaimMapperProvider.ORDERS_WRITER_KEY);
    AccessCheck ok = f.check(key, WF + "StartWorkflowExecution", "orders", start("orders-main"));
    assertThat(ok.allowed()).isTrue();
    assertThat(ok.claims().subject()).isEqualTo("svc-orders");
    assertThat(f.check(key, WF + "StartWorkflowExecution", "orders", start("billing-main")).outcome())
        .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(f.check(key, WF + "StartWorkflowExecution", "billing", start("billing-main")).allowed()).isFalse();
    assertThat(f.check(apiKey("wrong"), WF + "StartWorkflowExecution", "orders", start("orders-main")).outcome())
        .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
  }

  @Test
  void pluginsByClassName() throws Exception {
    f = new Fixture(dir, c -> {
      c.claimMapper = "dev.gatehouse.auth.example.StaticApiKeyClaimMapperProvider";
      c.authorizer = "dev.gatehouse.auth.example.TaskQueuePrefixAuthorizerProvider";
    });
    assertThat(f.check(apiKey(StaticApiKeyClaimMapperProvider.ORDERS_WRITER_KEY), WF + "StartWorkflowExecution",
        "orders", start("orders-x")).allowed()).isTrue();
  }

  @Test
  void builtInNamesCannotBeTakenOverByPlugins() throws Exception {
    f = new Fixture(dir, c -> c.claimMapper = "default");
    assertThat(f.check(Fixture.bearer(Fixture.token("alice", "orders:read")), WF + "DescribeNamespace", "orders")
        .claims().authType()).isEqualTo("jwt");
    assertThat(f.controller.allowsEverything()).isFalse();
    assertThat(f.check(Fixture.bearer(Fixture.token("alice", "orders:read")), WF + "DescribeNamespace", "billing")
        .outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
  }

  @Test
  void onlyTheBuiltInNoopAuthorizerAllowsEverything() throws Exception {
    f = new Fixture(dir, c -> c.authorizer = "noop");
    assertThat(f.controller.allowsEverything()).isTrue();
    f.close();
    // Answered by type: an authorizer that only calls itself noop is not taken for one.
    Authorizer impostor = new Authorizer() {
      @Override
      public Decision authorize(Claims claims, CallTarget target) {
        return Decision.deny();
      }

      @Override
      public String toString() {
        return "noop";
      }
    };
    f = new Fixture(dir, c -> {}, b -> b.authorizer(impostor));
    assertThat(f.controller.allowsEverything()).isFalse();
  }

  @Test
  void pluginsRecordMetricsInTheControllersRegistry() throws Exception {
    f = new Fixture(dir, c -> c.claimMapper = "example-api-keys");
    f.check(apiKey("wrong"), WF + "StartWorkflowExecution", "orders", start("orders-main"));
    assertThat(f.registry.get("example.api_keys.refused").counter().count()).isEqualTo(1.0);
  }

  @Test
  void pluginsRunBackgroundWorkOnTheSchedulerGivenAndLeaveItRunning() throws Exception {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    scheduler.setRemoveOnCancelPolicy(true);
    try {
      f = new Fixture(dir, c -> {}, b -> b.scheduler(scheduler));
      // The JWT mapper's periodic key refresh.
      assertThat(scheduler.getQueue()).hasSize(1);
      f.close();
      f = null;
      assertThat(scheduler.getQueue()).isEmpty();
      assertThat(scheduler.isShutdown()).isFalse();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void configurationErrorsNameTheFileTheKeyCameFrom() {
    AuthConfig unknown = new AuthConfig();
    unknown.claimMapper = "no-such-plugin";
    assertThatThrownBy(() -> AccessController.builder(unknown.build()).configOrigin(key -> "auth.yaml").build())
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.source()).isEqualTo("auth.yaml");
          assertThat(e.key()).isEqualTo("global.authorization.claimMapper");
        });
    AuthConfig badRule = new AuthConfig();
    badRule.claimMapper = "mtls";
    badRule.certificateRules.add(new CertificateRule("a*b", null, null, null, Map.of("orders", "read"), null));
    assertThatThrownBy(() -> AccessController.builder(badRule.build())
        .configOrigin(key -> key.startsWith("global.authorization.certificateRules") ? "rules.yaml" : "base.yaml")
        .build())
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.source()).isEqualTo("rules.yaml");
          assertThat(e.key()).isEqualTo("global.authorization.certificateRules[0].commonName");
        });
  }
}
