package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.audit.AuditBroker;
import dev.gatehouse.audit.AuditKeys;
import dev.gatehouse.audit.FileSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse audit}: exit codes, findings by name, and bad input as one line. */
class AuditCliTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      return new Run(Main.run(args), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private Path log() throws Exception {
    Path audit = dir.resolve("audit");
    AuditKeys keys = AuditKeys.loadOrCreate(audit, null);
    FileSink sink = FileSink.builder(audit, keys.signing().getPrivate()).node("n1").build();
    try (AuditBroker b = AuditBroker.builder(ApiCatalog.temporal(), List.of(sink)).node("n1").salt(keys.salt())
        .build()) {
      b.start();
    }
    return audit;
  }

  @Test
  void verifyExitsZeroOnAnIntactLogAndOneNamingEachFinding() throws Exception {
    Path audit = log();
    Run ok = run("audit", "verify", audit.toString(), "--public-key", AuditKeys.publicKeyFile(audit).toString());
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).contains("1 records in 1 segments", "intact").doesNotContain("note: trusting");

    Path segment;
    try (var files = Files.list(audit)) {
      segment = files.filter(p -> p.toString().endsWith(".jsonl")).findFirst().orElseThrow();
    }
    Files.writeString(segment, Files.readString(segment).replace("audit log started", "audit log stopped"));
    Run bad = run("audit", "verify", audit.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).contains("note: trusting the public key found in the folder", "modified:",
        segment.getFileName().toString(), "2 findings");
  }

  @Test
  void searchPrintsJsonLinesAndBadInputIsOneLine() throws Exception {
    Path audit = log();
    Run json = run("audit", "search", audit.toString(), "--json", "--api", "AuditLog.*");
    assertThat(json.code()).isZero();
    assertThat(json.out().lines().toList()).singleElement().asString().startsWith("{\"version\":1,");

    for (List<String> c : List.of(
        List.of("search", audit.toString(), "--from", "yesterday"),
        List.of("tail", audit.toString(), "--to", "soon"),
        List.of("verify", audit.toString(), "--public-key", "/etc/hostname"),
        List.of("verify", dir.resolve("missing").toString()))) {
      String[] args = new String[c.size() + 1];
      args[0] = "audit";
      for (int i = 0; i < c.size(); i++) {
        args[i + 1] = c.get(i);
      }
      Run r = run(args);
      assertThat(r.code()).as(c.toString()).isGreaterThan(0);
      assertThat(r.err().lines().toList()).as(c.toString()).singleElement().asString().startsWith("gatehouse: ");
      assertThat(r.out()).as(c.toString()).doesNotContain("TIME ");
    }
  }
}
