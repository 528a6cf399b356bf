package dev.gatehouse.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.store.ElevatedGrant;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The webhook: one JSON object per event, never blocking the caller, bounded when the receiver hangs. */
class WebhookNotifierTest {
  static ElevatedGrant grant(String id) {
    Instant t = Instant.parse("2026-12-01T09:00:00Z");
    return new ElevatedGrant(id, "dev", OwnerType.USER, "payments", NamespacePermission.WRITE, null, 3600,
        "hotfix", "INC-1", false, ElevatedGrant.State.REQUESTED, t, "", null, "", null, null, "", null, null);
  }

  @Test
  void postsTheEventAsJson() throws Exception {
    List<JsonNode> got = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hook", x -> {
      got.add(new ObjectMapper().readTree(x.getRequestBody().readAllBytes()));
      x.sendResponseHeaders(200, -1);
      x.close();
    });
    server.start();
    try {
      new WebhookNotifier(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"))
          .on(new GrantEvent(GrantEvent.Kind.REQUESTED, grant("grant-1"), ElevatedGrants.SYSTEM));
      await().atMost(Duration.ofSeconds(5)).until(() -> !got.isEmpty());
      JsonNode n = got.getFirst();
      assertThat(n.get("event").asText()).isEqualTo("requested");
      assertThat(n.get("awaitingApproval").asBoolean()).isTrue();
      assertThat(n.get("namespace").asText()).isEqualTo("payments");
      assertThat(n.get("permission").asText()).isEqualTo("write");
      assertThat(n.get("durationSeconds").asLong()).isEqualTo(3600);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aHangingReceiverNeitherBlocksTheCallerNorHoldsMoreThanTheBound() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> arrived = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext("/hook", x -> {
      arrived.add("x");
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      x.sendResponseHeaders(204, -1);
      x.close();
    });
    server.start();
    try {
      WebhookNotifier hook =
          new WebhookNotifier(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"));
      long start = System.nanoTime();
      for (int i = 0; i < WebhookNotifier.MAX_IN_FLIGHT + 20; i++) {
        hook.on(new GrantEvent(GrantEvent.Kind.EXPIRED, grant("grant-" + i), ElevatedGrants.SYSTEM));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).until(() -> arrived.size() >= 1);
      assertThat(arrived.size()).isLessThanOrEqualTo(WebhookNotifier.MAX_IN_FLIGHT);
    } finally {
      release.countDown();
      server.stop(0);
    }
  }

  @Test
  void onlyHttpUrls() {
    assertThatThrownBy(() -> new WebhookNotifier(URI.create("file:///etc/passwd")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s)");
  }
}
