package dev.gatehouse.proxy;

import io.grpc.Decompressor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;

/**
 * gRPC's {@code gzip} message encoding for requests, counting what it inflates. grpc-java bounds the inflated size
 * of a message by the server's {@code maxInboundMessageSize} around this stream; the count lets tests prove that a
 * refused caller's body was never inflated at all (the data plane asks for the message only after authentication).
 *
 * <p>The gzip header is read on the first read, not in {@link #decompress}: grpc-java calls that from its deframer,
 * where a thrown exception fails the stream as UNKNOWN; a read fails inside the request marshaller, which answers it.
 */
final class CountingGzip implements Decompressor {
  private final LongAdder inflated;

  CountingGzip(LongAdder inflated) {
    this.inflated = inflated;
  }

  @Override
  public String getMessageEncoding() {
    return "gzip";
  }

  @Override
  public InputStream decompress(InputStream compressed) {
    return new Inflating(compressed, inflated);
  }

  private static final class Inflating extends FilterInputStream {
    private final LongAdder inflated;
    private boolean opened;

    Inflating(InputStream compressed, LongAdder inflated) {
      super(compressed);
      this.inflated = inflated;
    }

    private InputStream gzip() throws IOException {
      if (!opened) {
        in = new GZIPInputStream(in, 8192);
        opened = true;
      }
      return in;
    }

    @Override
    public int read() throws IOException {
      int b = gzip().read();
      if (b >= 0) {
        inflated.increment();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = gzip().read(b, off, len);
      if (n > 0) {
        inflated.add(n);
      }
      return n;
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
    public int available() throws IOException {
      return opened ? in.available() : 0;
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
