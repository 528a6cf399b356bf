package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Drainable;
import io.grpc.internal.CompositeReadableBuffer;
import io.grpc.internal.ReadableBuffer;
import io.grpc.internal.ReadableBuffers;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The response marshaller keeps a message in grpc's transport buffers and frees them once, on release. */
class WireMessageTest {
  private static final io.grpc.MethodDescriptor.Marshaller<WireMessage> RESPONSES = ProxiedMethod.responses();

  /** A grpc transport buffer that counts its closes, as Netty's would release. */
  private static ReadableBuffer counted(byte[] bytes, boolean direct, AtomicInteger closes) {
    ByteBuffer b = direct ? ByteBuffer.allocateDirect(bytes.length).put(bytes).flip() : ByteBuffer.wrap(bytes);
    ReadableBuffer inner = ReadableBuffers.wrap(b);
    return new io.grpc.internal.ForwardingReadableBuffer(inner) {
      @Override
      public void close() {
        closes.incrementAndGet();
        super.close();
      }
    };
  }

  private static InputStream inbound(AtomicInteger closes, boolean direct, byte[]... parts) {
    CompositeReadableBuffer composite = new CompositeReadableBuffer();
    for (byte[] p : parts) {
      composite.addBuffer(counted(p, direct, closes));
    }
    return ReadableBuffers.openStream(composite, true);
  }

  @Test
  void aResponseSpanningTwoBuffersIsHeldDrainedTwiceAndFreedOnceOnRelease() throws Exception {
    for (boolean direct : new boolean[] {false, true}) {
      AtomicInteger closes = new AtomicInteger();
      InputStream in = inbound(closes, direct, "hello ".getBytes(), "world".getBytes());

      WireMessage m = RESPONSES.parse(in);
      in.close(); // what grpc does with the stream it handed over: the detached buffers must survive it
      assertThat(m.holdsBuffers()).isTrue();
      assertThat(m.length()).isEqualTo(11);
      assertThat(closes).hasValue(0);

      for (int i = 0; i < 2; i++) {
        InputStream out = RESPONSES.stream(m);
        assertThat(out).isInstanceOf(Drainable.class);
        assertThat(out.available()).isEqualTo(11);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThat(((Drainable) out).drainTo(sink)).isEqualTo(11);
        assertThat(sink.toString()).isEqualTo("hello world");
        out.close();
      }
      assertThat(RESPONSES.stream(m).readAllBytes()).isEqualTo("hello world".getBytes());
      assertThat(m.bytes()).isEqualTo("hello world".getBytes());
      assertThat(closes).hasValue(0);

      m.release();
      m.release();
      assertThat(closes).hasValue(2);
    }
  }

  @Test
  void aReleasedMessageCannotBeReadAgain() throws Exception {
    AtomicInteger closes = new AtomicInteger();
    WireMessage m = RESPONSES.parse(inbound(closes, true, new byte[] {1, 2, 3}));
    m.release();
    assertThat(closes).hasValue(1);
    assertThatThrownBy(() -> RESPONSES.stream(m)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(m::bytes).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aStreamWithoutBufferAccessIsCopiedOnce() {
    WireMessage m = RESPONSES.parse(new java.io.ByteArrayInputStream(new byte[] {4, 5}));
    assertThat(m.holdsBuffers()).isFalse();
    assertThat(m.bytes()).containsExactly(4, 5);
    m.release();
    assertThat(m.bytes()).containsExactly(4, 5);
  }
}
