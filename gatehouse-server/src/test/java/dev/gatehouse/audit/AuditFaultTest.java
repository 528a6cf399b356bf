package dev.gatehouse.audit;

import static dev.gatehouse.audit.AuditFixtures.allowed;
import static dev.gatehouse.audit.AuditFixtures.broker;
import static dev.gatehouse.audit.AuditFixtures.keys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Real file-system faults under the file sink: a full disk (writes to {@code /dev/full} fail with ENOSPC) and a
 * folder that is gone. Calls are refused while no sink can record, one log line names the sink and the cause, and
 * recording resumes by itself, without a restart, once the fault is gone.
 */
class AuditFaultTest {
  @TempDir Path root;

  private static void call(AuditBroker b) throws Exception {
    b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Calls until the sink has just sealed a segment, so the next batch opens a new file. */
  private static long untilSealed(AuditBroker b, Path dir) throws Exception {
    long digests = digests(dir);
    while (digests(dir) == digests) {
      call(b);
    }
    return lastSealedSequence(dir);
  }

  private static long digests(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".digest")).count();
    }
  }

  private static long lastSealedSequence(Path dir) throws Exception {
    List<SegmentFiles.Segment> segs = SegmentFiles.segments(dir);
    SegmentFiles.Segment last = segs.get(segs.size() - 1);
    return SegmentFiles.readSigned(last.digest(), null).payload().path("last_seq").asLong();
  }

  @Test
  void aFullDiskRefusesCallsWithOneClearLineAndRecordingResumesWhenSpaceReturns() throws Exception {
    Path dir = root.resolve("audit");
    AuditKeys keys = keys(dir);
    FileSink sink = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").maxSegmentBytes(1024).build();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(AuditBroker.class);
    logger.addAppender(logs);
    logs.start();
    try (AuditBroker b = broker(List.of(sink), keys).build()) {
      b.start();
      long sealed = untilSealed(b, dir);
      // The next segment's file is the full device: every write to it fails with ENOSPC.
      Path next = SegmentFiles.segmentPath(dir, "n1", sealed + 1);
      Files.createSymbolicLink(next, Path.of("/dev/full"));
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> call(b)).isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(AuditUnavailableException.class);
      }
      List<String> errors = logs.list.stream().filter(e -> e.getLevel().toString().equals("ERROR"))
          .map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(errors).singleElement().asString().startsWith("audit sink file cannot record:")
          .contains("No space left on device");
      assertThat(logs.list).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
      Files.delete(next); // space returns
      call(b);
      assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).isEqualTo("audit sink file records again"));
    } finally {
      logger.detachAppender(logs);
    }
    AuditVerifier.Report report = AuditFixtures.verify(dir, keys);
    assertThat(report.findings()).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo("gap");
      assertThat(f.message()).startsWith("3 audit records were not written");
    });
  }

  @Test
  void aFolderThatIsGoneRefusesCallsUntilItIsBack() throws Exception {
    Path dir = root.resolve("audit");
    AuditKeys keys = keys(dir);
    FileSink sink = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").maxSegmentBytes(1024).build();
    Path moved = root.resolve("moved");
    try (AuditBroker b = broker(List.of(sink), keys).build()) {
      b.start();
      untilSealed(b, dir);
      Files.move(dir, moved);
      Files.writeString(dir, "not a folder");
      assertThatThrownBy(() -> call(b)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(AuditUnavailableException.class);
      Files.delete(dir);
      Files.move(moved, dir);
      call(b);
    }
    assertThat(AuditFixtures.verify(dir, keys).findings()).extracting(AuditVerifier.Finding::kind)
        .containsExactly("gap");
  }
}
