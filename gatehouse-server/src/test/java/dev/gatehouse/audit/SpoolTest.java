package dev.gatehouse.audit;

import static dev.gatehouse.audit.SinkTestSupport.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  @TempDir Path dir;

  private static List<Long> sequences(Spool.Chunk c) {
    return c.entries().stream().map(AuditEntry::sequence).toList();
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("spool-")).sorted().toList();
    }
  }

  @Test
  void handsOutInOrderAndNeverAgainOnceAcked() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      spool.append(batch(1, 2));
      spool.append(batch(3, 2));
      Spool.Chunk first = spool.next(3, 1, TimeUnit.SECONDS);
      // Whole frames only: the second frame would pass three entries.
      assertThat(sequences(first)).containsExactly(1L, 2L);
      assertThat(sequences(spool.next(3, 1, TimeUnit.SECONDS))).containsExactly(1L, 2L);
      spool.ack(first);
      Spool.Chunk second = spool.next(10, 1, TimeUnit.SECONDS);
      assertThat(sequences(second)).containsExactly(3L, 4L);
      assertThat(second.entries().get(0).line()).isEqualTo(batch(3, 1).get(0).line());
      assertThat(second.entries().get(0).logId()).isEqualTo("call-3");
      assertThat(second.entries().get(0).kind()).isEqualTo("decision");
      assertThat(second.entries().get(0).emitEpochMillis()).isEqualTo(batch(3, 1).get(0).emitEpochMillis());
      spool.ack(second);
      assertThat(spool.pendingBytes()).isZero();
      assertThat(spool.next(10, 10, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void restartResumesAtTheAckedPosition() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      spool.append(batch(1, 2));
      spool.append(batch(3, 2));
      spool.ack(spool.next(2, 1, TimeUnit.SECONDS));
    }
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      assertThat(spool.pendingBytes()).isPositive();
      Spool.Chunk c = spool.next(10, 1, TimeUnit.SECONDS);
      assertThat(sequences(c)).containsExactly(3L, 4L);
      spool.ack(c);
      spool.append(batch(5, 1));
    }
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      assertThat(sequences(spool.next(10, 1, TimeUnit.SECONDS))).containsExactly(5L);
    }
  }

  @Test
  void tornTailFromACrashIsCutOnOpen() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      spool.append(batch(1, 2));
    }
    Path segment = segments().get(0);
    long whole = Files.size(segment);
    // A crash mid-append: a frame header promising more than was written, then garbage.
    Files.write(segment, new byte[] {0, 0, 1, 0, 9, 9, 9, 9, 1, 2, 3}, StandardOpenOption.APPEND);
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      assertThat(Files.size(segment)).isEqualTo(whole);
      Spool.Chunk first = spool.next(10, 1, TimeUnit.SECONDS);
      assertThat(sequences(first)).containsExactly(1L, 2L);
      spool.ack(first);
      // The next append goes where the torn frame was.
      spool.append(batch(3, 1));
      assertThat(sequences(spool.next(10, 1, TimeUnit.SECONDS))).containsExactly(3L);
    }
  }

  @Test
  void frameWithBadChecksumEndsTheReadableSpool() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      spool.append(batch(1, 1));
      spool.append(batch(2, 1));
    }
    Path segment = segments().get(0);
    byte[] bytes = Files.readAllBytes(segment);
    bytes[bytes.length - 5] ^= 1;
    Files.write(segment, bytes);
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      Spool.Chunk c = spool.next(10, 1, TimeUnit.SECONDS);
      assertThat(sequences(c)).containsExactly(1L);
      spool.ack(c);
      assertThat(spool.pendingBytes()).isZero();
    }
  }

  @Test
  void rollsSegmentsAndDeletesDeliveredOnes() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, 4096)) {
      for (long s = 1; s <= 40; s += 4) {
        spool.append(batch(s, 4));
      }
      assertThat(segments().size()).isGreaterThan(2);
      List<Long> got = new ArrayList<>();
      Spool.Chunk c;
      while ((c = spool.next(7, 10, TimeUnit.MILLISECONDS)) != null) {
        got.addAll(sequences(c));
        spool.ack(c);
      }
      assertThat(got).hasSize(40).isSorted().doesNotHaveDuplicates();
      assertThat(segments()).hasSize(1);
      assertThat(spool.pendingBytes()).isZero();
    }
  }

  @Test
  void refusesABatchPastTheLimit() throws Exception {
    try (Spool spool = new Spool(dir, 2000, 1 << 16)) {
      assertThatThrownBy(() -> {
        for (long s = 1; s < 100; s++) {
          spool.append(batch(s, 1));
        }
      }).isInstanceOf(IOException.class).hasMessageContaining("full");
      assertThat(spool.pendingBytes()).isLessThanOrEqualTo(2000);
      spool.ack(spool.next(1000, 1, TimeUnit.SECONDS));
      spool.append(batch(100, 1));
    }
  }

  @Test
  void nextWakesUpWhenABatchArrives() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, 1 << 16)) {
      Thread writer = new Thread(() -> {
        try {
          spool.append(batch(1, 1));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      Spool.Chunk c = spool.next(10, 30, TimeUnit.SECONDS);
      assertThat(sequences(c)).containsExactly(1L);
      writer.join();
    }
  }
}
