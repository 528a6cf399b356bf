package dev.gatehouse.webui;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.gatehouse.api.ByteMarshaller;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.history.v1.History;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetClusterInfoResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * TEST-ONLY upstream stub, between Gatehouse and the embedded Temporal test server. The in-memory test server does
 * not implement the visibility and cluster calls the Web UI makes; this stub answers exactly those from what the
 * test server does know (the workflows the test registered, described and read upstream), and passes every other
 * call through as raw bytes. Gatehouse treats it as any upstream: nothing in Gatehouse's code knows about it.
 *
 * <p>Answered here: ListNamespaces, GetClusterInfo, ListWorkflowExecutions, CountWorkflowExecutions,
 * DescribeTaskQueue, GetWorkflowExecutionHistoryReverse and OperatorService.ListSearchAttributes.
 */
final class VisibilityStubUpstream implements AutoCloseable {
  private final Server server;
  private final List<WorkflowExecution> known = new CopyOnWriteArrayList<>();

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = ByteMarshaller.BYTES;

  private VisibilityStubUpstream(Server server) {
    this.server = server;
  }

  /** Listens on a free loopback port with {@code tls}, forwarding to {@code upstream}. */
  static VisibilityStubUpstream start(SslContext tls, ManagedChannel upstream) throws IOException {
    VisibilityStubUpstream[] self = new VisibilityStubUpstream[1];
    WorkflowServiceGrpc.WorkflowServiceBlockingStub real = WorkflowServiceGrpc.newBlockingStub(upstream);
    Map<String, Function<byte[], Message>> answered = Map.of(
        WorkflowServiceGrpc.getListNamespacesMethod().getFullMethodName(), req -> ListNamespacesResponse.newBuilder()
            .addNamespaces(real.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("default")
                .build()).toBuilder().setNamespaceInfo(NamespaceInfo.newBuilder().setName("default")
                    .setState(NamespaceState.NAMESPACE_STATE_REGISTERED)))
            .build(),
        WorkflowServiceGrpc.getGetClusterInfoMethod().getFullMethodName(), req -> GetClusterInfoResponse.newBuilder()
            .setServerVersion("1.28.0").setClusterName("test").setClusterId("test-cluster")
            .putSupportedClients("temporal-ui", ">=2.0.0").setVisibilityStore("test-stub").build(),
        WorkflowServiceGrpc.getListWorkflowExecutionsMethod().getFullMethodName(), req -> {
          String ns = parse(req, ListWorkflowExecutionsRequest.parser()).getNamespace();
          ListWorkflowExecutionsResponse.Builder b = ListWorkflowExecutionsResponse.newBuilder();
          for (WorkflowExecution e : self[0].known) {
            b.addExecutions(real.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(ns).setExecution(e).build()).getWorkflowExecutionInfo());
          }
          return b.build();
        },
        WorkflowServiceGrpc.getCountWorkflowExecutionsMethod().getFullMethodName(),
            req -> CountWorkflowExecutionsResponse.newBuilder().setCount(self[0].known.size()).build(),
        WorkflowServiceGrpc.getDescribeTaskQueueMethod().getFullMethodName(),
            req -> DescribeTaskQueueResponse.getDefaultInstance(),
        WorkflowServiceGrpc.getGetWorkflowExecutionHistoryReverseMethod().getFullMethodName(), req -> {
          GetWorkflowExecutionHistoryReverseRequest r = parse(req, GetWorkflowExecutionHistoryReverseRequest.parser());
          GetWorkflowExecutionHistoryResponse h = real.getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest
              .newBuilder().setNamespace(r.getNamespace()).setExecution(r.getExecution()).build());
          List<io.temporal.api.history.v1.HistoryEvent> events = new ArrayList<>(h.getHistory().getEventsList());
          java.util.Collections.reverse(events);
          return GetWorkflowExecutionHistoryReverseResponse.newBuilder()
              .setHistory(History.newBuilder().addAllEvents(events)).build();
        },
        OperatorServiceGrpc.getListSearchAttributesMethod().getFullMethodName(),
            req -> ListSearchAttributesResponse.getDefaultInstance());

    HandlerRegistry registry = new HandlerRegistry() {
      @Override
      public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.newBuilder(BYTES, BYTES)
            .setFullMethodName(methodName).setType(MethodDescriptor.MethodType.UNARY).build();
        Function<byte[], Message> local = answered.get(methodName);
        ServerCallHandler<byte[], byte[]> handler = ServerCalls.asyncUnaryCall(
            (byte[] request, StreamObserver<byte[]> out) -> {
              try {
                if (local != null) {
                  out.onNext(local.apply(request).toByteArray());
                } else {
                  out.onNext(ClientCalls.blockingUnaryCall((Channel) upstream, method, CallOptions.DEFAULT
                      .withDeadlineAfter(70, java.util.concurrent.TimeUnit.SECONDS), request));
                }
                out.onCompleted();
              } catch (RuntimeException e) {
                out.onError(Status.fromThrowable(e).asRuntimeException());
              }
            });
        return ServerMethodDefinition.create(method, handler);
      }
    };
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(tls).fallbackHandlerRegistry(registry).build().start();
    self[0] = new VisibilityStubUpstream(server);
    return self[0];
  }

  private static <T> T parse(byte[] bytes, com.google.protobuf.Parser<T> parser) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INVALID_ARGUMENT.asRuntimeException();
    }
  }

  /** Makes {@code execution} one of the workflows ListWorkflowExecutions reports. */
  void register(WorkflowExecution execution) {
    known.add(execution);
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
