package dev.gatehouse.auth;

import static dev.gatehouse.auth.Fixture.WF;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.example.StaticApiKeyClaimMapperProvider;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.nio.file.Path;
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
    assertThat(f.controller.claimMapper()).isInstanceOf(JwtClaimMapper.class);
    assertThat(f.controller.authorizer()).isSameAs(Authorizer.temporalDefault());
  }
}
