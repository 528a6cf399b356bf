package dev.gatehouse.proxy;

import dev.gatehouse.api.NamespaceReader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NamespaceReaderTest {

  @Test
  void everyServedMethodHasItsNamespaceFieldFromTheDescriptor() throws Exception {
    int withNamespace = 0;
    for (ProxiedMethod m : ProxiedMethod.all()) {
      if (m.namespaceField() == 0) {
        continue;
      }
      withNamespace++;
      Message prototype = prototypeOf(m);
      var field = prototype.getDescriptorForType().findFieldByNumber(m.namespaceField());
      assertThat(field.getName()).isEqualTo("namespace");
      Message request = prototype.toBuilder().setField(field, "ns-" + m.method().index()).build();
      assertThat(NamespaceReader.read(request.toByteArray(), m.namespaceField()))
          .as(m.fullMethodName())
          .isEqualTo("ns-" + m.method().index());
    }
    assertThat(withNamespace).isGreaterThan(100);
  }

  @Test
  void methodsWithoutNamespaceAreTheKnownClusterOnes() {
    var names =
        ProxiedMethod.all().stream().filter(m -> m.namespaceField() == 0).map(m -> m.descriptor().getBareMethodName()).toList();
    assertThat(names).contains("ListNamespaces", "GetSearchAttributes", "GetClusterInfo", "GetSystemInfo", "Check", "Watch");
    assertThat(names).doesNotContain("StartWorkflowExecution", "PollWorkflowTaskQueue", "DescribeNamespace");
  }

  @Test
  void lastOccurrenceWinsLikeProtobuf() throws Exception {
    byte[] first = StartWorkflowExecutionRequest.newBuilder().setNamespace("allowed").setWorkflowId("w").build().toByteArray();
    byte[] second = StartWorkflowExecutionRequest.newBuilder().setNamespace("victim").build().toByteArray();
    byte[] smuggled = concat(first, second);
    assertThat(StartWorkflowExecutionRequest.parseFrom(smuggled).getNamespace()).isEqualTo("victim");
    assertThat(NamespaceReader.read(smuggled, 1)).isEqualTo("victim");
  }

  @Test
  void agreesWithTheTypedParseOnRandomRequests() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 500; i++) {
      StartWorkflowExecutionRequest.Builder b =
          StartWorkflowExecutionRequest.newBuilder()
              .setWorkflowId("wf-" + random.nextInt())
              .setWorkflowType(WorkflowType.newBuilder().setName("T" + i))
              .setInput(
                  Payloads.newBuilder()
                      .addPayloads(Payload.newBuilder().setData(ByteString.copyFrom(randomBytes(random, random.nextInt(2048))))));
      if (random.nextBoolean()) {
        b.setNamespace("ns-" + random.nextInt(1000));
      }
      byte[] bytes = b.build().toByteArray();
      if (random.nextInt(4) == 0) {
        bytes = concat(bytes, StartWorkflowExecutionRequest.newBuilder().setNamespace("late-" + i).build().toByteArray());
      }
      assertThat(NamespaceReader.read(bytes, 1)).isEqualTo(StartWorkflowExecutionRequest.parseFrom(bytes).getNamespace());
    }
  }

  /**
   * Mutated requests (flipped, dropped and duplicated bytes): the scan never fails with anything but
   * InvalidProtocolBufferException, and whenever protobuf accepts the bytes, both read the same namespace.
   */
  @Test
  void mutatedRequestsNeverDisagreeWithProtobuf() throws Exception {
    Random random = new Random(7);
    byte[] seed = StartWorkflowExecutionRequest.newBuilder().setNamespace("seed-ns").setWorkflowId("w")
        .setWorkflowType(WorkflowType.newBuilder().setName("T"))
        .setInput(Payloads.newBuilder().addPayloads(Payload.newBuilder().setData(ByteString.copyFromUtf8("data"))))
        .build().toByteArray();
    int agreed = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] b = mutate(seed, random);
      String scanned;
      try {
        scanned = NamespaceReader.read(b, 1);
      } catch (InvalidProtocolBufferException rejected) {
        continue;
      }
      StartWorkflowExecutionRequest parsed;
      try {
        parsed = StartWorkflowExecutionRequest.parseFrom(b);
      } catch (InvalidProtocolBufferException upstreamWouldReject) {
        continue;
      }
      assertThat(scanned).as("mutation %d", i).isEqualTo(parsed.getNamespace());
      agreed++;
    }
    assertThat(agreed).isGreaterThan(1000);
  }

  private static byte[] mutate(byte[] seed, Random r) {
    byte[] b = seed.clone();
    int edits = 1 + r.nextInt(3);
    for (int e = 0; e < edits; e++) {
      switch (r.nextInt(3)) {
        case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        case 1 -> {
          int at = r.nextInt(b.length);
          byte[] shorter = new byte[b.length - 1];
          System.arraycopy(b, 0, shorter, 0, at);
          System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
          b = shorter.length == 0 ? b : shorter;
        }
        default -> b = concat(b, java.util.Arrays.copyOfRange(b, 0, r.nextInt(b.length)));
      }
    }
    return b;
  }

  @Test
  void malformedBytesAreRejected() {
    byte[] valid = PollWorkflowTaskQueueRequest.newBuilder().setNamespace("ns").setIdentity("me").build().toByteArray();
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 1);
    assertThatThrownBy(() -> NamespaceReader.read(truncated, 1)).isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> NamespaceReader.read(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, 1))
        .isInstanceOf(InvalidProtocolBufferException.class);
    // field 0 is never valid
    assertThatThrownBy(() -> NamespaceReader.read(new byte[] {0x02, 0x00}, 1)).isInstanceOf(InvalidProtocolBufferException.class);
    // a length prefix pointing past the end
    assertThatThrownBy(() -> NamespaceReader.read(new byte[] {0x0a, 0x7f, 'a'}, 1)).isInstanceOf(InvalidProtocolBufferException.class);
    // a top-level end-group tag
    assertThatThrownBy(() -> NamespaceReader.read(new byte[] {0x0c}, 1)).isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void namespaceWithWrongWireTypeOrBadUtf8IsRejected() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    cos.writeUInt64(1, 7); // namespace field as a varint
    cos.flush();
    assertThatThrownBy(() -> NamespaceReader.read(out.toByteArray(), 1)).isInstanceOf(InvalidProtocolBufferException.class);

    byte[] badUtf8 = {0x0a, 0x02, (byte) 0xc3, (byte) 0x28};
    assertThatThrownBy(() -> NamespaceReader.read(badUtf8, 1)).isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void emptyRequestHasEmptyNamespace() throws Exception {
    assertThat(NamespaceReader.read(new byte[0], 1)).isEmpty();
  }

  private static Message prototypeOf(ProxiedMethod m) {
    for (var service : dev.gatehouse.api.ApiCatalog.temporal().services()) {
      for (MethodDescriptor<?, ?> md : service.getMethods()) {
        if (md.getFullMethodName().equals(m.fullMethodName())) {
          return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) md.getRequestMarshaller()).getMessagePrototype();
        }
      }
    }
    throw new AssertionError(m.fullMethodName());
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
