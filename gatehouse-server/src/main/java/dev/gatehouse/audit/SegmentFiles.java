package dev.gatehouse.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The on-disk layout the file sink writes and {@code verify}, {@code tail} and {@code search} read:
 * <ul>
 *   <li>segments {@code audit-NODE-FIRSTSEQ.jsonl}: JSON lines, the first sequence number zero-padded to 20 digits
 *       so names sort in chain order; a segment being written may end in zero bytes (preallocated space), which
 *       readers stop at;</li>
 *   <li>digests {@code audit-NODE-FIRSTSEQ.digest}: for each closed segment, one JSON line (which names the segment's
 *       hash and the previous digest's) and a second line with its Ed25519 signature, base64, as CloudTrail's log
 *       file validation chains its digest files;</li>
 *   <li>{@code audit-NODE.retention}: signed the same way, naming the last segment retention deleted, so a
 *       missing prefix of the chain is told apart from a deletion.</li>
 * </ul>
 */
final class SegmentFiles {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SEGMENT = Pattern.compile("audit-(.+)-(\\d{20})\\.jsonl");

  private SegmentFiles() {}

  /** A segment on disk. */
  record Segment(Path path, String node, long firstSequence) {
    Path digest() {
      return path.resolveSibling(path.getFileName().toString().replace(".jsonl", ".digest"));
    }
  }

  static String safeNode(String node) {
    String s = node.replaceAll("[^A-Za-z0-9._]", "_");
    return s.isEmpty() ? "node" : s;
  }

  static Path segmentPath(Path dir, String node, long firstSequence) {
    return dir.resolve(String.format("audit-%s-%020d.jsonl", safeNode(node), firstSequence));
  }

  static Path retentionPath(Path dir, String node) {
    return dir.resolve("audit-" + safeNode(node) + ".retention");
  }

  /** Every segment in {@code dir}, in (node, sequence) order. */
  static List<Segment> segments(Path dir) throws IOException {
    List<Segment> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "audit-*.jsonl")) {
      for (Path p : files) {
        Matcher m = SEGMENT.matcher(p.getFileName().toString());
        if (m.matches()) {
          out.add(new Segment(p, m.group(1), Long.parseLong(m.group(2))));
        }
      }
    }
    out.sort((a, b) -> a.node.equals(b.node)
        ? Long.compare(a.firstSequence, b.firstSequence)
        : a.node.compareTo(b.node));
    return out;
  }

  /** The segments of {@code node}, in order. */
  static List<Segment> segments(Path dir, String node) throws IOException {
    String safe = safeNode(node);
    return segments(dir).stream().filter(s -> s.node.equals(safe)).toList();
  }

  /**
   * A segment's content as read: the plaintext, where the last intact record (or frame) ends in the raw bytes (what
   * recovery cuts back to), where the data ends (the first zero byte: preallocated space), whether the segment is
   * encrypted, whether a frame failed its tag before the end, and how many frames were read.
   */
  record Content(byte[] plain, int completeEnd, int dataEnd, boolean encrypted, boolean damaged, long frames) {
    List<byte[]> lines() {
      return SegmentFiles.lines(plain);
    }

    /** Bytes after the last intact record that a crash may have torn. */
    int tornBytes() {
      return dataEnd - completeEnd;
    }
  }

  /**
   * Reads a segment's raw bytes, decrypting with {@code cipher} when it is encrypted.
   *
   * @throws IOException when it is encrypted and there is no key
   */
  static Content read(byte[] raw, String name, SegmentCipher cipher) throws IOException {
    if (SegmentCipher.encrypted(raw)) {
      if (cipher == null) {
        throw new IOException(name + " is encrypted: give the audit encryption key");
      }
      return cipher.open(raw, name);
    }
    int complete = completeEnd(raw);
    return new Content(java.util.Arrays.copyOf(raw, complete), complete, dataEnd(raw), false, false, 0);
  }

  /**
   * The complete lines of a segment: up to the first zero byte (preallocated space) and without a trailing partial
   * line.
   */
  static List<byte[]> lines(byte[] content) {
    List<byte[]> out = new ArrayList<>();
    int end = dataEnd(content);
    int start = 0;
    for (int i = 0; i < end; i++) {
      if (content[i] == '\n') {
        byte[] line = new byte[i - start];
        System.arraycopy(content, start, line, 0, line.length);
        out.add(line);
        start = i + 1;
      }
    }
    return out;
  }

  /** Where a segment's data ends: its first zero byte, or its length. */
  static int dataEnd(byte[] content) {
    for (int i = 0; i < content.length; i++) {
      if (content[i] == 0) {
        return i;
      }
    }
    return content.length;
  }

  /** Where the last complete line ends (0 when there is none). */
  static int completeEnd(byte[] content) {
    int end = dataEnd(content);
    for (int i = end - 1; i >= 0; i--) {
      if (content[i] == '\n') {
        return i + 1;
      }
    }
    return 0;
  }

  /** Writes a signed file (payload line, signature line) atomically and durably. */
  static void writeSigned(Path target, byte[] payload, PrivateKey key) throws IOException {
    byte[] signature = sign(payload, key);
    byte[] content = new byte[payload.length + 1 + signature.length + 1];
    System.arraycopy(payload, 0, content, 0, payload.length);
    content[payload.length] = '\n';
    System.arraycopy(signature, 0, content, payload.length + 1, signature.length);
    content[content.length - 1] = '\n';
    writeDurably(target, content);
  }

  /** Writes {@code content} to a temporary file, fsyncs it, renames it over {@code target} and fsyncs the folder. */
  static void writeDurably(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(target.getParent());
  }

  static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a folder; the rename itself is still atomic there.
    }
  }

  /** A signed file's payload, or {@code null} when it is not two lines or the signature does not verify. */
  static SignedFile readSigned(Path file, PublicKey key) throws IOException {
    byte[] content = Files.readAllBytes(file);
    int nl = -1;
    for (int i = 0; i < content.length; i++) {
      if (content[i] == '\n') {
        nl = i;
        break;
      }
    }
    if (nl < 0) {
      return new SignedFile(null, false);
    }
    byte[] payload = java.util.Arrays.copyOf(content, nl);
    String sig = new String(content, nl + 1, content.length - nl - 1, StandardCharsets.US_ASCII).trim();
    boolean valid = key != null && verify(payload, sig, key);
    JsonNode json;
    try {
      json = JSON.readTree(payload);
    } catch (IOException e) {
      json = null;
    }
    return new SignedFile(json, valid, payload);
  }

  /** A signed file as read: its payload ({@code null} when unreadable) and whether the signature holds. */
  record SignedFile(JsonNode payload, boolean signatureValid, byte[] payloadBytes) {
    SignedFile(JsonNode payload, boolean signatureValid) {
      this(payload, signatureValid, new byte[0]);
    }
  }

  private static byte[] sign(byte[] payload, PrivateKey key) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(payload);
      return Base64.getEncoder().encode(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with Ed25519", e);
    }
  }

  private static boolean verify(byte[] payload, String signature, PublicKey key) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(payload);
      return s.verify(Base64.getDecoder().decode(signature));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
