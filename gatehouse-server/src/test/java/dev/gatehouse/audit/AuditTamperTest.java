package dev.gatehouse.audit;

import static dev.gatehouse.audit.AuditFixtures.allowed;
import static dev.gatehouse.audit.AuditFixtures.broker;
import static dev.gatehouse.audit.AuditFixtures.keys;
import static dev.gatehouse.audit.AuditFixtures.verify;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tamper matrix: every way of editing, deleting, reordering or truncating records and files, each found by
 * {@code verify} and named; and what the file sink repairs by itself after a crash.
 */
class AuditTamperTest {
  @TempDir Path dir;

  /** Writes three sealed segments of 5 calls each and an open fourth one, then stops without sealing the last. */
  private AuditKeys writeLog() throws Exception {
    AuditKeys keys = keys(dir);
    FileSink sink = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").maxSegmentBytes(2048).build();
    try (AuditBroker b = broker(List.of(sink), keys).build()) {
      b.start();
      for (int i = 0; i < 18; i++) {
        b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(SegmentFiles.segments(dir)).hasSizeGreaterThanOrEqualTo(4);
    assertThat(verify(dir, keys).findings()).isEmpty();
    return keys;
  }

  static Stream<Arguments> tampering() {
    return Stream.of(
        Arguments.of("an edited record in a sealed segment", "modified", (Tamper) (d, segs) ->
            edit(segs.get(1), s -> s.replaceFirst("\"namespace\":\"orders\"", "\"namespace\":\"orderz\""))),
        Arguments.of("an edited record in the open segment", "modified", (Tamper) (d, segs) ->
            edit(segs.get(segs.size() - 1), s -> s.replaceFirst("\"orders\"", "\"orderz\""))),
        Arguments.of("a deleted record", "deleted", (Tamper) (d, segs) -> lines(segs.get(1), l -> l.remove(1))),
        Arguments.of("two records swapped", "reordered", (Tamper) (d, segs) -> lines(segs.get(2), l -> {
          String a = l.get(1);
          l.set(1, l.get(2));
          l.set(2, a);
        })),
        Arguments.of("a record duplicated", "reordered", (Tamper) (d, segs) -> lines(segs.get(1),
            l -> l.add(2, l.get(1)))),
        Arguments.of("a sealed segment truncated", "truncated", (Tamper) (d, segs) ->
            lines(segs.get(0), l -> l.subList(l.size() - 2, l.size()).clear())),
        Arguments.of("a whole segment and its digest deleted", "missing_segment", (Tamper) (d, segs) -> {
          Files.delete(segs.get(1).path());
          Files.delete(segs.get(1).digest());
        }),
        Arguments.of("a segment deleted, its digest left", "deleted", (Tamper) (d, segs) ->
            Files.delete(segs.get(1).path())),
        Arguments.of("a digest deleted", "missing_digest", (Tamper) (d, segs) -> Files.delete(segs.get(0).digest())),
        Arguments.of("a digest edited", "bad_signature", (Tamper) (d, segs) ->
            edit(segs.get(0).digest(), s -> s.replaceFirst("\"records\":\\d+", "\"records\":1"))),
        Arguments.of("a segment rewritten with a fresh chain", "modified", (Tamper) (d, segs) ->
            lines(segs.get(1), l -> l.set(0, l.get(0).replaceFirst("\"prev_sha256\":\"[0-9a-f]+\"",
                "\"prev_sha256\":\"" + "0".repeat(64) + "\"")))),
        Arguments.of("a line that is not a record", "modified", (Tamper) (d, segs) ->
            lines(segs.get(2), l -> l.add(1, "{\"hello\":1}"))),
        Arguments.of("the retention marker forged", "bad_signature", (Tamper) (d, segs) ->
            Files.writeString(SegmentFiles.retentionPath(d, "n1"), "{\"deleted_through_seq\":9}\nAAAA\n")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tampering")
  void verifyFindsAndNamesIt(String what, String kind, Tamper tamper) throws Exception {
    AuditKeys keys = writeLog();
    tamper.apply(dir, SegmentFiles.segments(dir));
    AuditVerifier.Report report = verify(dir, keys);
    assertThat(report.findings()).as(what).extracting(AuditVerifier.Finding::kind).contains(kind);
  }

  @Test
  void digestsSignedByAnotherKeyAreRefused() throws Exception {
    writeLog();
    var other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    AuditVerifier.Report report = new AuditVerifier(other.getPublic(), null, null).verify(dir);
    assertThat(report.findings()).extracting(AuditVerifier.Finding::kind).contains("bad_signature");
  }

  @Test
  void aTornLastRecordIsNamedThenCutAndRecordedByTheNextStart() throws Exception {
    AuditKeys keys = writeLog();
    List<SegmentFiles.Segment> segs = SegmentFiles.segments(dir);
    Path last = segs.get(segs.size() - 1).path();
    Files.delete(segs.get(segs.size() - 1).digest()); // as if the process died before sealing
    Files.write(last, "{\"version\":1,\"log_id\":\"torn".getBytes(StandardCharsets.UTF_8),
        java.nio.file.StandardOpenOption.APPEND);
    assertThat(verify(dir, keys).findings()).extracting(AuditVerifier.Finding::kind).containsExactly("torn");

    FileSink reopened = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").build();
    try (AuditBroker b = broker(List.of(reopened), keys).build()) {
      b.start();
      b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    assertThat(verify(dir, keys).findings()).isEmpty();
    assertThat(AuditFixtures.records(dir)).anySatisfy(r -> {
      assertThat(r.path("raw_details").path("kind").asText()).isEqualTo("repair");
      assertThat(r.path("raw_details").path("message").asText()).contains("torn record of 27 bytes");
    });
  }

  @Test
  void retentionDeletesOldSegmentsWithASignedMarkerThatVerifyAccepts() throws Exception {
    AuditKeys keys = keys(dir);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Clock[] now = {Clock.fixed(t0, ZoneOffset.UTC)};
    Clock clock = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now[0].instant();
      }
    };
    FileSink sink = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").maxSegmentBytes(2048)
        .retention(Duration.ofDays(30)).clock(clock).build();
    try (AuditBroker b = broker(List.of(sink), keys).clock(clock).build()) {
      b.start();
      for (int i = 0; i < 12; i++) {
        b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
      }
      int before = SegmentFiles.segments(dir).size();
      now[0] = Clock.fixed(t0.plus(Duration.ofDays(31)), ZoneOffset.UTC);
      b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      sink.tick(clock.millis()); // the writer thread ticks too; this call makes the test not wait for it
      assertThat(SegmentFiles.segments(dir).size()).isLessThan(before);
    }
    assertThat(Files.exists(SegmentFiles.retentionPath(dir, "n1"))).isTrue();
    assertThat(verify(dir, keys).findings()).isEmpty();
    Files.delete(SegmentFiles.retentionPath(dir, "n1"));
    assertThat(verify(dir, keys).findings()).extracting(AuditVerifier.Finding::kind).contains("deleted");
  }

  @FunctionalInterface
  interface Tamper {
    void apply(Path dir, List<SegmentFiles.Segment> segments) throws IOException;
  }

  private static void edit(SegmentFiles.Segment s, java.util.function.UnaryOperator<String> change)
      throws IOException {
    edit(s.path(), change);
  }

  private static void edit(Path p, java.util.function.UnaryOperator<String> change) throws IOException {
    String before = Files.readString(p);
    String after = change.apply(before);
    assertThat(after).as("the tampering changed something").isNotEqualTo(before);
    Files.writeString(p, after);
  }

  private static void lines(SegmentFiles.Segment s, Consumer<List<String>> change) throws IOException {
    List<String> l = new ArrayList<>(Files.readAllLines(s.path()));
    change.accept(l);
    Files.write(s.path(), l);
  }
}
