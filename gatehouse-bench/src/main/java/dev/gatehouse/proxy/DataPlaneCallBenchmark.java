package dev.gatehouse.proxy;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.pipeline.CallPipeline;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One unary call through a data plane in this JVM (plaintext loopback, open pipeline: authorization runs, everyone
 * is allowed), against {@code direct}, the same call straight to the upstream. Run with {@code -prof gc}: the
 * difference of the two {@code gc.alloc.rate.norm} figures is what the gateway allocates per call (its own code,
 * grpc-java and Netty), and does not depend on how busy the machine is. {@code responseBytes} sizes the upstream's
 * answer (a DescribeNamespace-sized one, a 64 KiB history), {@code gzip} whether the request is compressed,
 * {@code forwarder} which forwarder the data plane runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DataPlaneCallBenchmark {
  private static final String START = WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName();
  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<byte[], byte[]> METHOD = MethodDescriptor.<byte[], byte[]>newBuilder(RAW, RAW)
      .setFullMethodName(START)
      .setType(MethodDescriptor.MethodType.UNARY)
      .build();

  @Param({"200", "65536"})
  public int responseBytes;

  /** Whether the client gzips its request, as the Temporal SDKs do. */
  @Param({"false", "true"})
  public boolean gzip;

  /** The data plane's forwarder ({@code listen.forwarder}): grpc-java on both legs, or HTTP/2 frames relayed. */
  @Param({"grpc", "frames"})
  public String forwarder;

  private CallOptions options;

  private Server upstream;
  private DataPlane gateway;
  private ManagedChannel toGateway;
  private ManagedChannel toUpstream;
  private byte[] request;

  @Setup(Level.Trial)
  public void start() throws IOException {
    byte[] response = new byte[responseBytes];
    upstream = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .directExecutor()
        .addService(ServerServiceDefinition.builder(new ServiceDescriptor("temporal.api.workflowservice.v1.WorkflowService", METHOD))
            .addMethod(ServerMethodDefinition.create(METHOD, answering(response)))
            .build())
        .build()
        .start();
    AccessController access = AccessController.builder(
        new Authorization(null, null, null, "noop", "noop", null, null, null)).build();
    gateway = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.getPort()))
        .meterRegistry(new SimpleMeterRegistry())
        .shutdownGrace(Duration.ofSeconds(1))
        .http2Limits(new dev.gatehouse.config.Listen(null, null, null, null, null, null, null, null, forwarder))
        .pipeline(CallPipeline.builder(access).build())
        .build()
        .start();
    toGateway = channel(gateway.port());
    toUpstream = channel(upstream.getPort());
    request = StartWorkflowExecutionRequest.newBuilder()
        .setNamespace("payments-prod").setWorkflowId("order-4711").setRequestId("9f1c2d3e-0000-4000-8000-000000000001")
        .build().toByteArray();
    options = gzip ? CallOptions.DEFAULT.withCompression("gzip") : CallOptions.DEFAULT;
  }

  private static ServerCallHandler<byte[], byte[]> answering(byte[] response) {
    return (call, headers) -> {
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          call.sendHeaders(new Metadata());
          call.sendMessage(response);
          call.close(Status.OK, new Metadata());
        }
      };
    };
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress(InetAddress.getLoopbackAddress().getHostAddress(), port)
        .usePlaintext()
        .directExecutor()
        .maxInboundMessageSize(DataPlane.MAX_MESSAGE_BYTES)
        .build();
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    toGateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    toUpstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Benchmark
  public byte[] throughGateway() {
    return ClientCalls.blockingUnaryCall(toGateway, METHOD, options, request);
  }

  @Benchmark
  public byte[] direct() {
    return ClientCalls.blockingUnaryCall(toUpstream, METHOD, options, request);
  }
}
