package dev.gatehouse.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Reads records back from a file sink's folder, for {@code gatehouse audit search} and {@code tail}: every node's
 * segments in chain order, filtered.
 */
public final class AuditReader {
  /**
   * What to keep; {@code null} fields match everything. Globs take {@code *} and {@code ?}.
   *
   * @param from records emitted at or after
   * @param to records emitted at or before
   * @param principal glob over {@code principal.id}
   * @param namespace glob over {@code raw_details.namespace}
   * @param api glob over the method (full name with a {@code /}, else the method name; the operation, e.g.
   *     {@code AuditLog.gap}, for the log's own records)
   * @param decision {@code allow} or {@code deny}
   * @param status glob over {@code status} ({@code OK}, {@code PERMISSION_DENIED}, …)
   */
  public record Filter(Instant from, Instant to, String principal, String namespace, String api, String decision,
      String status) {
    public static final Filter ALL = new Filter(null, null, null, null, null, null, null);

    boolean matches(JsonNode r) {
      JsonNode d = r.path("raw_details");
      if (from != null || to != null) {
        Instant t;
        try {
          t = Instant.parse(r.path("emit_time").asText());
        } catch (RuntimeException e) {
          return false;
        }
        if ((from != null && t.isBefore(from)) || (to != null && t.isAfter(to))) {
          return false;
        }
      }
      if (decision != null && !decision.equalsIgnoreCase(d.path("decision").asText())) {
        return false;
      }
      if (!glob(principal, r.path("principal").path("id").asText())
          || !glob(namespace, d.path("namespace").asText())
          || !glob(status, r.path("status").asText())) {
        return false;
      }
      if (api != null) {
        // The log's own records (start, repair, gap) have no method: their operation stands for it.
        String full = d.path("api").asText(r.path("operation").asText());
        String value = api.contains("/") ? full : full.substring(full.lastIndexOf('/') + 1);
        return glob(api, value);
      }
      return true;
    }

    private static boolean glob(String glob, String value) {
      return glob == null || AuditRule.Compiled.glob(glob).matcher(value).matches();
    }
  }

  private final Path dir;
  private final SegmentCipher cipher;

  public AuditReader(Path dir) {
    this(dir, null);
  }

  /** A reader of segments encrypted under {@code encryptionKey} (or plaintext ones, when {@code null}). */
  public AuditReader(Path dir, byte[] encryptionKey) {
    this.dir = dir;
    this.cipher = encryptionKey == null ? null : new SegmentCipher(encryptionKey);
  }

  /**
   * Every record matching {@code filter}, in chain order per node; lines that are not records are skipped.
   *
   * @throws IOException when a segment cannot be read, or is encrypted and this reader has no key
   */
  public void forEach(Filter filter, Consumer<JsonNode> out) throws IOException {
    for (SegmentFiles.Segment s : SegmentFiles.segments(dir)) {
      byte[] raw = Files.readAllBytes(s.path());
      for (byte[] line : SegmentFiles.read(raw, s.path().getFileName().toString(), cipher).lines()) {
        JsonNode r;
        try {
          r = SegmentFiles.JSON.readTree(line);
        } catch (IOException e) {
          continue;
        }
        if (r != null && r.isObject() && filter.matches(r)) {
          out.accept(r);
        }
      }
    }
  }

  /** The last {@code n} records matching {@code filter}. */
  public List<JsonNode> last(Filter filter, int n) throws IOException {
    Deque<JsonNode> keep = new ArrayDeque<>(n);
    forEach(filter, r -> {
      if (keep.size() == n) {
        keep.removeFirst();
      }
      keep.addLast(r);
    });
    return new ArrayList<>(keep);
  }

  /** One record as a table row: time, node:seq, kind, decision, status, principal, namespace, method, latency. */
  public static String row(JsonNode r) {
    JsonNode d = r.path("raw_details");
    String api = d.path("api").asText(r.path("operation").asText());
    String latency = d.has("latency_us") ? d.path("latency_us").asText() + "us" : "";
    return String.format(Locale.ROOT, "%-24s %-14s %-10s %-5s %-18s %-28s %-16s %-40s %s",
        r.path("emit_time").asText(), d.path("node").asText() + ":" + d.path("seq").asText(),
        d.path("kind").asText(), d.path("decision").asText("-"), r.path("status").asText(),
        clip(r.path("principal").path("id").asText(), 28), clip(d.path("namespace").asText(), 16),
        clip(api.substring(api.lastIndexOf('/') + 1), 40), latency);
  }

  /** The header line for {@link #row}. */
  public static String header() {
    return String.format(Locale.ROOT, "%-24s %-14s %-10s %-5s %-18s %-28s %-16s %-40s %s", "TIME", "NODE:SEQ", "KIND",
        "DEC", "STATUS", "PRINCIPAL", "NAMESPACE", "API", "LATENCY");
  }

  private static String clip(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
