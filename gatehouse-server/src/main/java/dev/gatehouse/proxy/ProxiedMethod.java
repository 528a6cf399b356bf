package dev.gatehouse.proxy;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * One method the data plane serves: its catalog entry and its byte-passthrough descriptor. Which methods exist and
 * where their namespace lives is the catalog's business ({@link ApiCatalog}); this only adds the marshalling.
 *
 * @param method the catalog's classification
 * @param descriptor the upstream leg's method, same full name and type as the generated one: requests as
 *     {@code byte[]} (the pipeline reads them), responses as {@link WireMessage}s left in their transport buffers
 */
record ProxiedMethod(ApiMethod method, MethodDescriptor<byte[], WireMessage> descriptor) {

  /** Every method of {@code catalog}, in catalog order ({@code all(c).get(m.index()).method() == m}). */
  static List<ProxiedMethod> all(ApiCatalog catalog) {
    List<ProxiedMethod> methods = new ArrayList<>();
    MethodDescriptor.Marshaller<WireMessage> responses = responses();
    for (ApiMethod m : catalog.methods()) {
      methods.add(new ProxiedMethod(m, catalog.descriptor(m).toBuilder(OUTBOUND, responses).build()));
    }
    return List.copyOf(methods);
  }

  /** The methods of the Temporal API. */
  static List<ProxiedMethod> all() {
    return all(ApiCatalog.temporal());
  }

  String fullMethodName() {
    return descriptor.getFullMethodName();
  }

  /** The request's {@code namespace} field number, {@code 0} when it has none. */
  int namespaceField() {
    return method.namespaceFieldNumber();
  }

  /**
   * The descriptor the data plane serves: requests are read by {@link #INBOUND}, which answers a message it cannot
   * read with a marker instead of throwing (grpc-java turns a throwing marshaller into UNKNOWN and a SEVERE stack
   * trace).
   */
  MethodDescriptor<byte[], WireMessage> served() {
    return descriptor.toBuilder(INBOUND, descriptor.getResponseMarshaller()).build();
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES = new ByteArrayMarshaller();

  /**
   * Requests on the upstream leg: the array is drained straight into the framer (a plain stream would be copied
   * through a temporary buffer first).
   */
  static final MethodDescriptor.Marshaller<byte[]> OUTBOUND = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new WireMessage.ArrayStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      return BYTES.parse(stream);
    }
  };

  /**
   * A marshaller for responses: kept in the upstream transport's buffers (grpc-java's {@link Detachable} stream)
   * and drained from there into the caller's; whoever receives a parsed message must {@link WireMessage#release()}
   * it. Each marshaller keeps one scratch chunk per draining thread (the event loops).
   */
  static MethodDescriptor.Marshaller<WireMessage> responses() {
    return new ResponseMarshaller();
  }

  /** In place of a request whose compressed body does not inflate (compared by identity, never forwarded). */
  static final byte[] UNREADABLE = new byte[0];
  /** In place of a request that inflates past the message size limit (compared by identity, never forwarded). */
  static final byte[] TOO_LARGE = new byte[0];

  static final MethodDescriptor.Marshaller<byte[]> INBOUND = new InboundMarshaller();

  private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];

  private static final class InboundMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new WireMessage.ArrayStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return BYTES.parse(stream);
      } catch (StatusRuntimeException e) {
        // grpc's bound on a compressed message's inflated size (maxInboundMessageSize), hit while reading.
        return e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED ? TOO_LARGE : UNREADABLE;
      } catch (RuntimeException e) {
        // A corrupt gzip body (ZipException, EOFException, wrapped by BYTES).
        return UNREADABLE;
      }
    }
  }

  private static final class ByteArrayMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        if (stream instanceof KnownLength) {
          // grpc hands us a stream that knows its size: one exact allocation, no growing buffers.
          int size = stream.available();
          byte[] bytes = new byte[size];
          int read = stream.readNBytes(bytes, 0, size);
          if (read == size && stream.read() == -1) {
            return bytes;
          }
          throw new IOException("message length changed while reading");
        }
        return readUnknownLength(stream);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * An inflating stream's bytes. Grown from a small array by doubling, not {@code readAllBytes}'s 16 KiB chunks:
   * SDKs gzip every request, and most requests are a few hundred bytes. grpc's size limit stops the growth (the
   * stream throws past {@code maxInboundMessageSize}).
   */
  private static byte[] readUnknownLength(InputStream stream) throws IOException {
    byte[] buf = new byte[512];
    int n = 0;
    while (true) {
      int r = stream.read(buf, n, buf.length - n);
      if (r < 0) {
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
      }
      n += r;
      if (n == buf.length) {
        int next = stream.read();
        if (next < 0) {
          return buf;
        }
        if (buf.length > Integer.MAX_VALUE / 2 - 16) {
          throw new IOException("message too large to hold");
        }
        buf = Arrays.copyOf(buf, buf.length * 2);
        buf[n++] = (byte) next;
      }
    }
  }

  private static final class ResponseMarshaller implements MethodDescriptor.Marshaller<WireMessage> {
    /** Size of the chunk a direct buffer is copied through. */
    private static final int CHUNK = 8192;

    private final FastThreadLocal<byte[]> chunk = new FastThreadLocal<>() {
      @Override
      protected byte[] initialValue() {
        return new byte[CHUNK];
      }
    };
    private final Supplier<byte[]> chunks = chunk::get;

    @Override
    public InputStream stream(WireMessage value) {
      return value.stream(chunks);
    }

    @Override
    public WireMessage parse(InputStream stream) {
      if (stream instanceof Detachable detachable && stream instanceof KnownLength
          && stream instanceof HasByteBuffer direct && direct.byteBufferSupported() && stream.markSupported()) {
        return hold(detachable.detach());
      }
      // A compressed response (an inflating stream) or a transport without buffer access: one copy.
      return WireMessage.of(BYTES.parse(stream));
    }

    private static WireMessage hold(InputStream owner) {
      try {
        int length = owner.available();
        if (length == 0) {
          return WireMessage.hold(owner, NO_BUFFERS, 0);
        }
        // getByteBuffer answers a fresh view of the current buffer; a message in one buffer (the usual case) needs
        // no list.
        ByteBuffer first = ((HasByteBuffer) owner).getByteBuffer();
        if (first != null && first.remaining() == length) {
          return WireMessage.hold(owner, new ByteBuffer[] {first}, length);
        }
        // Marked so that stepping over the buffers keeps them (grpc frees each buffer once read past).
        owner.mark(length);
        List<ByteBuffer> views = new ArrayList<>(4);
        int seen = 0;
        while (seen < length) {
          ByteBuffer b = ((HasByteBuffer) owner).getByteBuffer();
          if (b == null || !b.hasRemaining()) {
            throw new IOException("transport buffer not readable");
          }
          views.add(b);
          seen += b.remaining();
          owner.skipNBytes(b.remaining());
        }
        owner.reset();
        return WireMessage.hold(owner, views.toArray(NO_BUFFERS), length);
      } catch (IOException | RuntimeException e) {
        try {
          owner.close();
        } catch (IOException ignored) {
          // Freed as far as it can be.
        }
        throw new IllegalStateException("response message could not be held", e);
      }
    }
  }
}
