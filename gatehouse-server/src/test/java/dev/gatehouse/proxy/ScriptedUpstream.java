package dev.gatehouse.proxy;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real gRPC server on loopback that answers any method with bytes chosen by the test and records what it
 * received, so tests can prove what did (and did not) reach the upstream.
 */
final class ScriptedUpstream implements AutoCloseable {
  record Received(String method, Metadata headers, byte[] request, Deadline deadline, Context context) {}

  final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final Server server;
  private volatile Function<Received, CompletableFuture<byte[]>> answer = r -> CompletableFuture.completedFuture(new byte[0]);

  ScriptedUpstream() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .fallbackHandlerRegistry(new AnyMethod())
            .maxInboundMessageSize(DataPlane.MAX_MESSAGE_BYTES)
            .build()
            .start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
  }

  void answer(Function<Received, CompletableFuture<byte[]>> answer) {
    this.answer = answer;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class AnyMethod extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<byte[], byte[]> md =
          MethodDescriptor.<byte[], byte[]>newBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES)
              .setFullMethodName(methodName)
              .setType(MethodDescriptor.MethodType.UNARY)
              .build();
      return ServerMethodDefinition.create(md, new Handler(methodName));
    }
  }

  private final class Handler implements ServerCallHandler<byte[], byte[]> {
    private final String method;

    Handler(String method) {
      this.method = method;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      call.request(1);
      Context context = Context.current();
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          Received r = new Received(method, headers, message, context.getDeadline(), context);
          received.add(r);
          answer
              .apply(r)
              .whenComplete(
                  (bytes, error) -> {
                    synchronized (call) {
                      if (error != null) {
                        call.close(Status.fromThrowable(error), new Metadata());
                      } else {
                        call.sendHeaders(new Metadata());
                        call.sendMessage(bytes);
                        call.close(Status.OK, new Metadata());
                      }
                    }
                  });
        }
      };
    }
  }
}
