package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.PrincipalHeaders;
import dev.gatehouse.auth.Role;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.pipeline.CallPipeline;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pipeline's identify and authorize stages as the data plane runs them: status codes, principal headers and the ListNamespaces filter. */
class AccessStagesTest {
  private static final Metadata.Key<String> AUTHZ = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> PRINCIPAL =
      Metadata.Key.of(PrincipalHeaders.NAME, Metadata.ASCII_STRING_MARSHALLER);

  private ScriptedUpstream upstream;
  private DataPlane dataPlane;
  private ManagedChannel channel;
  private AccessController access;

  @AfterEach
  void tearDown() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (dataPlane != null) {
      dataPlane.close();
    }
    if (access != null) {
      access.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  /** A gateway whose claim mapper reads "Bearer reader-of-ns-a" style test tokens: ns-a:read, or nothing. */
  private void start(boolean propagatePrincipal) throws Exception {
    upstream = new ScriptedUpstream();
    Authorization config = new Authorization(null, null, null, "default", "default", null, null, null, null, false,
        propagatePrincipal, null, null, null);
    access = AccessController.builder(config)
        .claimMapper(info -> switch (info.authToken() == null ? "" : info.authToken()) {
          case "Bearer reader-of-ns-a" -> new Claims("reader", Role.UNDEFINED, Map.of("ns-a", Role.READER), "test", null);
          case "Bearer nobody" -> new Claims("nobody", Role.UNDEFINED, Map.of(), "test", null);
          default -> throw new dev.gatehouse.auth.AuthenticationException("unknown test token");
        })
        .build();
    dataPlane = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(upstream.address())
        .pipeline(CallPipeline.builder(access).build())
        .build()
        .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", dataPlane.port()).usePlaintext().build();
  }

  private byte[] call(MethodDescriptor<?, ?> method, byte[] request, String token) {
    Metadata h = new Metadata();
    if (token != null) {
      h.put(AUTHZ, token);
    }
    MethodDescriptor<byte[], byte[]> raw = method.toBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES).build();
    return ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h)),
        raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
  }

  private static Status.Code code(Runnable r) {
    try {
      r.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void refusalsUseGrpcMeaningsAndNeverReachTheUpstream() throws Exception {
    start(false);
    byte[] startA = StartWorkflowExecutionRequest.newBuilder().setNamespace("ns-a").build().toByteArray();
    var startMethod = WorkflowServiceGrpc.getStartWorkflowExecutionMethod();
    assertThat(code(() -> call(startMethod, startA, null))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(code(() -> call(startMethod, startA, "Bearer forged"))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThatThrownBy(() -> call(startMethod, startA, "Bearer reader-of-ns-a"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).isEqualTo("Request unauthorized.");
        });
    byte[] noNamespace = StartWorkflowExecutionRequest.newBuilder().setWorkflowId("w").build().toByteArray();
    assertThat(code(() -> call(startMethod, noNamespace, "Bearer reader-of-ns-a"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(upstream.received).isEmpty();
  }

  @Test
  void twoTokensAreRefusedRatherThanGuessedBetween() throws Exception {
    start(false);
    byte[] describe = io.temporal.api.workflowservice.v1.DescribeNamespaceRequest.newBuilder().setNamespace("ns-a")
        .build().toByteArray();
    MethodDescriptor<byte[], byte[]> raw = WorkflowServiceGrpc.getDescribeNamespaceMethod()
        .toBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES).build();
    for (String[] tokens : new String[][] {{"Bearer reader-of-ns-a", "Bearer nobody"}, {"Bearer nobody", "Bearer reader-of-ns-a"}}) {
      Metadata h = new Metadata();
      h.put(AUTHZ, tokens[0]);
      h.put(AUTHZ, tokens[1]);
      assertThat(code(() -> ClientCalls.blockingUnaryCall(
          io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h)),
          raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), describe)))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    assertThat(upstream.received).isEmpty();
    // one token is fine
    assertThat(code(() -> call(WorkflowServiceGrpc.getDescribeNamespaceMethod(), describe, "Bearer reader-of-ns-a")))
        .isEqualTo(Status.Code.OK);
  }

  @Test
  void listNamespacesShowsOnlyWhatTheCallerMayRead() throws Exception {
    start(false);
    ListNamespacesResponse all = ListNamespacesResponse.newBuilder()
        .addNamespaces(DescribeNamespaceResponse.newBuilder().setNamespaceInfo(NamespaceInfo.newBuilder().setName("ns-a")))
        .addNamespaces(DescribeNamespaceResponse.newBuilder().setNamespaceInfo(NamespaceInfo.newBuilder().setName("ns-b")))
        .addNamespaces(DescribeNamespaceResponse.newBuilder().setNamespaceInfo(NamespaceInfo.newBuilder().setName("ns-c")))
        .build();
    upstream.answer(r -> CompletableFuture.completedFuture(all.toByteArray()));

    byte[] bytes = call(WorkflowServiceGrpc.getListNamespacesMethod(), ListNamespacesRequest.getDefaultInstance().toByteArray(),
        "Bearer reader-of-ns-a");

    assertThat(ListNamespacesResponse.parseFrom(bytes).getNamespacesList())
        .extracting(n -> n.getNamespaceInfo().getName()).containsExactly("ns-a");
    // A caller who can read nothing is not even asked upstream.
    assertThat(code(() -> call(WorkflowServiceGrpc.getListNamespacesMethod(),
        ListNamespacesRequest.getDefaultInstance().toByteArray(), "Bearer nobody"))).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void theVerifiedPrincipalIsSentUpstreamWhenConfiguredAndAForgedOneNever() throws Exception {
    start(true);
    Metadata forged = new Metadata();
    forged.put(PRINCIPAL, "admin");
    forged.put(AUTHZ, "Bearer reader-of-ns-a");
    MethodDescriptor<byte[], byte[]> raw = WorkflowServiceGrpc.getDescribeNamespaceMethod()
        .toBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES).build();
    ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(forged)),
        raw, CallOptions.DEFAULT, io.temporal.api.workflowservice.v1.DescribeNamespaceRequest.newBuilder()
            .setNamespace("ns-a").build().toByteArray());
    ScriptedUpstream.Received r = upstream.received.poll(5, TimeUnit.SECONDS);
    assertThat(r.headers().getAll(PRINCIPAL)).containsExactly("reader");
  }
}
