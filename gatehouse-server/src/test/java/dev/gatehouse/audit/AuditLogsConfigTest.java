package dev.gatehouse.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit.sinks[]} entries as configured: the keys the README lists, and errors that name the key. */
class AuditLogsConfigTest {
  @TempDir Path dir;
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private PluginContext context() {
    return PluginContext.builder(null).scheduler(scheduler).build();
  }

  private Audit audit(List<Map<String, Object>> sinks) {
    return new Audit(true, null, "n1", dir.resolve("audit").toString(), null, null, null, false, null, null, null,
        null, sinks, null);
  }

  @Test
  void aConfiguredHttpSinkReceivesTheRecordsTheFileSinkHas() throws Exception {
    try (Collector collector = Collector.http(0).otherwise(new Collector.Status(200, ""))) {
      Map<String, Object> http = Map.of("type", "http", "name", "lines", "format", "jsonl",
          "url", collector.uri("/audit").toString(), "spoolDir", dir.resolve("spool").toString(),
          "headers", Map.of("X-Tenant", "payments"));
      try (AuditBroker b = AuditLogs.fromConfig(audit(List.of(http)), AuditFixtures.CATALOG, context())) {
        b.start();
        AuditEvent call = AuditFixtures.allowed("SignalWorkflowExecution", "orders", new byte[0]);
        b.decided(call).toCompletableFuture().get(10, TimeUnit.SECONDS);
        StringBuilder received = new StringBuilder();
        while (!received.toString().contains(call.callId())) {
          Collector.Request r = collector.next();
          assertThat(r.path()).isEqualTo("/audit");
          assertThat(r.header("X-Tenant")).isEqualTo("payments");
          received.append(r.text());
        }
      }
    }
  }

  @Test
  void badSinkSettingsNameTheKey() {
    Map<String, String> spool = Map.of("spoolDir", dir.resolve("s").toString());
    for (List<Object> c : List.of(
        List.of(Map.of("type", "http", "format", "jsonl"), "audit.sinks[0].url"),
        List.of(Map.of("type", "http", "url", "https://x.example", "format", "xml"), "audit.sinks[0].format"),
        List.of(Map.of("type", "http", "url", "https://x.example", "format", "jsonl", "urll", "y"),
            "audit.sinks[0].urll"),
        List.of(Map.of("type", "http", "url", "https://u:p@x.example", "format", "jsonl"), "not in the URL"),
        List.of(Map.of("type", "http", "url", "https://x.example", "format", "jsonl",
            "tokenEnv", "GATEHOUSE_TEST_NO_SUCH_VARIABLE"), "audit.sinks[0].tokenEnv"),
        List.of(Map.of("type", "syslog", "address", "nohost"), "audit.sinks[0]"),
        List.of(Map.of("type", "syslog", "address", "siem:6514", "tls", "yes"), "audit.sinks[0].tls"),
        List.of(Map.of("type", "kafka"), "unknown audit sink type"))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> entry = new java.util.HashMap<>((Map<String, Object>) c.get(0));
      spool.forEach(entry::putIfAbsent);
      assertThatThrownBy(() -> AuditLogs.fromConfig(audit(List.of(entry)), AuditFixtures.CATALOG, context()))
          .as(entry.toString()).isInstanceOf(ConfigException.class).hasMessageContaining((String) c.get(1))
          .hasMessageNotContaining("u:p");
    }
  }
}
