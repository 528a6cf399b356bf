package dev.gatehouse.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a folder of file-sink output: every node's chain of records (sequence numbers without gaps, each record
 * naming the hash of the one before) and of digests (each sealed segment's hash and signature, each digest naming
 * the one before), CloudTrail's log file validation applied to Gatehouse's records. Anything modified, deleted,
 * reordered, truncated or missing is a {@link Finding}, and so is a {@code gap} record (records the log itself
 * could not write).
 *
 * <p>What cannot be detected, as with any hash chain without an outside anchor: the newest records of the segment
 * still being written (no digest yet) can be cut off, or the newest segments removed with their digests; keep a copy
 * elsewhere (a remote sink) for those.
 */
public final class AuditVerifier {
  /** What {@code verify} found wrong. */
  public record Finding(String kind, String file, long sequence, String message) {
    @Override
    public String toString() {
      return kind + ": " + message + (file == null ? "" : " [" + file + (sequence > 0 ? " seq " + sequence : "")
          + "]");
    }
  }

  /** The outcome: how much was checked and every finding. */
  public record Report(int segments, long records, List<String> nodes, List<Finding> findings) {
    public boolean clean() {
      return findings.isEmpty();
    }
  }

  private final PublicKey publicKey;
  private final Instant from;
  private final Instant to;
  private final SegmentCipher cipher;

  /**
   * @param publicKey the digest signing key's public half
   * @param from check records from this time on ({@code null}: from the start)
   * @param to up to this time ({@code null}: to the end)
   */
  public AuditVerifier(PublicKey publicKey, Instant from, Instant to) {
    this(publicKey, from, to, null);
  }

  /**
   * @param encryptionKey the segments' AES-256 key when they are encrypted ({@code audit.encryptionKeyFile}), else
   *     {@code null}; without it encrypted segments are checked by their digests only, and that is a finding
   */
  public AuditVerifier(PublicKey publicKey, Instant from, Instant to, byte[] encryptionKey) {
    this.publicKey = publicKey;
    this.from = from;
    this.to = to;
    this.cipher = encryptionKey == null ? null : new SegmentCipher(encryptionKey);
  }

