package dev.gatehouse.audit;

import static dev.gatehouse.audit.SinkTestSupport.batch;
import static dev.gatehouse.audit.SinkTestSupport.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.audit.Collector.Drop;
import dev.gatehouse.audit.Collector.Hang;
import dev.gatehouse.audit.Collector.Request;
import dev.gatehouse.audit.Collector.Status;
import dev.gatehouse.tls.CertificateAuthority;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class HttpSinkTest {
  private static final String TOKEN = "hec-secret-7f3a9c";

  @TempDir Path tmp;
  private final MeterRegistry meters = new SimpleMeterRegistry();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    SinkTestSupport.closeAll(open);
  }

  private Collector collector() throws IOException {
    Collector c = Collector.http(0);
    open.add(c);
    return c;
  }

  private HttpSink.Builder sink(URI uri, HttpSink.Format format) {
    return HttpSink.builder(uri, format, tmp.resolve("spool")).name("test").node("gw-1").meters(meters)
        .retry(Duration.ofMillis(1), Duration.ofMillis(20));
  }

  private HttpSink start(HttpSink.Builder b) throws IOException {
    HttpSink s = b.build();
    open.add(s);
    return s;
  }

  private double shipped() {
    return meters.get("gatehouse_audit_shipped_total").tag("sink", "test").counter().count();
  }

  private double failures() {
    return meters.get("gatehouse_audit_ship_failures_total").tag("sink", "test").counter().count();
  }

  private double spoolGauge() {
    return meters.get("gatehouse_audit_spool_bytes").tag("sink", "test").gauge().value();
  }

  /** The bodies of the requests that bring the next {@code count} lines, concatenated. */
  private static String lines(Collector c, int count) throws InterruptedException {
    StringBuilder got = new StringBuilder();
    while (got.chars().filter(ch -> ch == '\n').count() < count) {
      got.append(c.next().text());
    }
    return got.toString();
  }

  private static String line(AuditEntry e) {
    return new String(e.line(), StandardCharsets.UTF_8);
  }

  @Test
  void splunkHecEventsCarryEachRecordUnchanged() throws Exception {
    Collector c = collector();
    HttpSink s = start(sink(c.uri(""), HttpSink.Format.SPLUNK).token(TOKEN));
    List<AuditEntry> b = List.of(entry(1, "allow"), entry(2, "deny"));
    s.write(b);
    Request r = c.next();
    assertThat(r.path()).isEqualTo("/services/collector/event");
    assertThat(r.header("Authorization")).isEqualTo("Splunk " + TOKEN);
    assertThat(r.text()).isEqualTo(
        "{\"time\":1764633600.124,\"host\":\"gw-1\",\"source\":\"gatehouse\",\"sourcetype\":\"gatehouse:audit\","
            + "\"event\":" + line(b.get(0)) + "}\n"
            + "{\"time\":1764633600.125,\"host\":\"gw-1\",\"source\":\"gatehouse\",\"sourcetype\":\"gatehouse:audit\","
            + "\"event\":" + line(b.get(1)) + "}\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 2 && s.spooledBytes() == 0);
    assertThat(spoolGauge()).isZero();
  }

  @Test
  void elasticsearchBulkNamesIndexAndLogIdAndRetriesItemFailures() throws Exception {
    Collector c = collector();
    c.then(new Status(200, "{\"took\":3,\"errors\":true,\"items\":[{\"index\":{\"_id\":\"call-1\",\"status\":201}},"
        + "{\"index\":{\"_id\":\"call-2\",\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\","
        + "\"reason\":\"rejected\"}}}]}"))
        .otherwise(new Status(200, "{\"took\":3,\"errors\":false,\"items\":[{\"index\":{\"status\":200}},"
            + "{\"index\":{\"status\":201}}]}"));
    HttpSink s = start(sink(URI.create("http://127.0.0.1:" + c.port()), HttpSink.Format.ELASTICSEARCH)
        .index("gatehouse-audit").token("es-key"));
    List<AuditEntry> b = batch(1, 2);
    s.write(b);
    Request first = c.next();
    Request second = c.next();
    String expected = "{\"index\":{\"_index\":\"gatehouse-audit\",\"_id\":\"call-1\"}}\n" + line(b.get(0)) + "\n"
        + "{\"index\":{\"_index\":\"gatehouse-audit\",\"_id\":\"call-2\"}}\n" + line(b.get(1)) + "\n";
    assertThat(first.path()).isEqualTo("/_bulk");
    assertThat(first.header("Content-Type")).isEqualTo("application/x-ndjson");
    assertThat(first.header("Authorization")).isEqualTo("ApiKey es-key");
    assertThat(first.text()).isEqualTo(expected);
    assertThat(second.text()).isEqualTo(expected);
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 2);
    assertThat(failures()).isEqualTo(1);
  }

  @Test
  void bulkResponseWithoutErrorsFlagIsNotTakenAsSuccess() {
    assertThatThrownBy(() -> HttpSink.checkBulkResponse("{\"took\":1}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> HttpSink.checkBulkResponse("[]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void jsonLinesWithConfiguredHeaders() throws Exception {
    Collector c = collector();
    HttpSink s = start(sink(c.uri("/ingest/audit"), HttpSink.Format.JSONL).header("X-Api-Key", "k-123"));
    List<AuditEntry> b = batch(1, 3);
    s.write(b);
    Request r = c.next();
    assertThat(r.path()).isEqualTo("/ingest/audit");
    assertThat(r.header("X-Api-Key")).isEqualTo("k-123");
    assertThat(r.header("Content-Type")).isEqualTo("application/x-ndjson");
    assertThat(r.text()).isEqualTo(line(b.get(0)) + "\n" + line(b.get(1)) + "\n" + line(b.get(2)) + "\n");
  }

  @Test
  void collectorAnswering500IsRetriedUntilItAnswers200() throws Exception {
    Collector c = collector();
    c.then(new Status(500, ""), new Status(503, ""), new Status(500, ""));
    HttpSink s = start(sink(c.uri(""), HttpSink.Format.JSONL));
    s.write(batch(1, 2));
    for (int i = 0; i < 3; i++) {
      assertThat(c.next().answer()).isInstanceOf(Status.class);
    }
    Request ok = c.next();
    assertThat(((Status) ok.answer()).code()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 2 && s.spooledBytes() == 0);
    assertThat(failures()).isEqualTo(3);
    // Once confirmed, a batch is never sent again: the next request carries the next batch.
    s.write(batch(3, 1));
    assertThat(c.next().text()).isEqualTo(line(entry(3, "allow")) + "\n");
  }

  @Test
  void hungCollectorTimesOutAndIsRetried() throws Exception {
    Collector c = collector();
    c.then(new Hang());
    HttpSink s = start(sink(c.uri(""), HttpSink.Format.JSONL).requestTimeout(Duration.ofSeconds(1)));
    List<AuditEntry> b = batch(1, 2);
    s.write(b);
    assertThat(c.next().answer()).isInstanceOf(Hang.class);
    Request retry = c.next();
    assertThat(retry.text()).isEqualTo(line(b.get(0)) + "\n" + line(b.get(1)) + "\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 2);
    // At least the hung attempt (a loaded box may time out a retry too).
    assertThat(failures()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void droppedConnectionIsRetried() throws Exception {
    Collector c = collector();
    c.then(new Drop(), new Drop());
    HttpSink s = start(sink(c.uri(""), HttpSink.Format.JSONL));
    s.write(batch(1, 1));
    assertThat(c.next().answer()).isInstanceOf(Drop.class);
    assertThat(c.next().answer()).isInstanceOf(Drop.class);
    assertThat(c.next().answer()).isInstanceOf(Status.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 1);
    assertThat(failures()).isEqualTo(2);
  }

  @Test
  void collectorDownAtStartGetsTheSpoolLater() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    HttpSink s = start(sink(URI.create("http://127.0.0.1:" + port), HttpSink.Format.JSONL));
    List<AuditEntry> b = batch(1, 3);
    s.write(b.subList(0, 2));
    s.write(b.subList(2, 3));
    await().atMost(Duration.ofSeconds(30)).until(() -> failures() >= 2);
    assertThat(s.spooledBytes()).isPositive();
    assertThat(spoolGauge()).isEqualTo((double) s.spooledBytes());
    Collector c = Collector.http(port);
    open.add(c);
    assertThat(lines(c, 3)).isEqualTo(line(b.get(0)) + "\n" + line(b.get(1)) + "\n" + line(b.get(2)) + "\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 3 && s.spooledBytes() == 0);
  }

  @Test
  void restartDeliversWhatTheSpoolHeldAndNothingTwice() throws Exception {
    Collector c = collector();
    c.otherwise(new Status(503, ""));
    HttpSink first = sink(c.uri(""), HttpSink.Format.JSONL).build();
    first.write(batch(1, 2));
    first.write(batch(3, 2));
    c.next();
    first.close();
    assertThat(Files.list(tmp.resolve("spool")).anyMatch(p -> p.getFileName().toString().startsWith("spool-")))
        .isTrue();
    c.requests.clear();
    c.otherwise(new Status(200, ""));

    HttpSink second = start(sink(c.uri(""), HttpSink.Format.JSONL));
    assertThat(lines(c, 4)).isEqualTo(batch(1, 4).stream().map(e -> line(e) + "\n")
        .reduce("", String::concat));
    await().atMost(Duration.ofSeconds(30)).until(() -> second.spooledBytes() == 0);
    second.close();
    open.remove(second);

    // A third start finds nothing to resend: its first request is the new record.
    HttpSink third = start(sink(c.uri(""), HttpSink.Format.JSONL));
    third.write(batch(5, 1));
    assertThat(c.next().text()).isEqualTo(line(entry(5, "allow")) + "\n");
  }

  @Test
  void fullSpoolFailsTheWriteSoTheBrokerCountsTheSinkAsFailing() throws Exception {
    Collector c = collector();
    c.otherwise(new Status(503, ""));
    HttpSink s = start(sink(c.uri(""), HttpSink.Format.JSONL).maxSpoolBytes(4096));
    long written = 0;
    IOException refused = null;
    for (long seq = 1; seq < 100 && refused == null; seq++) {
      try {
        s.write(List.of(entry(seq, "allow")));
        written++;
      } catch (IOException e) {
        refused = e;
      }
    }
    assertThat(refused).isNotNull().hasMessageContaining("spool is full");
    assertThat(written).isPositive();
    assertThat(s.spooledBytes()).isLessThanOrEqualTo(4096);
    // Room again once the collector is back.
    c.otherwise(new Status(200, ""));
    await().atMost(Duration.ofSeconds(30)).until(() -> s.spooledBytes() == 0);
    s.write(List.of(entry(1000, "allow")));
  }

  @Test
  void tlsCollectorVerifiedAgainstTheCaFile() throws Exception {
    CertificateAuthority ca = SinkTestSupport.ca("collector CA");
    Collector c = Collector.https(SinkTestSupport.serverContext(SinkTestSupport.serverCert(ca)));
    open.add(c);
    Path caFile = tmp.resolve("ca.pem");
    Files.writeString(caFile, ca.certificatePem());
    HttpSink s = start(sink(c.uri(""), HttpSink.Format.SPLUNK).caFile(caFile).token(TOKEN));
    s.write(batch(1, 1));
    assertThat(c.next().header("Authorization")).isEqualTo("Splunk " + TOKEN);
    await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 1);
  }

  @Test
  void tlsCollectorWithCertificateFromAnotherCaGetsNothing() throws Exception {
    CertificateAuthority ca = SinkTestSupport.ca("collector CA");
    CertificateAuthority other = SinkTestSupport.ca("someone else");
    Collector c = Collector.https(SinkTestSupport.serverContext(SinkTestSupport.serverCert(other)));
    open.add(c);
    Path caFile = tmp.resolve("ca.pem");
    Files.writeString(caFile, ca.certificatePem());
    HttpSink s = start(sink(c.uri(""), HttpSink.Format.SPLUNK).caFile(caFile).token(TOKEN));
    s.write(batch(1, 1));
    await().atMost(Duration.ofSeconds(30)).until(() -> failures() >= 3);
    assertThat(c.requests).isEmpty();
    assertThat(shipped()).isZero();
    assertThat(s.spooledBytes()).isPositive();
  }

  @Test
  void tokenNeverAppearsInLogs() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(SpoolShipper.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      Collector c = collector();
      c.then(new Status(401, "{\"text\":\"Invalid token\",\"code\":4}"));
      HttpSink s = start(sink(c.uri(""), HttpSink.Format.SPLUNK).token(TOKEN).header("X-Extra", TOKEN + "-2"));
      s.write(batch(1, 1));
      await().atMost(Duration.ofSeconds(30)).until(() -> shipped() == 1);
      assertThat(appender.list).isNotEmpty();
      assertThat(appender.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("HTTP 401")
          .contains("Invalid token"));
      assertThat(appender.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(TOKEN));
      assertThat(s.toString()).doesNotContain(TOKEN);
      HttpSink withQuery = HttpSink.builder(URI.create("http://127.0.0.1:" + c.port() + "/in?token=" + TOKEN),
          HttpSink.Format.JSONL, tmp.resolve("spool-q")).name("q").meters(meters).build();
      withQuery.close();
      assertThat(withQuery.toString()).doesNotContain(TOKEN).endsWith("/in]");
    } finally {
      logger.detachAppender(appender);
    }
  }

  @Test
  void badSettingsAreRefused() {
    Path spool = tmp.resolve("spool");
    assertThatThrownBy(() -> HttpSink.builder(URI.create("ftp://x"), HttpSink.Format.JSONL, spool).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpSink.builder(URI.create("https://u:p@x"), HttpSink.Format.JSONL, spool).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("u:p");
    assertThatThrownBy(() -> HttpSink.builder(URI.create("https://x"), HttpSink.Format.ELASTICSEARCH, spool).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index");
    assertThatThrownBy(() -> HttpSink.builder(URI.create("https://x"), HttpSink.Format.JSONL, spool)
        .header("Content-Length", "1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpSink.Format.of("loki")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void twoSinksCannotShareASpoolFolder() throws Exception {
    Collector c = collector();
    start(sink(c.uri(""), HttpSink.Format.JSONL));
    assertThatThrownBy(() -> sink(c.uri(""), HttpSink.Format.JSONL).name("other").build())
        .isInstanceOf(IOException.class).hasMessageContaining("in use");
  }
}
