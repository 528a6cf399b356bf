package dev.gatehouse.proxy;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One method the data plane serves: its byte-passthrough descriptor and where its namespace lives.
 *
 * @param index dense index, for per-method tables on the hot path
 * @param descriptor the method with {@code byte[]} marshallers, same full name and type as the generated one
 * @param namespaceField the request's {@code namespace} field number, {@code 0} when it has none
 */
record ProxiedMethod(int index, MethodDescriptor<byte[], byte[]> descriptor, int namespaceField) {

  /** The services Gatehouse fronts, straight from the generated descriptors so new SDK methods come along. */
  static List<ServiceDescriptor> services() {
    return List.of(
        WorkflowServiceGrpc.getServiceDescriptor(),
        OperatorServiceGrpc.getServiceDescriptor(),
        HealthGrpc.getServiceDescriptor());
  }

  static List<ProxiedMethod> all() {
    List<ProxiedMethod> methods = new ArrayList<>();
    for (ServiceDescriptor service : services()) {
      for (MethodDescriptor<?, ?> generated : service.getMethods()) {
        methods.add(new ProxiedMethod(methods.size(), passthrough(generated), namespaceFieldOf(generated)));
      }
    }
    return List.copyOf(methods);
  }

  String fullMethodName() {
    return descriptor.getFullMethodName();
  }

  private static MethodDescriptor<byte[], byte[]> passthrough(MethodDescriptor<?, ?> generated) {
    return generated.toBuilder(BYTES, BYTES).build();
  }

  private static int namespaceFieldOf(MethodDescriptor<?, ?> generated) {
    if (!(generated.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto)
        || !(proto.getMessagePrototype() instanceof Message prototype)) {
      throw new IllegalStateException("no message prototype for " + generated.getFullMethodName());
    }
    FieldDescriptor field = prototype.getDescriptorForType().findFieldByName("namespace");
    if (field == null) {
      return 0;
    }
    if (field.getType() != FieldDescriptor.Type.STRING || field.isRepeated()) {
      throw new IllegalStateException("unexpected namespace field type in " + generated.getFullMethodName());
    }
    return field.getNumber();
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES = new ByteArrayMarshaller();

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
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
