package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DataPlaneTest {
  private static final String START = WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName();
  private static final Metadata.Key<String> CUSTOM = Metadata.Key.of("x-custom", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FORGED =
      Metadata.Key.of("temporal-principal-subject", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FORGED_OWN = Metadata.Key.of("gatehouse-role", Metadata.ASCII_STRING_MARSHALLER);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private ScriptedUpstream upstream() throws Exception {
    ScriptedUpstream u = new ScriptedUpstream();
    closeables.add(u);
    return u;
  }

  private DataPlane gateway(InetSocketAddress upstream, TestPipelines.SyncGate... gates) {
    CallPipeline.Builder pipeline = TestPipelines.open();
    for (TestPipelines.SyncGate g : gates) {
      pipeline.gate(TestPipelines.sync(g));
    }
    DataPlane dp =
        DataPlane.builder()
            .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .upstream(upstream)
            .meterRegistry(meters)
            .shutdownGrace(Duration.ofSeconds(20))
            .pipeline(pipeline.build())
            .build()
            .start();
    closeables.add(dp);
    return dp;
  }

  private ManagedChannel channelTo(DataPlane dp) {
    ManagedChannel ch = NettyChannelBuilder.forAddress(InetAddress.getLoopbackAddress().getHostAddress(), dp.port()).usePlaintext().build();
    closeables.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  private static MethodDescriptor<byte[], byte[]> raw(String fullName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES)
        .setFullMethodName(fullName)
        .setType(MethodDescriptor.MethodType.UNARY)
        .build();
  }

  private static byte[] start(String namespace) {
    return StartWorkflowExecutionRequest.newBuilder().setNamespace(namespace).setWorkflowId("wf").build().toByteArray();
  }

  private static byte[] call(ManagedChannel ch, String method, byte[] request, Metadata headers) {
    return ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(headers)),
        raw(method),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        request);
  }

  @Test
  void forwardsAdmittedCallsWithHeadersAndDeadlineButNotForgedIdentity() throws Exception {
    ScriptedUpstream up = upstream();
    up.answer(r -> CompletableFuture.completedFuture(new byte[] {0x0a, 0x01, 'x'}));
    List<CallContext> seen = new CopyOnWriteArrayList<>();
    DataPlane dp = gateway(up.address(), c -> {
      seen.add(c);
      return GateVerdict.admit();
    });
    Metadata h = new Metadata();
    h.put(CUSTOM, "v1");
    h.put(FORGED, "admin");
    h.put(FORGED_OWN, "admin");

    byte[] response = call(channelTo(dp), START, start("ns-a"), h);

    assertThat(response).containsExactly(0x0a, 0x01, 'x');
    ScriptedUpstream.Received r = up.received.poll(5, TimeUnit.SECONDS);
    assertThat(r.method()).isEqualTo(START);
    assertThat(r.request()).isEqualTo(start("ns-a"));
    assertThat(r.headers().get(CUSTOM)).isEqualTo("v1");
    assertThat(r.headers().get(FORGED)).isNull();
    assertThat(r.headers().get(FORGED_OWN)).isNull();
    assertThat(r.deadline()).isNotNull();
    assertThat(r.deadline().timeRemaining(TimeUnit.SECONDS)).isLessThanOrEqualTo(10);
    assertThat(seen).singleElement().satisfies(c -> {
      assertThat(c.namespace()).isEqualTo("ns-a");
      assertThat(c.method().fullName()).isEqualTo("/" + START);
      assertThat(c.headers().get(FORGED)).isNull();
      assertThat(c.credentials().tlsPeer()).isNull();
    });
    assertThat(meters.get("gatehouse.calls").tag("status", "OK").counter().count()).isEqualTo(1.0);
  }

  @Test
  void messagesAboveGrpcsDefaultLimitPassBothWaysAsTheSdkSendsThem() throws Exception {
    ScriptedUpstream up = upstream();
    byte[] big = new byte[6 * 1024 * 1024]; // over grpc's 4 MiB default, under the SDK's 128 MB
    big[big.length - 1] = 7;
    up.answer(r -> CompletableFuture.completedFuture(big));
    DataPlane dp = gateway(up.address());
    StartWorkflowExecutionRequest request = StartWorkflowExecutionRequest.newBuilder().setNamespace("ns")
        .setInput(io.temporal.api.common.v1.Payloads.newBuilder().addPayloads(io.temporal.api.common.v1.Payload.newBuilder()
            .setData(com.google.protobuf.ByteString.copyFrom(big)))).build();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", dp.port()).usePlaintext()
        .maxInboundMessageSize(DataPlane.MAX_MESSAGE_BYTES).build();
    closeables.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

    byte[] response = call(ch, START, request.toByteArray(), new Metadata());

    assertThat(response).hasSize(big.length).endsWith(7);
    assertThat(up.received.poll(5, TimeUnit.SECONDS).request()).hasSize(request.getSerializedSize());
  }

  @Test
  void aRefusalAtTheSeamNeverReachesTheUpstream() throws Exception {
    ScriptedUpstream up = upstream();
    DataPlane dp = gateway(up.address(), c ->
        c.namespace().equals("forbidden")
            ? GateVerdict.refuse(Status.PERMISSION_DENIED.withDescription("Request unauthorized."))
            : GateVerdict.admit());
    ManagedChannel ch = channelTo(dp);

    assertThatThrownBy(() -> call(ch, START, start("forbidden"), new Metadata()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).isEqualTo("Request unauthorized.");
        });
    call(ch, START, start("allowed"), new Metadata());

    // The refused call finished before the allowed one was sent, so had it been forwarded it would be here too.
    assertThat(up.received).singleElement().satisfies(r -> assertThat(r.request()).isEqualTo(start("allowed")));
  }

  @Test
  void aFailingStageRefusesTheCall() throws Exception {
    ScriptedUpstream up = upstream();
    DataPlane dp = gateway(up.address(), c -> {
      throw new IllegalStateException("mapper exploded");
    });
    ManagedChannel ch = channelTo(dp);
    assertThatThrownBy(() -> call(ch, START, start("ns"), new Metadata()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).doesNotContain("exploded");
        });
    DataPlane nullVerdict = gateway(up.address(), c -> null);
    assertThatThrownBy(() -> call(channelTo(nullVerdict), START, start("ns"), new Metadata()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(up.received).isEmpty();
  }

  @Test
  void malformedRequestBytesGetInvalidArgumentAndAreNotForwarded() throws Exception {
    ScriptedUpstream up = upstream();
    DataPlane dp = gateway(up.address());
    ManagedChannel ch = channelTo(dp);
    byte[][] bad = {{(byte) 0xff, (byte) 0xff}, {0x0a, 0x7f, 'a'}, {0x0c}, {0x08, 0x01}};
    for (byte[] b : bad) {
      assertThatThrownBy(() -> call(ch, START, b, new Metadata()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(up.received).isEmpty();
    // the gateway is still healthy afterwards
    call(ch, START, start("ns"), new Metadata());
    assertThat(up.received).hasSize(1);
  }

  @Test
  void aNamespaceHeaderMustAgreeWithTheBody() throws Exception {
    ScriptedUpstream up = upstream();
    DataPlane dp = gateway(up.address());
    ManagedChannel ch = channelTo(dp);
    Metadata lying = new Metadata();
    lying.put(ProxyCallHandler.NAMESPACE_HEADER, "ns-a");
    assertThatThrownBy(() -> call(ch, START, start("ns-b"), lying))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(up.received).isEmpty();

    Metadata oneOfTwoLies = new Metadata();
    oneOfTwoLies.put(ProxyCallHandler.NAMESPACE_HEADER, "ns-b");
    oneOfTwoLies.put(ProxyCallHandler.NAMESPACE_HEADER, "ns-a");
    Metadata firstOfTwoLies = new Metadata();
    firstOfTwoLies.put(ProxyCallHandler.NAMESPACE_HEADER, "ns-a");
    firstOfTwoLies.put(ProxyCallHandler.NAMESPACE_HEADER, "ns-b");
    for (Metadata h : List.of(oneOfTwoLies, firstOfTwoLies)) {
      assertThatThrownBy(() -> call(ch, START, start("ns-b"), h))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(up.received).isEmpty();

    Metadata agreeing = new Metadata();
    agreeing.put(ProxyCallHandler.NAMESPACE_HEADER, "ns-b");
    call(ch, START, start("ns-b"), agreeing);
    assertThat(up.received).hasSize(1);
  }

  @Test
  void aCompressedRequestIsJudgedOnItsDecompressedNamespace() throws Exception {
    ScriptedUpstream up = upstream();
    List<String> namespaces = new CopyOnWriteArrayList<>();
    DataPlane dp = gateway(up.address(), c -> {
      namespaces.add(c.namespace());
      return c.namespace().equals("forbidden")
          ? GateVerdict.refuse(Status.PERMISSION_DENIED.withDescription("Request unauthorized."))
          : GateVerdict.admit();
    });
    ManagedChannel ch = channelTo(dp);
    CallOptions gzip = CallOptions.DEFAULT.withCompression("gzip").withDeadlineAfter(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, raw(START), gzip, start("forbidden")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    ClientCalls.blockingUnaryCall(ch, raw(START), gzip, start("allowed"));
    assertThat(namespaces).containsExactly("forbidden", "allowed");
    assertThat(up.received).singleElement().satisfies(r -> assertThat(r.request()).isEqualTo(start("allowed")));
  }

  @Test
  void methodNamesOutsideTheGeneratedDescriptorsAreUnimplementedAndNotForwarded() throws Exception {
    ScriptedUpstream up = upstream();
    DataPlane dp = gateway(up.address(), c -> GateVerdict.admit());
    ManagedChannel ch = channelTo(dp);
    for (String method : List.of(
        "temporal.api.workflowservice.v1.WorkflowService/startworkflowexecution",
        "temporal.api.workflowservice.v1.workflowservice/StartWorkflowExecution",
        "temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution/",
        "temporal.api.adminservice.v1.AdminService/DescribeCluster",
        "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")) {
      assertThatThrownBy(() -> call(ch, method, start("ns"), new Metadata()))
          .as(method)
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }
    assertThat(up.received).isEmpty();
  }

  @Test
  void responsesPassThroughTheRewriter() throws Exception {
    ScriptedUpstream up = upstream();
    up.answer(r -> CompletableFuture.completedFuture(new byte[] {1, 2, 3}));
    DataPlane dp = gateway(up.address(), c -> GateVerdict.admitRewriting(b -> new byte[] {9}));
    assertThat(call(channelTo(dp), START, start("ns"), new Metadata())).containsExactly(9);

    DataPlane failing = gateway(up.address(), c -> GateVerdict.admitRewriting(b -> {
      throw new IllegalStateException("cannot filter");
    }));
    assertThatThrownBy(() -> call(channelTo(failing), START, start("ns"), new Metadata()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
  }

  @Test
  void upstreamStatusAndTrailersComeBackUnchanged() throws Exception {
    ScriptedUpstream up = upstream();
    up.answer(r -> CompletableFuture.failedFuture(
        Status.ALREADY_EXISTS.withDescription("workflow already started").asRuntimeException()));
    DataPlane dp = gateway(up.address());
    assertThatThrownBy(() -> call(channelTo(dp), START, start("ns"), new Metadata()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
          assertThat(e.getStatus().getDescription()).isEqualTo("workflow already started");
        });
  }

  @Test
  void anUpstreamThatIsDownGivesUnavailableAndTheGatewayKeepsServing() throws Exception {
    InetSocketAddress nothingThere;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nothingThere = new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }
    DataPlane dp = gateway(nothingThere);
    ManagedChannel ch = channelTo(dp);
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> call(ch, START, start("ns"), new Metadata()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).startsWith("upstream unavailable");
          });
    }
    assertThat(dp.upstreamServing(Duration.ofMillis(500))).isFalse();
  }

  @Test
  void cancellingTheCallerCancelsTheUpstreamCall() throws Exception {
    ScriptedUpstream up = upstream();
    up.answer(r -> new CompletableFuture<>()); // never answers
    DataPlane dp = gateway(up.address());
    ManagedChannel ch = channelTo(dp);
    ClientCall<byte[], byte[]> c = ch.newCall(raw(START), CallOptions.DEFAULT);
    CompletableFuture<Status> closed = new CompletableFuture<>();
    c.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    c.sendMessage(start("ns"));
    c.halfClose();
    c.request(1);
    ScriptedUpstream.Received r = up.received.poll(10, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    assertThat(r.context().isCancelled()).isFalse();

    c.cancel("caller gave up", null);

    await().atMost(Duration.ofSeconds(10)).until(() -> r.context().isCancelled());
    assertThat(closed.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void theCallersDeadlineAppliesUpstream() throws Exception {
    ScriptedUpstream up = upstream();
    up.answer(r -> new CompletableFuture<>());
    DataPlane dp = gateway(up.address());
    ManagedChannel ch = channelTo(dp);
    Context.CancellableContext ctx = Context.current().withCancellation();
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    Thread t = Thread.ofVirtual().start(() -> {
      try {
        // Long enough that the call reaches the upstream before it expires even on a loaded 2-core machine.
        ClientCalls.blockingUnaryCall(ch, raw(START), CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), start("ns"));
      } catch (StatusRuntimeException e) {
        failure.complete(e);
      }
    });
    ScriptedUpstream.Received r = up.received.poll(10, TimeUnit.SECONDS);
    assertThat(r.deadline()).isNotNull();
    assertThat(r.deadline().timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(2000);
    assertThat(((StatusRuntimeException) failure.get(10, TimeUnit.SECONDS)).getStatus().getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    await().atMost(Duration.ofSeconds(10)).until(() -> r.context().isCancelled());
    t.join();
    ctx.close();
  }

  @Test
  void shutdownDrainsInFlightCalls() throws Exception {
    ScriptedUpstream up = upstream();
    CompletableFuture<byte[]> pending = new CompletableFuture<>();
    up.answer(r -> pending);
    DataPlane dp = gateway(up.address());
    ManagedChannel ch = channelTo(dp);
    // Own threads: the common pool may have a single worker on a 2-core machine.
    var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    closeables.add(threads::shutdownNow);
    CompletableFuture<byte[]> inFlight = CompletableFuture.supplyAsync(() -> call(ch, START, start("ns"), new Metadata()), threads);
    assertThat(up.received.poll(10, TimeUnit.SECONDS)).isNotNull();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(dp::close, threads);
    // New calls are refused once shutdown has begun, while the in-flight one is still running.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThatThrownBy(() -> call(channelTo(dp), GetSystemInfo(), GetSystemInfoRequest.getDefaultInstance().toByteArray(), new Metadata()))
            .isInstanceOf(StatusRuntimeException.class));
    assertThat(inFlight).isNotDone();
    assertThat(closing).isNotDone();

    pending.complete(new byte[] {0x0a, 0x00});

    assertThat(inFlight.get(10, TimeUnit.SECONDS)).containsExactly(0x0a, 0x00);
    closing.get(10, TimeUnit.SECONDS);
  }

  @SuppressWarnings("checkstyle:MethodName")
  private static String GetSystemInfo() {
    return WorkflowServiceGrpc.getGetSystemInfoMethod().getFullMethodName();
  }

  @Test
  void everyWorkflowAndOperatorServiceMethodIsServed() {
    DataPlane dp = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1))
        .pipeline(TestPipelines.open().build())
        .build();
    closeables.add(dp);
    int expected = WorkflowServiceGrpc.getServiceDescriptor().getMethods().size()
        + io.temporal.api.operatorservice.v1.OperatorServiceGrpc.getServiceDescriptor().getMethods().size()
        + io.grpc.health.v1.HealthGrpc.getServiceDescriptor().getMethods().size();
    assertThat(dp.servedMethods()).hasSize(expected).doesNotHaveDuplicates()
        .contains(START, "grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch");
  }
}
