package dev.gatehouse.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 during heavy writing: every record whose call was acknowledged is on disk, {@code verify} passes or names
 * only the torn last record, and the next start repairs it and says so.
 */
class AuditCrashTest {
  @TempDir Path dir;

  @Test
  void noAcknowledgedRecordIsLostWhenTheProcessIsKilledMidWrite() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        CrashWriter.class.getName(), dir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    Set<String> acked = new HashSet<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          acked.add(line.substring(4));
          if (acked.size() == 5_000) {
            // SIGKILL: no shutdown hook, no seal. Destroying closes our end of the pipe, so stop reading: the
            // acknowledgements still in it are fewer to check, not more.
            child.destroyForcibly();
            break;
          }
        }
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acked).hasSizeGreaterThanOrEqualTo(5_000);

    AuditKeys keys = AuditKeys.loadOrCreate(dir, null);
    AuditVerifier.Report report = AuditFixtures.verify(dir, keys);
    assertThat(report.findings()).extracting(AuditVerifier.Finding::kind).isSubsetOf(Set.of("torn"));
    Set<String> onDisk = new HashSet<>();
    for (JsonNode r : AuditFixtures.records(dir)) {
      onDisk.add(r.path("log_id").asText());
    }
    assertThat(onDisk).containsAll(acked);

    FileSink reopened = FileSink.builder(dir, keys.signing().getPrivate()).node("n1").build();
    try (AuditBroker b = AuditFixtures.broker(List.of(reopened), keys).build()) {
      b.start();
    }
    assertThat(AuditFixtures.verify(dir, keys).findings()).isEmpty();
  }
}