  public Report verify(Path dir) throws IOException {
    List<Finding> findings = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      findings.add(new Finding("missing", dir.toString(), 0, "no such folder"));
      return new Report(0, 0, List.of(), findings);
    }
    List<SegmentFiles.Segment> all = SegmentFiles.segments(dir);
    Set<String> nodes = new LinkedHashSet<>();
    all.forEach(s -> nodes.add(s.node()));
    try (var digests = Files.newDirectoryStream(dir, "audit-*.digest")) {
      for (Path d : digests) {
        Path seg = d.resolveSibling(d.getFileName().toString().replace(".digest", ".jsonl"));
        if (!Files.exists(seg)) {
          findings.add(new Finding("deleted", seg.getFileName().toString(), 0,
              "the segment was deleted; its digest remains"));
        }
      }
    }
    long records = 0;
    for (String node : nodes) {
      records += verifyNode(dir, node, all.stream().filter(s -> s.node().equals(node)).toList(), findings);
    }
    return new Report(all.size(), records, List.copyOf(nodes), findings);
  }

  private long verifyNode(Path dir, String node, List<SegmentFiles.Segment> segments, List<Finding> findings)
      throws IOException {
    MessageDigest sha = sha256();
    long expectedSeq = 1;
    byte[] prevHash = new byte[32];
    String expectedPrevDigest = "";
    String expectedPrevDigestSha = "";
    Path marker = SegmentFiles.retentionPath(dir, node);
    if (Files.exists(marker)) {
      SegmentFiles.SignedFile m = SegmentFiles.readSigned(marker, publicKey);
      if (!m.signatureValid() || m.payload() == null) {
        findings.add(new Finding("bad_signature", marker.getFileName().toString(), 0,
            "the retention marker's signature does not verify"));
      } else {
        expectedSeq = m.payload().path("deleted_through_seq").asLong() + 1;
        prevHash = hex(m.payload().path("last_record_sha256").asText());
        expectedPrevDigest = m.payload().path("deleted_through_digest").asText();
        expectedPrevDigestSha = m.payload().path("digest_sha256").asText();
      }
    }
    long count = 0;
    for (int i = 0; i < segments.size(); i++) {
      SegmentFiles.Segment s = segments.get(i);
      String name = s.path().getFileName().toString();
      boolean newest = i == segments.size() - 1;
      JsonNode digest = null;
      if (Files.exists(s.digest())) {
        SegmentFiles.SignedFile d = SegmentFiles.readSigned(s.digest(), publicKey);
        if (!d.signatureValid() || d.payload() == null) {
          findings.add(new Finding("bad_signature", s.digest().getFileName().toString(), 0,
              "the digest's signature does not verify: the digest was altered or signed by another key"));
        } else {
          digest = d.payload();
          if (!digest.path("previous_digest").asText().equals(expectedPrevDigest)
              || !digest.path("previous_digest_sha256").asText().equals(expectedPrevDigestSha)) {
            findings.add(new Finding("missing_segment", name, 0, "the digest chain is broken before this segment "
                + "(expected previous digest '" + expectedPrevDigest + "', found '"
                + digest.path("previous_digest").asText() + "'): a segment and its digest were deleted or replaced"));
          }
          expectedPrevDigest = s.digest().getFileName().toString();
          expectedPrevDigestSha = HexFormat.of().formatHex(sha.digest(d.payloadBytes()));
        }
      } else if (!newest) {
        findings.add(new Finding("missing_digest", name, 0,
            "a sealed segment has no digest: the digest was deleted, or the segment was added"));
      }
      if (s.firstSequence() > expectedSeq) {
        findings.add(new Finding("deleted", name, expectedSeq, "records " + expectedSeq + " to "
            + (s.firstSequence() - 1) + " are missing: a segment was deleted"));
        expectedSeq = s.firstSequence();
        prevHash = null;
      }
      if (digest != null && outsideRange(digest)) {
        // Checked by digest alone: signed, chained, and the chain resumes where it says.
        expectedSeq = digest.path("last_seq").asLong() + 1;
        prevHash = hex(digest.path("last_record_sha256").asText());
        continue;
      }
      byte[] raw = Files.readAllBytes(s.path());
      if (digest != null) {
        String fileHash = HexFormat.of().formatHex(sha.digest(raw));
        if (!fileHash.equals(digest.path("segment_sha256").asText())) {
          findings.add(new Finding("modified", name, 0, "the segment's content does not match its digest"));
        }
      }
      SegmentFiles.Content content;
      try {
        content = SegmentFiles.read(raw, name, cipher);
      } catch (IOException e) {
        findings.add(new Finding("unverified", name, 0, "the segment is encrypted: its records were not checked "
            + "(give the encryption key)"));
        if (digest != null) {
          expectedSeq = digest.path("last_seq").asLong() + 1;
          prevHash = hex(digest.path("last_record_sha256").asText());
        } else {
          prevHash = null;
        }
        continue;
      }
      if (content.damaged()) {
        findings.add(new Finding("modified", name, expectedSeq, "an encrypted frame fails authentication: it was "
            + "altered, moved, or encrypted under another key"));
      } else if (content.tornBytes() > 0) {
        findings.add(new Finding("torn", name, expectedSeq, "the last record is incomplete (" + content.tornBytes()
            + " bytes)" + (newest && digest == null ? "; the next start cuts it and records the repair" : "")));
      }
      long lastSeqInFile = -1;
      for (byte[] line : content.lines()) {
        JsonNode r;
        try {
          r = SegmentFiles.JSON.readTree(line);
        } catch (IOException e) {
          r = null;
        }
        JsonNode details = r == null ? null : r.path("raw_details");
        if (details == null || !details.path("seq").canConvertToLong() || !details.has("prev_sha256")) {
          findings.add(new Finding("modified", name, expectedSeq, "a line is not an audit record"));
          prevHash = sha.digest(line);
          expectedSeq++;
          continue;
        }
        long seq = details.path("seq").asLong();
        if (seq > expectedSeq) {
          findings.add(new Finding("deleted", name, expectedSeq, "records " + expectedSeq + " to " + (seq - 1)
              + " are missing"));
        } else if (seq < expectedSeq) {
          findings.add(new Finding("reordered", name, seq, "record " + seq + " appears after record "
              + (expectedSeq - 1)));
        }
        if (prevHash != null && !details.path("prev_sha256").asText().equals(HexFormat.of().formatHex(prevHash))) {
          findings.add(new Finding("modified", name, seq, "record " + seq + " does not follow the record before it"
              + " (that record, or this one, was altered, removed or moved)"));
        }
        if (!details.path("node").asText().equals(node) && !SegmentFiles.safeNode(details.path("node").asText())
            .equals(node)) {
          findings.add(new Finding("modified", name, seq, "record " + seq + " names another node"));
        }
        if ("gap".equals(details.path("kind").asText())) {
          findings.add(new Finding("gap", name, seq, details.path("message").asText()));
        }
        prevHash = sha.digest(line);
        expectedSeq = Math.max(expectedSeq, seq + 1);
        lastSeqInFile = seq;
        count++;
      }
      if (digest != null) {
        long sealedLast = digest.path("last_seq").asLong();
        if (lastSeqInFile < sealedLast) {
          findings.add(new Finding("truncated", name, lastSeqInFile + 1, "the segment ends at record "
              + lastSeqInFile + " but was sealed at record " + sealedLast));
          expectedSeq = sealedLast + 1;
          prevHash = hex(digest.path("last_record_sha256").asText());
        } else if (prevHash != null
            && !HexFormat.of().formatHex(prevHash).equals(digest.path("last_record_sha256").asText())) {
          findings.add(new Finding("modified", name, sealedLast, "the segment's last record differs from the one"
              + " it was sealed with"));
        }
      }
    }
    return count;
  }

  private boolean outsideRange(JsonNode digest) {
    try {
      Instant first = Instant.parse(digest.path("first_emit_time").asText());
      Instant last = Instant.parse(digest.path("last_emit_time").asText());
      return (from != null && last.isBefore(from)) || (to != null && first.isAfter(to));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static byte[] hex(String s) {
    try {
      return HexFormat.of().parseHex(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
