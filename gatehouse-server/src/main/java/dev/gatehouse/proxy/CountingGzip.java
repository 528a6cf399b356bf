package dev.gatehouse.proxy;

import io.grpc.Decompressor;
import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocal;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * gRPC's {@code gzip} message encoding for requests, counting what it inflates. grpc-java bounds the inflated size
 * of a message by the server's {@code maxInboundMessageSize} around this stream; the count lets tests prove that a
 * refused caller's body was never inflated at all (the data plane asks for the message only after authentication).
 *
 * <p>The gzip header is read on the first read, not in {@link #decompress}: grpc-java calls that from its deframer,
 * where a thrown exception fails the stream as UNKNOWN; a read fails inside the request marshaller, which answers it.
 *
 * <p>SDKs gzip every request, so this runs on nearly every call: instead of a {@code GZIPInputStream} per message
 * (a new native zlib state, its cleaner and an 8 KiB buffer each time), each event-loop thread keeps one inflater
 * with its input buffer and reuses it for the next message. The format checks are {@code GZIPInputStream}'s (magic,
 * method, header CRC when flagged, trailer CRC and length, concatenated members), except that bytes after the last
 * member which are not another well-formed member are refused rather than ignored.
 */
final class CountingGzip implements Decompressor {
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final LongAdder inflated;
  /** One spare inflater per thread; a message takes it (or a new one) on its first read and gives it back at the end. */
  private final FastThreadLocal<Inflation[]> spare = new FastThreadLocal<>() {
    @Override
    protected Inflation[] initialValue() {
      return new Inflation[1];
    }
  };

  CountingGzip(LongAdder inflated) {
    this.inflated = inflated;
  }

  @Override
  public String getMessageEncoding() {
    return "gzip";
  }

  @Override
  public InputStream decompress(InputStream compressed) {
    return new Inflating(compressed);
  }

  private Inflation take() {
    Inflation[] slot = spare.get();
    Inflation i = slot[0];
    if (i == null) {
      return new Inflation();
    }
    slot[0] = null;
    return i;
  }

  private void giveBack(Inflation i) {
    i.reset();
    Inflation[] slot = spare.get();
    if (slot[0] == null) {
      slot[0] = i;
    } else {
      i.inflater.end();
    }
  }

  /** An inflater with its input buffer and checksum: one message's state, reused across messages. */
  private static final class Inflation {
    final Inflater inflater = new Inflater(true);
    final CRC32 crc = new CRC32();
    final byte[] buffer = new byte[8192];
    /** Bytes of {@link #buffer} in {@code [position, limit)} are read from the source but not yet consumed. */
    int position;
    int limit;
    long size;

    void reset() {
      inflater.reset();
      crc.reset();
      position = 0;
      limit = 0;
      size = 0;
    }
  }

  private final class Inflating extends InputStream {
    private final InputStream compressed;
    private Inflation state;
    private boolean started;
    private boolean done;

    Inflating(InputStream compressed) {
      this.compressed = compressed;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (done) {
        return -1;
      }
      if (!started) {
        started = true;
        state = take();
        readHeader(nextByte());
      }
      Inflater inf = state.inflater;
      while (true) {
        int n;
        try {
          n = inf.inflate(b, off, len);
        } catch (DataFormatException e) {
          throw new ZipException(e.getMessage() == null ? "invalid deflate data" : e.getMessage());
        }
        if (n > 0) {
          state.crc.update(b, off, n);
          state.size += n;
          inflated.add(n);
          return n;
        }
        if (inf.finished()) {
          state.position = state.limit - inf.getRemaining();
          readTrailer();
          int next = nextByte();
          if (next < 0) {
            finish();
            return -1;
          }
          // Another member follows (as GZIPInputStream reads them): inflate it too.
          inf.reset();
          state.crc.reset();
          state.size = 0;
          readHeader(next);
          continue;
        }
        if (inf.needsDictionary()) {
          throw new ZipException("gzip data needs a preset dictionary");
        }
        if (inf.needsInput()) {
          if (state.position == state.limit && !fill()) {
            throw new EOFException("unexpected end of gzip data");
          }
          inf.setInput(state.buffer, state.position, state.limit - state.position);
          state.position = state.limit;
        }
      }
    }

    private void readHeader(int first) throws IOException {
      CRC32 headerCrc = state.crc;
      headerCrc.reset();
      int id2 = need(headerCrc, first < 0 ? -1 : first);
      if (first != 0x1f || id2 != 0x8b) {
        throw new ZipException("Not in GZIP format");
      }
      if (need(headerCrc) != 8) {
        throw new ZipException("Unsupported compression method");
      }
      int flags = need(headerCrc);
      for (int i = 0; i < 6; i++) {
        need(headerCrc); // modification time, extra flags, operating system
      }
      if ((flags & FEXTRA) != 0) {
        int extra = need(headerCrc) | need(headerCrc) << 8;
        for (int i = 0; i < extra; i++) {
          need(headerCrc);
        }
      }
      if ((flags & FNAME) != 0) {
        while (need(headerCrc) != 0) {
          // file name, zero-terminated
        }
      }
      if ((flags & FCOMMENT) != 0) {
        while (need(headerCrc) != 0) {
          // comment, zero-terminated
        }
      }
      if ((flags & FHCRC) != 0) {
        int expected = (int) headerCrc.getValue() & 0xffff;
        if ((need(null) | need(null) << 8) != expected) {
          throw new ZipException("Corrupt GZIP header");
        }
      }
      headerCrc.reset();
    }

    private void readTrailer() throws IOException {
      long crc = need(null) | (long) need(null) << 8 | (long) need(null) << 16 | (long) need(null) << 24;
      long size = need(null) | (long) need(null) << 8 | (long) need(null) << 16 | (long) need(null) << 24;
      if (crc != state.crc.getValue() || size != (state.size & 0xffffffffL)) {
        throw new ZipException("Corrupt GZIP trailer");
      }
    }

    /** The header's first byte was read already (as {@code first}, with the CRC still to see it). */
    private int need(CRC32 crc, int first) throws IOException {
      if (first < 0) {
        throw new EOFException("unexpected end of gzip header");
      }
      crc.update(first);
      return need(crc);
    }

    private int need(CRC32 crc) throws IOException {
      int b = nextByte();
      if (b < 0) {
        throw new EOFException("unexpected end of gzip data");
      }
      if (crc != null) {
        crc.update(b);
      }
      return b;
    }

    /** The next byte the inflater has not taken, or -1 at the end of the source. */
    private int nextByte() throws IOException {
      if (state.position == state.limit && !fill()) {
        return -1;
      }
      return state.buffer[state.position++] & 0xff;
    }

    private boolean fill() throws IOException {
      int n = compressed.read(state.buffer, 0, state.buffer.length);
      if (n <= 0) {
        return false;
      }
      state.position = 0;
      state.limit = n;
      return true;
    }

    private void finish() {
      done = true;
      if (state != null) {
        Inflation s = state;
        state = null;
        giveBack(s);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] sink = new byte[(int) Math.min(n, 8192)];
      long skipped = 0;
      while (skipped < n) {
        int r = read(sink, 0, (int) Math.min(sink.length, n - skipped));
        if (r < 0) {
          break;
        }
        skipped += r;
      }
      return skipped;
    }

    @Override
    public int available() {
      return started && !done ? 1 : 0;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    @Override
    public void close() throws IOException {
      if (!done) {
        done = true;
        if (state != null) {
          // Given back even after a failure: reset makes it as good as new.
          Inflation s = state;
          state = null;
          giveBack(s);
        }
      }
      compressed.close();
    }
  }
}
