package dev.gatehouse.tls;

import dev.gatehouse.MutableClock;
import static dev.gatehouse.tls.TlsTestSupport.frontend;
import static dev.gatehouse.tls.TlsTestSupport.internode;
import static dev.gatehouse.tls.TlsTestSupport.serverTls;
import static dev.gatehouse.tls.TlsTestSupport.write;
import static dev.gatehouse.tls.TlsTestSupport.writeCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.config.ClientTls;
import dev.gatehouse.config.ExpirationChecks;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temporal's expirationChecks: WARN and ERROR logs and the seconds-left gauge, against an injected clock. */
class ExpirationChecksTest {
  static final ExpirationChecks CHECKS = new ExpirationChecks(Duration.ofDays(30), Duration.ofDays(7), Duration.ofHours(1));

  @TempDir Path dir;
  SimpleMeterRegistry registry = new SimpleMeterRegistry();
  ListAppender<ILoggingEvent> logs;
  CertificateAuthority ca;
  Path caFile;
  CertFiles server;
  Instant start;
  MutableClock clock;

  @BeforeEach
  void setUp() {
    logs = TlsTestSupport.capture(ExpiryMonitor.class);
    ca = CertificateAuthority.create("Long CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(3650));
    caFile = writeCa(dir, "ca", ca);
    start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    server = write(dir, "server", ca.leaf("localhost").dnsNames("localhost").serverAuth()
        .validity(start.minus(Duration.ofDays(1)), start.plus(Duration.ofDays(60))).issue());
    clock = new MutableClock(start);
  }

  @AfterEach
  void tearDown() {
    TlsTestSupport.release(ExpiryMonitor.class, logs);
  }

  private FrontendTls frontendTls(java.util.concurrent.ScheduledExecutorService scheduler, ExpirationChecks checks) {
    return new FrontendTls(frontend(serverTls(server, List.of(caFile), true), null, checks), k -> null, registry,
        scheduler, clock, SslProvider.OPENSSL);
  }

  private X509Certificate serverCertificate() throws Exception {
    return Pem.certificates(java.nio.file.Files.readAllBytes(server.cert())).get(0);
  }

  private Gauge gauge(String group, String role, X509Certificate certificate) {
    return registry.find(ExpiryMonitor.METRIC)
        .tags("group", group, "role", role, "thumbprint", Certificates.sha256(certificate)).gauge();
  }

  private List<ILoggingEvent> at(Level level) {
    return logs.list.stream().filter(e -> e.getLevel() == level).toList();
  }

  @Test
  void warnsInsideTheWarningWindowAndErrsInsideTheErrorWindowAndOnceExpired() throws Exception {
    X509Certificate cert = serverCertificate();
    Instant notAfter = cert.getNotAfter().toInstant();
    try (FrontendTls tls = frontendTls(null, CHECKS)) {
      assertThat(logs.list).isEmpty();
      assertThat(gauge("frontend", "server", cert).value()).isEqualTo(Duration.between(start, notAfter).toSeconds());
      assertThat(gauge("frontend", "ca", ca.certificate())).isNotNull();

      clock.set(notAfter.minus(Duration.ofDays(20)));
      assertThat(tls.checkExpirations()).anySatisfy(f -> {
        assertThat(f.role()).isEqualTo("server");
        assertThat(f.level()).isEqualTo(ExpiryMonitor.Level.WARN);
      });
      assertThat(at(Level.WARN)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
          .contains("expires in 20d", "group=frontend", "role=server", "CN=localhost",
              "notAfter=" + notAfter, Certificates.sha256(cert)));
      assertThat(gauge("frontend", "server", cert).value()).isEqualTo(Duration.ofDays(20).toSeconds());

      clock.set(notAfter.minus(Duration.ofDays(3)));
      tls.checkExpirations();
      assertThat(at(Level.ERROR)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
          .contains("expires in 3d", Certificates.sha256(cert)));

      clock.set(notAfter.plus(Duration.ofDays(1)));
      tls.checkExpirations();
      assertThat(at(Level.ERROR)).hasSize(2).last().satisfies(e -> assertThat(e.getFormattedMessage())
          .contains("EXPIRED", "CN=localhost", Certificates.sha256(cert)));
      assertThat(gauge("frontend", "server", cert).value()).isEqualTo(-Duration.ofDays(1).toSeconds());
      assertThat(at(Level.WARN)).hasSize(1);
    }
    assertThat(registry.find(ExpiryMonitor.METRIC).gauges()).as("close() removes the gauges").isEmpty();
  }

  @Test
  void aReloadReplacesTheGaugeOfTheOldCertificate() throws Exception {
    X509Certificate old = serverCertificate();
    try (FrontendTls tls = frontendTls(null, CHECKS)) {
      IssuedCertificate next = ca.leaf("localhost").dnsNames("localhost").serverAuth().issue();
      next.write(server.cert(), server.key());
      tls.reloadNow();
      assertThat(gauge("frontend", "server", old)).isNull();
      assertThat(gauge("frontend", "server", next.certificate())).isNotNull();
    }
  }

  @Test
  void checksRunEveryCheckInterval() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (FrontendTls tls = frontendTls(scheduler, new ExpirationChecks(Duration.ofDays(30), Duration.ofDays(7),
        Duration.ofMillis(20)))) {
      assertThat(tls.enabled()).isTrue();
      assertThat(at(Level.WARN)).isEmpty();
      clock.advance(Duration.ofDays(50));
      await().atMost(Duration.ofSeconds(10)).until(() -> !at(Level.WARN).isEmpty());
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void internodeCertificatesAreWatchedToo() {
    CertFiles client = write(dir, "internode", ca.leaf("gatehouse").clientAuth()
        .validity(start.minus(Duration.ofDays(1)), start.plus(Duration.ofDays(5))).issue());
    ServerTls certificate = new ServerTls(client.cert().toString(), client.key().toString(), null, null, null, null, false);
    ClientTls roots = new ClientTls(null, false, List.of(caFile.toString()), null, false);
    try (InternodeTls tls = new InternodeTls(internode(certificate, roots, null), k -> null, registry, null, clock,
        SslProvider.OPENSSL)) {
      assertThat(at(Level.ERROR)).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
          .contains("group=internode", "role=client", "CN=gatehouse"));
      assertThat(registry.find(ExpiryMonitor.METRIC).tags("group", "internode", "role", "client").gauge()).isNotNull();
      assertThat(gauge("internode", "ca", ca.certificate())).isNotNull();
      assertThat(tls.checkExpirations()).hasSize(2);
    }
  }
}
