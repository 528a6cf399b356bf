package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.client;
import static dev.gatehouse.tls.TlsTestSupport.clientContext;
import static dev.gatehouse.tls.TlsTestSupport.frontend;
import static dev.gatehouse.tls.TlsTestSupport.serverTls;
import static dev.gatehouse.tls.TlsTestSupport.write;
import static dev.gatehouse.tls.TlsTestSupport.writeCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.config.ExpirationChecks;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import dev.gatehouse.tls.TlsTestSupport.Client;
import dev.gatehouse.tls.TlsTestSupport.HealthServer;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Certificate rotation under a running server: new handshakes see new material, live connections carry on. */
class FrontendTlsReloadTest {
  @TempDir Path dir;

  CertificateAuthority ca;
  Path caFile;
  Path clientCaFile;
  CertFiles served;
  CertFiles worker;
  SslContext workerContext;
  FrontendTls tls;
  HealthServer grpc;
  ListAppender<ILoggingEvent> logs;

  @BeforeEach
  void start() {
    ca = CertificateAuthority.create("Reload CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    caFile = writeCa(dir, "ca", ca);
    clientCaFile = writeCa(dir, "client-ca", ca);
    served = write(dir, "server", issueServer());
    worker = write(dir, "worker", ca.leaf("worker").clientAuth().issue());
    workerContext = clientContext(caFile, worker);
    logs = TlsTestSupport.capture(Reloadable.class);
  }

  @AfterEach
  void stop() throws Exception {
    TlsTestSupport.release(Reloadable.class, logs);
    if (grpc != null) {
      grpc.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  private IssuedCertificate issueServer() {
    return ca.leaf("localhost").dnsNames("localhost").serverAuth().issue();
  }

  private void startServer(Duration refresh, ScheduledExecutorService scheduler) {
    startServer(refresh, scheduler, SslProvider.OPENSSL);
  }

  private void startServer(Duration refresh, ScheduledExecutorService scheduler, SslProvider provider) {
    tls = new FrontendTls(frontend(serverTls(served, List.of(clientCaFile), true), refresh, ExpirationChecks.DEFAULT),
        k -> "config/tls.yaml", new SimpleMeterRegistry(), scheduler, Clock.systemUTC(), provider);
    grpc = new HealthServer(tls.serverContext());
  }

  private BigInteger servedSerial() throws Exception {
    try (Client c = client(grpc.port(), workerContext)) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
      return c.serverCertificate().getSerialNumber();
    }
  }

  /** Replaces a file the way deploy tools do: write aside, then rename over. */
  private void replace(Path target, String content) throws Exception {
    Path tmp = dir.resolve("incoming.tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void newHandshakesPresentTheNewCertificateWhileAnOpenChannelKeepsWorking() throws Exception {
    startServer(null, null);
    BigInteger first = servedSerial();
    try (Client live = client(grpc.port(), workerContext)) {
      assertThat(live.check()).isEqualTo(Status.Code.OK);
      assertThat(live.serverCertificate().getSerialNumber()).isEqualTo(first);

      IssuedCertificate next = issueServer();
      replace(served.key(), next.privateKeyPem());
      replace(served.cert(), next.certificatePem());
      tls.reloadNow();

      assertThat(servedSerial()).isEqualTo(next.certificate().getSerialNumber()).isNotEqualTo(first);
      for (int i = 0; i < 3; i++) {
        assertThat(live.check()).isEqualTo(Status.Code.OK);
      }
      assertThat(live.serverCertificate().getSerialNumber()).as("the open connection keeps its session").isEqualTo(first);
    }
  }

  @Test
  void aBrokenRotationKeepsTheOldMaterialAndLogsTheFileAndKey() throws Exception {
    startServer(null, null);
    BigInteger first = servedSerial();

    IssuedCertificate next = issueServer();
    replace(served.cert(), next.certificatePem()); // the key is not there yet
    tls.reloadNow();
    tls.reloadNow();

    assertThat(servedSerial()).isEqualTo(first);
    List<ILoggingEvent> errors = logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).getFormattedMessage())
        .contains("config/tls.yaml", "global.tls.frontend.server.keyFile", served.key().toString(),
            served.cert().toString(), "does not match")
        .doesNotContain("PRIVATE KEY");

    replace(served.key(), next.privateKeyPem());
    tls.reloadNow();
    assertThat(servedSerial()).isEqualTo(next.certificate().getSerialNumber());
  }

  @Test
  void aMissingFileKeepsTheOldMaterial() throws Exception {
    startServer(null, null);
    BigInteger first = servedSerial();
    Files.delete(served.cert());
    tls.reloadNow();
    assertThat(servedSerial()).isEqualTo(first);
    assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
        .contains("global.tls.frontend.server.certFile", "file not found", served.cert().toString()));
  }

  @Test
  void rotatedClientCasApplyToNewHandshakes() throws Exception {
    startServer(null, null);
    CertificateAuthority next = CertificateAuthority.create("Next CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    CertFiles nextWorker = write(dir, "next-worker", next.leaf("next-worker").clientAuth().issue());
    try (Client c = client(grpc.port(), clientContext(caFile, nextWorker))) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    replace(clientCaFile, next.certificatePem());
    tls.reloadNow();

    try (Client c = client(grpc.port(), clientContext(caFile, nextWorker))) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    try (Client c = client(grpc.port(), workerContext)) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @ParameterizedTest
  @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
  void aClientCannotResumeASessionToSkipVerificationAfterItsCaWasRemoved(SslProvider provider) throws Exception {
    startServer(null, null, provider);
    // One client context for both connections: it holds the session (ticket) of the first one.
    try (Client c = client(grpc.port(), workerContext)) {
      assertThat(c.check()).isEqualTo(Status.Code.OK);
    }
    CertificateAuthority next = CertificateAuthority.create("Next CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    replace(clientCaFile, next.certificatePem());
    tls.reloadNow();
    try (Client c = client(grpc.port(), workerContext)) {
      assertThat(c.check()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void theRefreshIntervalTimerReloads() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      startServer(Duration.ofMillis(50), scheduler);
      BigInteger first = servedSerial();
      IssuedCertificate next = issueServer();
      replace(served.key(), next.privateKeyPem());
      replace(served.cert(), next.certificatePem());
      await().atMost(Duration.ofSeconds(10)).until(() -> !servedSerial().equals(first));
      assertThat(servedSerial()).isEqualTo(next.certificate().getSerialNumber());
    } finally {
      tls.close();
      scheduler.shutdownNow();
    }
  }
}
