package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.config.Listen;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The frame forwarder ({@code listen.forwarder: frames}) on what only a frame-level relay sees: bodies that are not
 * one whole gRPC message, a caller resetting its stream mid-body, methods that do not exist; each answered with the
 * grpc forwarder's status, under Netty's paranoid leak detector (as {@link BufferLeakTest}, which covers the paths
 * both forwarders share and runs with frames in the {@code frames-forwarder} test execution).
 */
class FrameForwarderTest {
  private static final String START = WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName();
  private static final String PATH = "/" + START;
  private static final Listen FRAMES = new Listen(null, null, null, null, null, null, null, null, "frames");

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private ParanoidLeaks leaks;

  @BeforeEach
  void paranoid() {
    leaks = new ParanoidLeaks();
  }

  @AfterEach
  void restore() throws Exception {
    closeAll();
    leaks.close();
  }

  private void closeAll() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
    closeables.clear();
  }

  private DataPlane gateway(InetSocketAddress upstream, SimpleMeterRegistry meters) {
    CallPipeline pipeline = TestPipelines.open().gate(TestPipelines.sync(call ->
        "refuse".equals(call.headers().get(io.grpc.Metadata.Key.of("x-test", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
            ? GateVerdict.refuse(Status.PERMISSION_DENIED.withDescription("refused by the test"))
            : GateVerdict.admit())).build();
    DataPlane dp = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(upstream)
        .http2Limits(FRAMES)
        .maxMessageBytes(64 * 1024)
        .meterRegistry(meters)
        .shutdownGrace(Duration.ofSeconds(5))
        .pipeline(pipeline)
        .build()
        .start();
    closeables.add(dp);
    return dp;
  }

  private static byte[] start() {
    return StartWorkflowExecutionRequest.newBuilder().setNamespace("ns-a").setWorkflowId("wf").build().toByteArray();
  }

  private static byte[] framed(byte[]... messages) {
    int size = 0;
    for (byte[] m : messages) {
      size += 5 + m.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    for (byte[] m : messages) {
      b.put((byte) 0).putInt(m.length).put(m);
    }
    return b.array();
  }

  private static String code(Status.Code code) {
    return String.valueOf(code.value());
  }

  @Test
  void bodiesThatAreNotOneWholeMessageAreRefusedAndEveryBufferIsReleased() throws Exception {
    ScriptedUpstream up = new ScriptedUpstream();
    closeables.add(up);
    up.answer(r -> CompletableFuture.completedFuture(new byte[32 * 1024]));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DataPlane dp = gateway(up.address(), meters);
    RawHttp2Client c = new RawHttp2Client(dp.port());
    closeables.add(c);

    assertThat(c.raw(1, PATH, framed(start(), start())).grpcStatus()).isEqualTo(code(Status.Code.INVALID_ARGUMENT));
    byte[] cut = framed(start());
    assertThat(c.raw(3, PATH, java.util.Arrays.copyOf(cut, cut.length - 3)).grpcStatus())
        .isEqualTo(code(Status.Code.INTERNAL));
    assertThat(c.raw(5, PATH, new byte[0]).grpcStatus()).isEqualTo(code(Status.Code.INVALID_ARGUMENT));
    // A message declared past the limit is refused on its prefix, before its bytes are buffered.
    byte[] oversized = ByteBuffer.allocate(5 + 100).put((byte) 0).putInt(70 * 1024).array();
    assertThat(c.raw(7, PATH, oversized).grpcStatus()).isEqualTo(code(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(c.raw(9, "/temporal.api.workflowservice.v1.WorkflowService/NoSuchMethod", framed(start()))
        .grpcStatus()).isEqualTo(code(Status.Code.UNIMPLEMENTED));
    assertThat(c.unary(11, PATH, start(), "x-test", "refuse").grpcStatus())
        .isEqualTo(code(Status.Code.PERMISSION_DENIED));
    // A caller that resets its stream halfway through the body: the call is cancelled, nothing forwarded.
    c.resetMidBody(13, PATH, start(), 9);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        meters.find("gatehouse.calls").tag("status", "CANCELLED").counter() != null);
    assertThat(up.received).isEmpty();
    // The connection still serves, and the response comes back whole.
    RawHttp2Client.Outcome ok = c.unary(15, PATH, start());
    assertThat(ok.grpcStatus()).isEqualTo("0");
    assertThat(up.received.poll(10, TimeUnit.SECONDS)).isNotNull();

    // The upstream gone: UNAVAILABLE, and the gateway keeps serving.
    up.close();
    assertThat(c.unary(17, PATH, start()).grpcStatus()).isEqualTo(code(Status.Code.UNAVAILABLE));
    closeAll();

    leaks.assertNoLeaks();
  }
}
