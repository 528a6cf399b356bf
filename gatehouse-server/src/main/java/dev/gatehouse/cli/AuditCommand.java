package dev.gatehouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.audit.AuditKeys;
import dev.gatehouse.audit.AuditReader;
import dev.gatehouse.audit.AuditVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gatehouse audit}: check and read the audit log's files. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "Verify, tail and search the audit log's files.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Tail.class, AuditCommand.Search.class})
final class AuditCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Instant time(String value, String option) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(option + ": not an RFC 3339 time (e.g. 2026-12-01T10:00:00Z): " + value);
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check every record and segment: modified, deleted, reordered, truncated or missing. "
          + "Exits 1 on any finding, naming each one.")
  static final class Verify implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "The audit folder (audit.dir).")
    Path dir;

    @Option(names = "--from", description = "Check records from this time (RFC 3339).")
    String from;

    @Option(names = "--to", description = "Check records up to this time (RFC 3339).")
    String to;

    @Option(names = "--public-key", description = "The digest signing public key (PEM). Default: the one in the "
        + "folder, which proves nothing against someone who could rewrite the folder.")
    Path publicKey;

    @Option(names = "--key-file", description = "The segments' encryption key (audit.encryptionKeyFile).")
    Path keyFile;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      Path pubFile = publicKey != null ? publicKey : AuditKeys.publicKeyFile(dir);
      if (!Files.exists(pubFile)) {
        spec.commandLine().getErr().println("gatehouse: no public key at " + pubFile + " (pass --public-key)");
        return 2;
      }
      if (publicKey == null) {
        out.println("note: trusting the public key found in the folder; pass --public-key for a copy kept elsewhere");
      }
      PublicKey key = AuditKeys.readPublic(pubFile);
      AuditVerifier.Report report = new AuditVerifier(key, time(from, "--from"), time(to, "--to"),
          keyFile == null ? null : AuditKeys.readEncryptionKey(keyFile)).verify(dir);
      for (AuditVerifier.Finding f : report.findings()) {
        out.println(f);
      }
      out.println(report.records() + " records in " + report.segments() + " segments, nodes " + report.nodes() + ": "
          + (report.clean() ? "intact" : report.findings().size() + " findings"));
      out.flush();
      return report.clean() ? 0 : 1;
    }
  }

  /** Filters shared by {@code tail} and {@code search}. */
  static final class Filters {
    @Option(names = "--from", description = "Records at or after this time (RFC 3339).")
    String from;

    @Option(names = "--to", description = "Records at or before this time (RFC 3339).")
    String to;

    @Option(names = "--principal", description = "Glob over the caller's id.")
    String principal;

    @Option(names = "--namespace", description = "Glob over the namespace.")
    String namespace;

    @Option(names = "--api", description = "Glob over the method (full name if it has a '/', else the name).")
    String api;

    @Option(names = "--decision", description = "allow or deny.")
    String decision;

    @Option(names = "--status", description = "Glob over the status (OK, PERMISSION_DENIED, ...).")
    String status;

    @Option(names = "--json", description = "JSON lines instead of a table.")
    boolean json;

    @Option(names = "--key-file", description = "The segments' encryption key (audit.encryptionKeyFile).")
    Path keyFile;

    AuditReader reader(Path dir) throws IOException {
      return new AuditReader(dir, keyFile == null ? null : AuditKeys.readEncryptionKey(keyFile));
    }

    AuditReader.Filter filter() {
      return new AuditReader.Filter(time(from, "--from"), time(to, "--to"), principal, namespace, api, decision,
          status);
    }

    void print(PrintWriter out, JsonNode record) {
      out.println(json ? record.toString() : AuditReader.row(record));
    }
  }

  @Command(name = "search", mixinStandardHelpOptions = true, description = "Print the records that match.")
  static final class Search implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "The audit folder (audit.dir).")
    Path dir;

    @CommandLine.Mixin
    Filters filters;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      AuditReader.Filter filter = filters.filter();
      AuditReader reader = filters.reader(dir);
      if (!filters.json) {
        out.println(AuditReader.header());
      }
      reader.forEach(filter, r -> filters.print(out, r));
      out.flush();
      return 0;
    }
  }

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = "Print the last records that match; with --follow, keep printing new ones.")
  static final class Tail implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "The audit folder (audit.dir).")
    Path dir;

    @Option(names = {"-n", "--lines"}, defaultValue = "20", description = "How many (default ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing records as they are written.")
    boolean follow;

    @CommandLine.Mixin
    Filters filters;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      AuditReader.Filter filter = filters.filter();
      AuditReader reader = filters.reader(dir);
      if (!filters.json) {
        out.println(AuditReader.header());
      }
      String lastSeen = null;
      for (JsonNode r : reader.last(filter, lines)) {
        filters.print(out, r);
        lastSeen = position(r);
      }
      out.flush();
      while (follow) {
        // A command-line poll, not a server thread: the files are the interface.
        Thread.sleep(500);
        String after = lastSeen;
        boolean[] past = {after == null};
        String[] newest = {lastSeen};
        reader.forEach(filter, r -> {
          if (past[0]) {
            filters.print(out, r);
            newest[0] = position(r);
          } else if (position(r).equals(after)) {
            past[0] = true;
          }
        });
        lastSeen = newest[0];
        out.flush();
      }
      return 0;
    }

    private static String position(JsonNode r) {
      return r.path("raw_details").path("node").asText() + ":" + r.path("raw_details").path("seq").asText();
    }
  }
}
