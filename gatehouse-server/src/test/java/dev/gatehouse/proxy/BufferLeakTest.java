package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Proves the data plane frees every transport buffer it holds (responses stay in the upstream's buffers until sent
 * on): each path a call can take runs under Netty's paranoid leak detector ({@link ParanoidLeaks}).
 */
class BufferLeakTest {
  private static final String START = WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName();
  private static final int RESPONSE = 64 * 1024;

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

  @Test
  void noCallPathLeavesATransportBufferUnreleased() throws Exception {
    ScriptedUpstream up = new ScriptedUpstream();
    closeables.add(up);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DataPlane dp = gateway(up.address(), meters, call -> {
      String marker = call.headers().get(PATH);
      if ("refuse".equals(marker)) {
        return GateVerdict.refuse(Status.PERMISSION_DENIED.withDescription("refused by the test"));
      }
      if ("filter".equals(marker)) {
        return GateVerdict.admitRewriting(UnaryOperator.identity());
      }
      if ("filter-fails".equals(marker)) {
        return GateVerdict.admitRewriting(r -> {
          throw new IllegalStateException("filter failed on purpose");
        });
      }
      return GateVerdict.admit();
    });
    ManagedChannel ch = channelTo(dp.port());
    byte[] response = new byte[RESPONSE];
    Arrays.fill(response, (byte) 7);

    // Normal completion, several times (the upstream's buffers are reused across calls).
    up.answer(r -> CompletableFuture.completedFuture(response));
    for (int i = 0; i < 20; i++) {
      assertThat(call(ch, "normal", start(), 10_000)).isEqualTo(response);
    }
    // A response filter reads the bytes as an array; one that fails drops the message.
    assertThat(call(ch, "filter", start(), 10_000)).isEqualTo(response);
    assertThat(status(() -> call(ch, "filter-fails", start(), 10_000))).isEqualTo(Status.Code.INTERNAL);
    // Refused before forwarding.
    assertThat(status(() -> call(ch, "refuse", start(), 10_000))).isEqualTo(Status.Code.PERMISSION_DENIED);
    // A request over the message size limit.
    assertThat(status(() -> call(ch, "normal", new byte[8 * 1024], 10_000))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    // gzip'd requests (as SDKs send them): one that inflates within the limit passes, one past it is refused.
    assertThat(callGzip(ch, start(), 10_000)).isEqualTo(response);
    assertThat(status(() -> callGzip(ch, new byte[64 * 1024], 10_000))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    // An upstream error.
    up.answer(r -> CompletableFuture.failedFuture(Status.NOT_FOUND.withDescription("no such thing").asException()));
    assertThat(status(() -> call(ch, "normal", start(), 10_000))).isEqualTo(Status.Code.NOT_FOUND);

    // Deadline: the upstream answers only after the caller's deadline passed.
    CompletableFuture<byte[]> late = new CompletableFuture<>();
    up.answer(r -> late);
    assertThat(status(() -> call(ch, "normal", start(), 300))).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    late.complete(response);

    // Client cancel while the upstream is answering: the answer comes after the cancel.
    up.received.clear();
    CompletableFuture<byte[]> afterCancel = new CompletableFuture<>();
    up.answer(r -> afterCancel);
    ClientCall<byte[], byte[]> cancelled = ch.newCall(raw(), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    Metadata h = new Metadata();
    h.put(PATH, "normal");
    cancelled.start(new ClientCall.Listener<>() {}, h);
    cancelled.sendMessage(start());
    cancelled.halfClose();
    cancelled.request(1);
    assertThat(up.received.poll(10, TimeUnit.SECONDS)).isNotNull();
    cancelled.cancel("the test cancels", null);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        meters.find("gatehouse.calls").tag("status", "CANCELLED").counter() != null);
    afterCancel.complete(response);

    // The upstream unreachable.
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    DataPlane nowhere = gateway(new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort), meters,
        call -> GateVerdict.admit());
    assertThat(status(() -> call(channelTo(nowhere.port()), "normal", start(), 10_000)))
        .isEqualTo(Status.Code.UNAVAILABLE);

    // Still working after all that, then everything closed so its buffers are garbage too.
    up.answer(r -> CompletableFuture.completedFuture(response));
    assertThat(call(ch, "normal", start(), 10_000)).isEqualTo(response);
    closeAll();

    leaks.assertNoLeaks();
  }

  private static final Metadata.Key<String> PATH = Metadata.Key.of("x-test-path", Metadata.ASCII_STRING_MARSHALLER);

  private DataPlane gateway(InetSocketAddress upstream, SimpleMeterRegistry meters, TestPipelines.SyncGate gate) {
    CallPipeline pipeline = TestPipelines.open().gate(TestPipelines.sync(gate)).build();
    DataPlane dp = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(upstream)
        .maxMessageBytes(4 * 1024)
        .connectTimeout(Duration.ofSeconds(5))
        .meterRegistry(meters)
        .shutdownGrace(Duration.ofSeconds(5))
        .pipeline(pipeline)
        .build()
        .start();
    closeables.add(dp);
    return dp;
  }

  private ManagedChannel channelTo(int port) {
    ManagedChannel ch = NettyChannelBuilder.forAddress(InetAddress.getLoopbackAddress().getHostAddress(), port)
        .usePlaintext()
        .maxInboundMessageSize(DataPlane.MAX_MESSAGE_BYTES)
        .build();
    closeables.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  private void closeAll() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
    closeables.clear();
  }

  private static MethodDescriptor<byte[], byte[]> raw() {
    return MethodDescriptor.<byte[], byte[]>newBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES)
        .setFullMethodName(START)
        .setType(MethodDescriptor.MethodType.UNARY)
        .build();
  }

  private static byte[] start() {
    return StartWorkflowExecutionRequest.newBuilder().setNamespace("ns-a").setWorkflowId("wf").build().toByteArray();
  }

  private static byte[] call(ManagedChannel ch, String path, byte[] request, long deadlineMillis) {
    Metadata h = new Metadata();
    h.put(PATH, path);
    return ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(ch, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h)),
        raw(), CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS), request);
  }

  private static byte[] callGzip(ManagedChannel ch, byte[] request, long deadlineMillis) {
    Metadata h = new Metadata();
    h.put(PATH, "normal");
    return ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(ch, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h)),
        raw(), CallOptions.DEFAULT.withCompression("gzip").withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS),
        request);
  }

  private static Status.Code status(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return Status.Code.OK;
  }
}
