package dev.gatehouse.audit;

import static dev.gatehouse.audit.AuditFixtures.allowed;
import static dev.gatehouse.audit.AuditFixtures.broker;
import static dev.gatehouse.audit.AuditFixtures.keys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments encrypted with AES-256-GCM: unreadable without the key, verified and searched with it. */
class AuditEncryptionTest {
  @TempDir Path dir;
  final byte[] key = new byte[32];

  AuditEncryptionTest() {
    new SecureRandom().nextBytes(key);
  }

  private AuditKeys write(int calls) throws Exception {
    AuditKeys keys = keys(dir);
    FileSink sink = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").maxSegmentBytes(2048)
        .encryptionKey(key).build();
    try (AuditBroker b = broker(List.of(sink), keys).build()) {
      b.start();
      for (int i = 0; i < calls; i++) {
        b.decided(allowed("SignalWorkflowExecution", "orders", new byte[0])).toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
      }
    }
    return keys;
  }

  private AuditVerifier.Report verify(AuditKeys keys, byte[] with) throws Exception {
    return new AuditVerifier(keys.signing().getPublic(), null, null, with).verify(dir);
  }

  @Test
  void segmentsHoldNoPlaintextAndVerifyAndReadWithTheKey() throws Exception {
    AuditKeys keys = write(12);
    for (SegmentFiles.Segment s : SegmentFiles.segments(dir)) {
      String raw = Files.readString(s.path(), StandardCharsets.ISO_8859_1);
      assertThat(raw).startsWith("GHAE1\n").doesNotContain("orders", "SignalWorkflowExecution", "worker-1");
    }
    assertThat(verify(keys, key).findings()).isEmpty();
    List<com.fasterxml.jackson.databind.JsonNode> records = new java.util.ArrayList<>();
    new AuditReader(dir, key).forEach(AuditReader.Filter.ALL, records::add);
    assertThat(records).hasSize(13);
    assertThat(verify(keys, null).findings()).extracting(AuditVerifier.Finding::kind).containsOnly("unverified");
    assertThatThrownBy(() -> new AuditReader(dir).forEach(AuditReader.Filter.ALL, r -> { }))
        .hasMessageContaining("encrypted");
    byte[] otherKey = new byte[32];
    assertThat(verify(keys, otherKey).findings()).extracting(AuditVerifier.Finding::kind).contains("modified");
  }

  @Test
  void aChangedByteOrAMovedFrameFailsAuthentication() throws Exception {
    AuditKeys keys = write(12);
    SegmentFiles.Segment s = SegmentFiles.segments(dir).get(1);
    byte[] raw = Files.readAllBytes(s.path());
    raw[raw.length - 3] ^= 1;
    Files.write(s.path(), raw);
    assertThat(verify(keys, key).findings()).extracting(AuditVerifier.Finding::kind).contains("modified");

    // The same bytes under another segment's name: the associated data binds each frame to its file.
    SegmentFiles.Segment a = SegmentFiles.segments(dir).get(2);
    SegmentFiles.Segment b = SegmentFiles.segments(dir).get(3);
    Files.write(a.path(), Files.readAllBytes(b.path()));
    AuditVerifier.Report report = verify(keys, key);
    assertThat(report.findings()).filteredOn(f -> f.file() != null && f.file().equals(a.path().getFileName()
        .toString())).extracting(AuditVerifier.Finding::kind).contains("modified");
  }

  @Test
  void aTornFrameIsCutByTheNextStart() throws Exception {
    AuditKeys keys = write(5);
    List<SegmentFiles.Segment> segs = SegmentFiles.segments(dir);
    SegmentFiles.Segment last = segs.get(segs.size() - 1);
    Files.delete(last.digest());
    Files.write(last.path(), new byte[] {0, 0, 1, 0, 7, 7, 7}, StandardOpenOption.APPEND);
    assertThat(verify(keys, key).findings()).extracting(AuditVerifier.Finding::kind).containsExactly("torn");
    FileSink reopened = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").encryptionKey(key).build();
    try (AuditBroker b = broker(List.of(reopened), keys).build()) {
      b.start();
    }
    assertThat(verify(keys, key).findings()).isEmpty();
  }

  @Test
  void aKeyFileOthersCanReadIsRefused() throws Exception {
    Path file = dir.resolve("audit.key");
    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> AuditKeys.readEncryptionKey(file)).hasMessageContaining("chmod 600");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThat(AuditKeys.readEncryptionKey(file)).isEqualTo(key);
    Files.writeString(file, Base64.getEncoder().encodeToString(new byte[16]));
    assertThatThrownBy(() -> AuditKeys.readEncryptionKey(file)).hasMessageContaining("32 bytes");
  }
}
