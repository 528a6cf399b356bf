package dev.gatehouse.audit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The on-disk queue between a remote sink's {@code write} (the audit writer thread) and its shipping thread: batches
 * appended and fsync'd in order, handed out in order, removed once the collector confirmed them.
 *
 * <p>Layout: segment files {@code spool-<n>.bin} of frames {@code [int length][int crc32c][batch]}, and an
 * {@code ack} file naming the segment and offset of the first unconfirmed frame (replaced atomically). On open the
 * newest segment is cut back to its last whole frame: whatever followed was never confirmed to the broker. A segment
 * is deleted once everything in it is confirmed and a newer one exists.
 *
 * <p>Delivery is at-least-once: a batch the collector accepted is sent again only when the process stops between
 * the collector's answer and the {@code ack} file's replacement.
 *
 * <p>Size: {@link #append} refuses a batch that would take the unconfirmed bytes past the limit, so the broker sees
 * the sink fail instead of the disk filling. The files may hold up to one more segment of confirmed frames.
 */
final class Spool implements AutoCloseable {
  private static final Pattern SEGMENT = Pattern.compile("spool-(\\d{12})\\.bin");
  private static final int HEADER = 8;
  private static final int MAX_FRAME = 256 << 20;

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ReentrantLock mutex = new ReentrantLock();
  private final Condition appended = mutex.newCondition();

  // Segment number -> bytes confirmed durable in it (writer's view, read by the shipper under the mutex).
  private final TreeMap<Long, Long> segments = new TreeMap<>();
  private long ackSegment;
  private long ackOffset;
  private long pending;
  private boolean closed;

  // Writer-thread state.
  private FileChannel out;
  private long outSegment = -1;

  /** A run of frames handed to the shipper; {@link #ack} it once the collector confirmed every entry. */
  record Chunk(List<AuditEntry> entries, long segment, long endOffset, long bytes) {}

  Spool(Path dir, long maxBytes, long segmentBytes) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    Files.createDirectories(dir);
    this.lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      lockChannel.close();
      throw new IOException("the spool folder " + dir + " is in use by another sink");
    }
    this.lock = l;
    try {
      recover();
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void recover() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = SEGMENT.matcher(p.getFileName().toString());
        if (m.matches()) {
          segments.put(Long.parseLong(m.group(1)), Files.size(p));
        }
      }
    }
    Path ack = dir.resolve("ack");
    if (Files.exists(ack)) {
      String[] parts = Files.readString(ack, StandardCharsets.US_ASCII).trim().split(" ");
      if (parts.length != 2) {
        throw new IOException("the spool's ack file " + ack + " is unreadable");
      }
      ackSegment = Long.parseLong(parts[0]);
      ackOffset = Long.parseLong(parts[1]);
    } else {
      ackSegment = segments.isEmpty() ? 0 : segments.firstKey();
      ackOffset = 0;
    }
    // Segments wholly before the ack position are confirmed; a crash left them behind.
    while (!segments.isEmpty() && segments.firstKey() < ackSegment) {
      Files.deleteIfExists(segmentPath(segments.pollFirstEntry().getKey()));
    }
    if (!segments.isEmpty()) {
      long last = segments.lastKey();
      long whole = wholeFrames(segmentPath(last));
      if (whole < segments.get(last)) {
        try (FileChannel ch = FileChannel.open(segmentPath(last), StandardOpenOption.WRITE)) {
          ch.truncate(whole);
          ch.force(true);
        }
        segments.put(last, whole);
      }
    }
    if (segments.isEmpty() || segments.firstKey() > ackSegment) {
      ackSegment = segments.isEmpty() ? ackSegment : segments.firstKey();
      ackOffset = 0;
    }
    pending = 0;
    for (Map.Entry<Long, Long> e : segments.entrySet()) {
      pending += e.getValue() - (e.getKey() == ackSegment ? Math.min(ackOffset, e.getValue()) : 0);
    }
  }

  /** The length of the prefix of {@code file} made of whole frames whose checksums match. */
  private static long wholeFrames(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long at = 0;
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      while (at + HEADER <= size) {
        header.clear();
        readFully(ch, header, at);
        int length = header.getInt(0);
        if (length <= 0 || length > MAX_FRAME || at + HEADER + length > size) {
          break;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(ch, body, at + HEADER);
        CRC32C crc = new CRC32C();
        crc.update(body.array());
        if ((int) crc.getValue() != header.getInt(4)) {
          break;
        }
        at += HEADER + length;
      }
      return at;
    }
  }

  /**
   * Appends {@code batch} and fsyncs it; called on the audit writer thread.
   *
   * @throws IOException when the spool is full or the disk write failed (nothing of the batch is then handed out)
   */
  void append(List<AuditEntry> batch) throws IOException {
    byte[] body = encode(batch);
    long frame = HEADER + body.length;
    mutex.lock();
    try {
      if (closed) {
        throw new IOException("the spool is closed");
      }
      if (pending + frame > maxBytes) {
        throw new IOException("the spool is full (" + pending + " bytes waiting for the collector, limit "
            + maxBytes + ")");
      }
    } finally {
      mutex.unlock();
    }
    long segment;
    long start;
    mutex.lock();
    try {
      if (segments.isEmpty()) {
        segments.put(ackSegment, 0L);
      } else if (segments.lastEntry().getValue() >= segmentBytes) {
        segments.put(segments.lastKey() + 1, 0L);
      }
      segment = segments.lastKey();
      start = segments.get(segment);
    } finally {
      mutex.unlock();
    }
    CRC32C crc = new CRC32C();
    crc.update(body);
    ByteBuffer buf = ByteBuffer.allocate((int) frame);
    buf.putInt(body.length).putInt((int) crc.getValue()).put(body).flip();
    try {
      if (out == null || outSegment != segment) {
        closeOut();
        out = FileChannel.open(segmentPath(segment), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        outSegment = segment;
        // What lies past the confirmed length is a failed write's remainder.
        out.truncate(start);
        syncDirectory();
      }
      long at = start;
      while (buf.hasRemaining()) {
        at += out.write(buf, at);
      }
      out.force(false);
    } catch (IOException | RuntimeException e) {
      closeOut();
      throw e;
    }
    mutex.lock();
    try {
      segments.put(segment, start + frame);
      pending += frame;
      appended.signalAll();
    } finally {
      mutex.unlock();
    }
  }

  /**
   * The oldest unconfirmed frames, up to {@code maxEntries} entries (at least one frame); waits up to {@code wait}
   * for one to arrive. Null when none came or the spool closed.
   */
  Chunk next(int maxEntries, long wait, TimeUnit unit) throws IOException, InterruptedException {
    long segment;
    long offset;
    long end;
    mutex.lock();
    try {
      long deadline = System.nanoTime() + unit.toNanos(wait);
      while (!closed) {
        advancePastFinishedSegments();
        Long length = segments.get(ackSegment);
        if (length != null && length > ackOffset) {
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        appended.awaitNanos(left);
      }
      if (closed) {
        return null;
      }
      segment = ackSegment;
      offset = ackOffset;
      end = segments.get(segment);
    } finally {
      mutex.unlock();
    }
    List<AuditEntry> entries = new ArrayList<>();
    long at = offset;
    try (FileChannel ch = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      while (at < end && (entries.isEmpty() || entries.size() < maxEntries)) {
        header.clear();
        readFully(ch, header, at);
        int length = header.getInt(0);
        if (length <= 0 || length > MAX_FRAME || at + HEADER + length > end) {
          throw new IOException("the spool segment " + segmentPath(segment) + " is damaged at offset " + at);
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(ch, body, at + HEADER);
        List<AuditEntry> frame = decode(body.array());
        if (!entries.isEmpty() && entries.size() + frame.size() > maxEntries) {
          break;
        }
        entries.addAll(frame);
        at += HEADER + length;
      }
    }
    return new Chunk(List.copyOf(entries), segment, at, at - offset);
  }

  /** Marks {@code chunk} as delivered: it is never handed out again, not even after a restart. */
  void ack(Chunk chunk) throws IOException {
    Path tmp = dir.resolve("ack.tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap((chunk.segment() + " " + chunk.endOffset() + "\n").getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    Files.move(tmp, dir.resolve("ack"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory();
    mutex.lock();
    try {
      ackSegment = chunk.segment();
      ackOffset = chunk.endOffset();
      pending -= chunk.bytes();
      advancePastFinishedSegments();
    } finally {
      mutex.unlock();
    }
  }

  /** Bytes appended and not yet confirmed by the collector. */
  long pendingBytes() {
    mutex.lock();
    try {
      return pending;
    } finally {
      mutex.unlock();
    }
  }

  // Under the mutex. The writer never appends to a segment older than the newest, so a finished older one can go.
  private void advancePastFinishedSegments() {
    while (true) {
      Long length = segments.get(ackSegment);
      Long newer = segments.higherKey(ackSegment);
      if (length == null || newer == null || ackOffset < length) {
        return;
      }
      segments.remove(ackSegment);
      try {
        Files.deleteIfExists(segmentPath(ackSegment));
      } catch (IOException ignored) {
        // Deleted on the next start, which drops every segment before the ack position.
      }
      ackSegment = newer;
      ackOffset = 0;
    }
  }

  /** Wakes a waiting {@link #next}; nothing more is appended or handed out. */
  @Override
  public void close() throws IOException {
    mutex.lock();
    try {
      closed = true;
      appended.signalAll();
    } finally {
      mutex.unlock();
    }
    closeOut();
    try {
      lock.release();
    } catch (IOException | RuntimeException ignored) {
      // Released with the channel.
    }
    lockChannel.close();
  }

  private void closeOut() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // Reopened by the next append.
      }
      out = null;
      outSegment = -1;
    }
  }

  private Path segmentPath(long n) {
    return dir.resolve(String.format("spool-%012d.bin", n));
  }

  private void syncDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Not every file system lets a folder be opened; the file's own fsync still holds its data.
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    long pos = at;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of a spool segment");
      }
      pos += n;
    }
    buf.flip();
  }

  static byte[] encode(List<AuditEntry> batch) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    data.writeInt(batch.size());
    for (AuditEntry e : batch) {
      data.writeLong(e.sequence());
      data.writeLong(e.emitEpochMillis());
      data.writeUTF(e.logId());
      data.writeUTF(e.kind());
      data.writeInt(e.line().length);
      data.write(e.line());
    }
    data.flush();
    return bytes.toByteArray();
  }

  static List<AuditEntry> decode(byte[] body) throws IOException {
    DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(body));
    int count = data.readInt();
    if (count < 0 || count > body.length) {
      throw new IOException("a spool frame is damaged");
    }
    List<AuditEntry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long sequence = data.readLong();
      long emit = data.readLong();
      String logId = data.readUTF();
      String kind = data.readUTF();
      int length = data.readInt();
      if (length < 0 || length > body.length) {
        throw new IOException("a spool frame is damaged");
      }
      byte[] line = new byte[length];
      data.readFully(line);
      entries.add(new AuditEntry(sequence, logId, emit, kind, line));
    }
    return entries;
  }
}
