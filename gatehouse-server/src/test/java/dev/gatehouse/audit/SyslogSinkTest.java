package dev.gatehouse.audit;

import static dev.gatehouse.audit.SinkTestSupport.batch;
import static dev.gatehouse.audit.SinkTestSupport.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyslogSinkTest {
  private static final long PID = ProcessHandle.current().pid();

  @TempDir Path tmp;
  private final MeterRegistry meters = new SimpleMeterRegistry();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    SinkTestSupport.closeAll(open);
  }

  private SyslogSink.Builder sink(int port) {
    return SyslogSink.builder("127.0.0.1", port, tmp.resolve("spool")).name("test").node("gw-1").meters(meters)
        .retry(Duration.ofMillis(1), Duration.ofMillis(20));
  }

  private SyslogSink start(SyslogSink.Builder b) throws IOException {
    SyslogSink s = b.build();
    open.add(s);
    return s;
  }

  private ServerSocket listener() throws IOException {
    ServerSocket l = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    l.setSoTimeout(30_000);
    open.add(l);
    return l;
  }

  private double shipped() {
    return meters.get("gatehouse_audit_shipped_total").tag("sink", "test").counter().count();
  }

  /** Reads one octet-counted frame: digits, one space, then exactly that many bytes. */
  private static byte[] readFrame(InputStream in) throws IOException {
    int length = 0;
    int digits = 0;
    int c;
    while ((c = in.read()) >= '0' && c <= '9') {
      length = length * 10 + (c - '0');
      digits++;
    }
    assertThat(digits).as("MSG-LEN digits").isPositive();
    assertThat(c).as("the byte after MSG-LEN").isEqualTo(' ');
    byte[] msg = in.readNBytes(length);
    assertThat(msg).hasSize(length);
    return msg;
  }

  private static byte[] concat(String head, byte[] tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(tail);
    return out.toByteArray();
  }

  @Test
  void framingAndHeaderFieldsByteForByte() throws Exception {
    ServerSocket l = listener();
    SyslogSink s = start(sink(l.getLocalPort()).tls(false));
    AuditEntry allow = entry(1, "allow");
    AuditEntry deny = entry(2, "deny");
    s.write(List.of(allow, deny));
    try (Socket conn = l.accept()) {
      conn.setSoTimeout(30_000);
      InputStream in = conn.getInputStream();
      // authpriv (10) * 8 + notice (5) = 85; a denial is a warning (4): 84.
      byte[] expectAllow = concat("<85>1 2025-12-02T00:00:00.124Z gw-1 gatehouse " + PID + " decision - ",
          allow.line());
      byte[] expectDeny = concat("<84>1 2025-12-02T00:00:00.125Z gw-1 gatehouse " + PID + " decision - ",
          deny.line());
      byte[] all = in.readNBytes((expectAllow.length + " ").length() + expectAllow.length
          + (expectDeny.length + " ").length() + expectDeny.length);
      ByteArrayOutputStream want = new ByteArrayOutputStream();
      want.writeBytes((expectAllow.length + " ").getBytes(StandardCharsets.US_ASCII));
      want.writeBytes(expectAllow);
      want.writeBytes((expectDeny.length + " ").getBytes(StandardCharsets.US_ASCII));
      want.writeBytes(expectDeny);
      assertThat(all).isEqualTo(want.toByteArray());
    }
  }

  @Test
  void facilityAndBomAreConfigurable() throws Exception {
    ServerSocket l = listener();
    SyslogSink s = start(sink(l.getLocalPort()).tls(false).facility("local0").bom(true).node("gw 2\u00e9"));
    AuditEntry e = entry(7, "allow");
    s.write(List.of(e));
    try (Socket conn = l.accept()) {
      conn.setSoTimeout(30_000);
      byte[] msg = readFrame(conn.getInputStream());
      // local0 (16) * 8 + 5 = 133; the node's space and non-ASCII letter are not allowed in HOSTNAME.
      ByteArrayOutputStream want = new ByteArrayOutputStream();
      want.writeBytes(("<133>1 2025-12-02T00:00:00.130Z gw_2_ gatehouse " + PID + " decision - ")
          .getBytes(StandardCharsets.US_ASCII));
      want.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
      want.writeBytes(e.line());
      assertThat(msg).isEqualTo(want.toByteArray());
    }
  }

  @Test
  void facilityNamesAndNumbers() {
    assertThat(SyslogSink.facility("authpriv")).isEqualTo(10);
    assertThat(SyslogSink.facility("auth")).isEqualTo(4);
    assertThat(SyslogSink.facility("LOCAL7")).isEqualTo(23);
    assertThat(SyslogSink.facility("13")).isEqualTo(13);
    assertThatThrownBy(() -> SyslogSink.facility("24")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyslogSink.facility("mark")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyslogSink.Builder.forAddress("nohost", tmp)).isInstanceOf(
        IllegalArgumentException.class);
  }

  @Test
  void onlyTheRecordsOwnDecisionMakesAWarning() {
    assertThat(SyslogSink.denied(entry(1, "deny").line())).isTrue();
    assertThat(SyslogSink.denied(entry(1, "allow").line())).isFalse();
    // A "decision" that a caller could put into a value, or a nested object, does not count.
    String forged = "{\"operation\":\"x\\\"decision\\\":\\\"deny\",\"raw_details\":{\"request\":{\"decision\":"
        + "\"deny\"},\"decision\":\"allow\"}}";
    assertThat(SyslogSink.denied(forged.getBytes(StandardCharsets.UTF_8))).isFalse();
  }

  @Test
  void reconnectsAfterTheReceiverDropsTheConnection() throws Exception {
    ServerSocket l = listener();
    SyslogSink s = start(sink(l.getLocalPort()).tls(false));
    s.write(List.of(entry(1, "allow")));
    try (Socket conn = l.accept()) {
      conn.setSoTimeout(30_000);
      assertThat(readFrame(conn.getInputStream())).endsWith(entry(1, "allow").line());
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 1);
    s.write(List.of(entry(2, "allow")));
    // The sink notices the closed connection (or its write fails) and sends on a new one.
    try (Socket conn = l.accept()) {
      conn.setSoTimeout(30_000);
      assertThat(readFrame(conn.getInputStream())).endsWith(entry(2, "allow").line());
    }
  }

  @Test
  void receiverDownAtStartGetsTheSpoolLater() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    SyslogSink s = start(sink(port).tls(false));
    s.write(batch(1, 2));
    await().atMost(Duration.ofSeconds(30)).until(() -> meters.get("gatehouse_audit_ship_failures_total")
        .tag("sink", "test").counter().count() >= 2);
    assertThat(s.spooledBytes()).isPositive();
    ServerSocket l = new ServerSocket(port, 10, InetAddress.getLoopbackAddress());
    open.add(l);
    l.setSoTimeout(30_000);
    try (Socket conn = l.accept()) {
      conn.setSoTimeout(30_000);
      assertThat(readFrame(conn.getInputStream())).endsWith(entry(1, "allow").line());
      assertThat(readFrame(conn.getInputStream())).endsWith(entry(2, "allow").line());
    }
  }

  @Test
  void receiverWithCertificateFromAnotherCaGetsNothing() throws Exception {
    CertificateAuthority ca = SinkTestSupport.ca("siem CA");
    CertificateAuthority other = SinkTestSupport.ca("impostor");
    SSLServerSocket l = (SSLServerSocket) SinkTestSupport.serverContext(SinkTestSupport.serverCert(other))
        .getServerSocketFactory().createServerSocket(0, 10, InetAddress.getLoopbackAddress());
    open.add(l);
    l.setSoTimeout(30_000);
    Path caFile = tmp.resolve("ca.pem");
    Files.writeString(caFile, ca.certificatePem());
    SyslogSink s = start(sink(l.getLocalPort()).caFile(caFile));
    s.write(List.of(entry(1, "allow")));
    try (Socket conn = l.accept()) {
      conn.setSoTimeout(30_000);
      // The handshake fails on the sink's side; the listener reads nothing but the end of the connection.
      assertThatThrownBy(() -> conn.getInputStream().read()).isInstanceOf(IOException.class);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> meters.get("gatehouse_audit_ship_failures_total")
        .tag("sink", "test").counter().count() >= 1);
    assertThat(shipped()).isZero();
  }

  @Test
  void realRsyslogOverTlsReceivesEveryRecordUnchanged() throws Exception {
    Rsyslog rsyslog = Rsyslog.start(tmp.resolve("rsyslog"));
    open.add(rsyslog);
    Path caFile = rsyslog.dir().resolve("ca.pem");
    SyslogSink s = start(SyslogSink.builder("localhost", rsyslog.port(), tmp.resolve("spool")).name("test")
        .node("gw-1").meters(meters).caFile(caFile).retry(Duration.ofMillis(5), Duration.ofMillis(200)));
    List<AuditEntry> sent = new ArrayList<>();
    for (int b = 0; b < 5; b++) {
      List<AuditEntry> batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        long seq = b * 20L + i + 1;
        batch.add(entry(seq, seq % 7 == 0 ? "deny" : "allow"));
      }
      s.write(batch);
      sent.addAll(batch);
    }
    List<String> lines = rsyslog.awaitLines(sent.size(), Duration.ofSeconds(60));
    assertThat(lines).containsExactlyElementsOf(sent.stream().map(e -> new String(e.line(), StandardCharsets.UTF_8))
        .toList());
    List<String> meta = rsyslog.awaitMeta(sent.size(), Duration.ofSeconds(60));
    assertThat(meta.get(0)).isEqualTo("authpriv notice gw-1 gatehouse " + PID + " decision");
    assertThat(meta.get(6)).isEqualTo("authpriv warning gw-1 gatehouse " + PID + " decision");
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == sent.size() && s.spooledBytes() == 0);
  }

  @Test
  void rsyslogRestartGetsWhatWasSpooledMeanwhile() throws Exception {
    Path dir = tmp.resolve("rsyslog");
    Rsyslog first = Rsyslog.start(dir);
    open.add(first);
    int port = first.port();
    SyslogSink s = start(SyslogSink.builder("localhost", port, tmp.resolve("spool")).name("test").meters(meters)
        .caFile(dir.resolve("ca.pem")).retry(Duration.ofMillis(5), Duration.ofMillis(100)));
    s.write(batch(1, 3));
    first.awaitLines(3, Duration.ofSeconds(60));
    first.close();
    s.write(batch(4, 3));
    // The sink finds the connection closed, cannot reconnect, and keeps the records spooled.
    await().atMost(Duration.ofSeconds(30)).until(() -> meters.get("gatehouse_audit_ship_failures_total")
        .tag("sink", "test").counter().count() >= 1);
    assertThat(s.spooledBytes()).isPositive();
    Rsyslog second = Rsyslog.restart(dir, port);
    open.add(second);
    List<String> lines = second.awaitLines(6, Duration.ofSeconds(60));
    assertThat(lines).containsExactlyElementsOf(batch(1, 6).stream()
        .map(e -> new String(e.line(), StandardCharsets.UTF_8)).toList());
  }
}
