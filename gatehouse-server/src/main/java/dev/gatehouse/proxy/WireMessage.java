package dev.gatehouse.proxy;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * One message's wire bytes on their way through the data plane, either still in the transport buffers they
 * arrived in (held) or as a contiguous array.
 *
 * <p>A held message owns the inbound transport stream grpc-java detached for it; until {@link #release()} those
 * buffers stay allocated. Its owner releases it exactly once on every path (it was sent on, filtered, or dropped);
 * {@link #release()} is idempotent, and {@link #stream()} only reads, so a sent stream closing itself changes
 * nothing.
 *
 * <p>grpc-java's framer copies every outbound message into its own transport buffer (its output stream takes only
 * arrays), so the bytes are copied once on the way out; what a held message saves is the copy into a
 * message-sized array on the way in and the framer's intermediate copy through a temporary buffer.
 *
 * <p>Confined to the call's event loop, like the call.
 */
final class WireMessage {
  private final int length;
  private byte[] bytes;
  private InputStream held;
  private ByteBuffer[] buffers;

  private WireMessage(int length, byte[] bytes, InputStream held, ByteBuffer[] buffers) {
    this.length = length;
    this.bytes = bytes;
    this.held = held;
    this.buffers = buffers;
  }

  /** A message whose bytes are an array (nothing to release). */
  static WireMessage of(byte[] bytes) {
    return new WireMessage(bytes.length, bytes, null, null);
  }

  /**
   * A message still in its transport buffers.
   *
   * @param owner the detached stream that owns the buffers; closed by {@link #release()}
   * @param buffers views of the message's bytes, in order, valid until {@code owner} is closed
   */
  static WireMessage hold(InputStream owner, ByteBuffer[] buffers, int length) {
    return new WireMessage(length, null, owner, buffers);
  }

  int length() {
    return length;
  }

  /** True while the message still holds transport buffers. */
  boolean holdsBuffers() {
    return held != null;
  }

  /**
   * The bytes as one array: for a held message, a copy made on first use (only a consumer that needs contiguous
   * bytes, such as a response filter, asks).
   *
   * @throws IllegalStateException when the message was released before its bytes were copied
   */
  byte[] bytes() {
    if (bytes == null) {
      if (buffers == null) {
        throw new IllegalStateException("message already released");
      }
      byte[] copy = new byte[length];
      int at = 0;
      for (ByteBuffer b : buffers) {
        int n = b.remaining();
        b.duplicate().get(copy, at, n);
        at += n;
      }
      bytes = copy;
    }
    return bytes;
  }

  /** Frees the transport buffers, if any; later calls do nothing. */
  void release() {
    InputStream owner = held;
    held = null;
    buffers = null;
    if (owner != null) {
      try {
        owner.close();
      } catch (IOException e) {
        // grpc's buffer streams do not fail on close; nothing else to free.
      }
    }
  }

  /**
   * A stream of the bytes for grpc-java's framer, which drains it; reading it does not consume the message.
   *
   * @param chunks the draining thread's scratch array, through which a direct buffer is copied (the framer's
   *     stream takes only arrays)
   */
  InputStream stream(Supplier<byte[]> chunks) {
    if (bytes != null) {
      return new ArrayStream(bytes);
    }
    if (buffers == null) {
      throw new IllegalStateException("message already released");
    }
    return new BufferStream(buffers, length, chunks);
  }

  /** An array, written in one call. */
  static final class ArrayStream extends InputStream implements Drainable, KnownLength {
    private final byte[] bytes;
    private int position;

    ArrayStream(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = bytes.length - position;
      target.write(bytes, position, n);
      position = bytes.length;
      return n;
    }

    @Override
    public int available() {
      return bytes.length - position;
    }

    @Override
    public int read() {
      return position < bytes.length ? bytes[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, bytes.length - position);
      if (n <= 0) {
        return -1;
      }
      System.arraycopy(bytes, position, b, off, n);
      position += n;
      return n;
    }
  }

  /**
   * Views of transport buffers, read by absolute index so the views are shared, not duplicated: a heap buffer's
   * array is written as is, a direct buffer's through the draining thread's chunk.
   */
  private static final class BufferStream extends InputStream implements Drainable, KnownLength {
    private final ByteBuffer[] buffers;
    private final Supplier<byte[]> chunks;
    private int index;
    private int offset;
    private int remaining;

    BufferStream(ByteBuffer[] views, int length, Supplier<byte[]> chunks) {
      this.buffers = views;
      this.chunks = chunks;
      this.remaining = length;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int written = 0;
      byte[] chunk = null;
      for (; index < buffers.length; index++, offset = 0) {
        ByteBuffer b = buffers[index];
        int from = b.position() + offset;
        int n = b.limit() - from;
        if (b.hasArray()) {
          target.write(b.array(), b.arrayOffset() + from, n);
          written += n;
          continue;
        }
        if (chunk == null) {
          chunk = chunks.get();
        }
        for (int at = from; at < b.limit(); ) {
          int part = Math.min(chunk.length, b.limit() - at);
          b.get(at, chunk, 0, part);
          target.write(chunk, 0, part);
          at += part;
        }
        written += n;
      }
      remaining -= written;
      return written;
    }

    @Override
    public int available() {
      return remaining;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
      if (len == 0) {
        return 0;
      }
      while (index < buffers.length && buffers[index].position() + offset == buffers[index].limit()) {
        index++;
        offset = 0;
      }
      if (index == buffers.length) {
        return -1;
      }
      ByteBuffer b = buffers[index];
      int at = b.position() + offset;
      int n = Math.min(len, b.limit() - at);
      b.get(at, dst, off, n);
      offset += n;
      remaining -= n;
      return n;
    }
  }
}
