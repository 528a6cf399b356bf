package dev.gatehouse.api;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A gRPC message as its encoded bytes, unread: what a face that forwards a call without decoding it marshals (see
 * {@link ApiCatalog#bytesDescriptor}). A failed read throws {@link UncheckedIOException}; grpc-java turns it into the
 * call's failure.
 */
public final class ByteMarshaller implements MethodDescriptor.Marshaller<byte[]> {
  /** The one instance; it holds no state. */
  public static final ByteMarshaller BYTES = new ByteMarshaller();

  private ByteMarshaller() {}

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      if (stream instanceof KnownLength) {
        // grpc hands over a stream that knows its size: one exact allocation, no growing buffers.
        int size = stream.available();
        byte[] bytes = new byte[size];
        int read = stream.readNBytes(bytes, 0, size);
        if (read == size && stream.read() == -1) {
          return bytes;
        }
        throw new IOException("message length changed while reading");
      }
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
