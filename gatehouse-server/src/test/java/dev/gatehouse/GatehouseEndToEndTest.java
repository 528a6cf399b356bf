package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.e2e.SampleWorkflows;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A real SDK worker and client through Gatehouse with mTLS on both legs, and the ways that must fail. */
class GatehouseEndToEndTest {
  @TempDir static Path dir;
  static DevPki pki;
  static EmbeddedTemporal upstream;
  static Gatehouse gatehouse;

  @BeforeAll
  static void startCluster() throws Exception {
    pki = DevPki.ensure(dir.resolve("pki"));
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    gatehouse = Gatehouse.builder().withConfig(DevCluster.config(pki, upstream.port(), "localhost")).build().start();
  }

  @AfterAll
  static void stopCluster() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void anUnchangedSdkWorkerRunsWorkflowsThroughTheGatewayWithMutualTlsOnBothLegs() throws Exception {
    WorkflowServiceStubs stubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(), pki.clientKey());
    try {
      SampleWorkflows.runGreetings(stubs, "mtls-e2e", "mtls-", 3);
    } finally {
      stubs.shutdownNow();
    }
    assertThat(metrics()).contains("gatehouse_calls_total{method=\"StartWorkflowExecution\",status=\"OK\"}");
  }

  @Test
  void aClientWithoutACertificateIsRefusedAtTheHandshake() throws Exception {
    assertRefused(DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), null, null));
  }

  @Test
  void aClientCertificateFromAnotherCaIsRefused() throws Exception {
    CertificateAuthority other = CertificateAuthority.create("Other CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
    IssuedCertificate leaf = other.leaf("intruder").clientAuth().issue();
    Path cert = dir.resolve("intruder.pem");
    Path key = dir.resolve("intruder-key.pem");
    leaf.write(cert, key);
    assertRefused(DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), cert, key));
  }

  private static void assertRefused(WorkflowServiceStubs stubs) {
    try {
      assertThatThrownBy(() -> stubs.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void anUpstreamPresentingTheWrongServerNameGetsNoCallsAndTheCallerAClearUnavailable() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("dev.gatehouse.proxy");
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try (Gatehouse misconfigured = Gatehouse.builder()
        .withConfig(DevCluster.config(pki, upstream.port(), "frontend.wrong.example")).build().start()) {
      WorkflowServiceStubs stubs = DevCluster.stubs(misconfigured.grpcPort(), pki.caCert(), pki.clientCert(), pki.clientKey());
      try {
        assertThatThrownBy(() -> stubs.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).isEqualTo("upstream unavailable: TLS handshake with the upstream failed");
            });
      } finally {
        stubs.shutdownNow();
      }
      assertThat(misconfigured.ready()).isFalse();
    } finally {
      logger.detachAppender(logs);
    }
    assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("frontend.wrong.example"));
  }

  @Test
  void healthReportsTheUpstreamAndKeepsAnsweringWhenItIsDown() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    assertThat(get(http, "/readyz").statusCode()).isEqualTo(200);
    assertThat(get(http, "/livez").statusCode()).isEqualTo(200);

    try (Gatehouse orphan = Gatehouse.builder()
        .withConfig(DevCluster.config(pki, freePort(), "localhost")).build().start()) {
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + orphan.httpPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(503);
      WorkflowServiceStubs stubs = DevCluster.stubs(orphan.grpcPort(), pki.caCert(), pki.clientCert(), pki.clientKey());
      try {
        assertThatThrownBy(() -> stubs.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).isEqualTo("upstream unavailable: cannot connect to the upstream");
            });
      } finally {
        stubs.shutdownNow();
      }
      HttpResponse<String> live = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + orphan.httpPort() + "/livez")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);
    }
  }

  private static int freePort() throws Exception {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static HttpResponse<String> get(HttpClient http, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String metrics() throws Exception {
    return get(HttpClient.newHttpClient(), "/metrics").body();
  }
}
