package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthenticationException;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Role;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.pipeline.AuditHook;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline as the data plane drives it: a pending stage resumes on the call's own event loop, a caller that
 * goes away meanwhile never reaches the upstream, every call reaches the end-of-call hook exactly once, the audit
 * hook sees denials, and a caller without credentials is refused before its body is read.
 */
class PipelineThroughDataPlaneTest {
  private static final MethodDescriptor<byte[], byte[]> START = WorkflowServiceGrpc.getStartWorkflowExecutionMethod()
      .toBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES).build();
  private static final Metadata.Key<String> AUTHZ = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final long WAIT_SECONDS = 20;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final BlockingQueue<CallContext> closed = new LinkedBlockingQueue<>();
  private ScriptedUpstream upstream;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  /** Test tokens: "Bearer writer" may write in ns-a; "Bearer nobody" is known but holds nothing; others fail. */
  private AccessController access() {
    AccessController access = AccessController.builder(Authorization.DEFAULT)
        .claimMapper(info -> switch (info.authToken() == null ? "" : info.authToken()) {
          case "Bearer writer" -> new Claims("writer", Role.UNDEFINED, Map.of("ns-a", Role.WRITER), "test", null);
          case "Bearer nobody" -> new Claims("nobody", Role.UNDEFINED, Map.of(), "test", null);
          default -> throw new AuthenticationException("unknown test token");
        })
        .build();
    closeables.add(access);
    return access;
  }

  private DataPlane gateway(CallPipeline.Builder pipeline) throws Exception {
    upstream = new ScriptedUpstream();
    closeables.add(upstream);
    DataPlane dp = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(upstream.address())
        .pipeline(pipeline.observer(closed::add).build())
        .build()
        .start();
    closeables.add(dp);
    return dp;
  }

  private ManagedChannel channel(int port) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(DataPlane.MAX_MESSAGE_BYTES).build();
    closeables.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  private static byte[] start(String namespace) {
    return StartWorkflowExecutionRequest.newBuilder().setNamespace(namespace).setWorkflowId("wf").build().toByteArray();
  }

  private static ListenableFuture<byte[]> send(ManagedChannel ch, String token, byte[] request) {
    Metadata h = new Metadata();
    if (token != null) {
      h.put(AUTHZ, token);
    }
    return ClientCalls.futureUnaryCall(
        io.grpc.ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(h))
            .newCall(START, CallOptions.DEFAULT.withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)),
        request);
  }

  private static Status.Code codeOf(ListenableFuture<byte[]> call) throws Exception {
    try {
      call.get(WAIT_SECONDS, TimeUnit.SECONDS);
      return Status.Code.OK;
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    }
  }

  private CallContext nextClosed() throws InterruptedException {
    CallContext c = closed.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(c).as("a call reached the end-of-call hook").isNotNull();
    return c;
  }

  @Test
  void aStageCompletingOnAnotherThreadResumesTheCallOnItsOwnEventLoop() throws Exception {
    CompletableFuture<GateVerdict> pending = new CompletableFuture<>();
    CountDownLatch pendingReached = new CountDownLatch(1);
    AtomicReference<Thread> firstStage = new AtomicReference<>();
    AtomicReference<Thread> secondStage = new AtomicReference<>();
    DataPlane dp = gateway(CallPipeline.builder(access())
        .gate(call -> {
          firstStage.set(Thread.currentThread());
          pendingReached.countDown();
          return pending;
        })
        .gate(call -> {
          secondStage.set(Thread.currentThread());
          return GateVerdict.admitted();
        }));

    ListenableFuture<byte[]> call = send(channel(dp.port()), "Bearer writer", start("ns-a"));
    assertThat(pendingReached.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    Thread completer = new Thread(() -> pending.complete(GateVerdict.admit()), "test-completer");
    completer.start();
    completer.join();

    assertThat(codeOf(call)).isEqualTo(Status.Code.OK);
    assertThat(secondStage.get()).isSameAs(firstStage.get()).isNotEqualTo(completer);
    assertThat(firstStage.get().getName()).doesNotStartWith("test-");
    // Forwarding checks that it runs on the call's loop (LoopLocalUpstream.channel); the upstream got the call.
    assertThat(upstream.received.poll(WAIT_SECONDS, TimeUnit.SECONDS).request()).isEqualTo(start("ns-a"));
    assertThat(nextClosed().status().getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void aCallerThatCancelsWhileAStageIsPendingNeverReachesTheUpstream() throws Exception {
    CompletableFuture<GateVerdict> pending = new CompletableFuture<>();
    CountDownLatch pendingReached = new CountDownLatch(1);
    DataPlane dp = gateway(CallPipeline.builder(access())
        .gate(call -> {
          if (call.namespace().equals("ns-a") && pendingReached.getCount() > 0) {
            pendingReached.countDown();
            return pending;
          }
          return GateVerdict.admitted();
        }));
    ManagedChannel ch = channel(dp.port());

    ListenableFuture<byte[]> slow = send(ch, "Bearer writer", start("ns-a"));
    assertThat(pendingReached.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    slow.cancel(true);
    CallContext cancelled = nextClosed();
    assertThat(cancelled.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(cancelled.access().allowed()).isTrue();
    pending.complete(GateVerdict.admit());

    // Same connection, so the same event loop, which has run the resumed stage by the time this call is answered.
    assertThat(codeOf(send(ch, "Bearer writer", start("ns-a")))).isEqualTo(Status.Code.OK);
    assertThat(upstream.received).hasSize(1);
    assertThat(nextClosed().status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(closed).isEmpty();
    assertThatThrownBy(() -> slow.get()).isInstanceOf(CancellationException.class);
  }

  @Test
  void refusedCallsReachTheEndOfCallHookWithTheirStatus() throws Exception {
    DataPlane dp = gateway(CallPipeline.builder(access()));
    ManagedChannel ch = channel(dp.port());

    assertThat(codeOf(send(ch, "Bearer nobody", start("ns-a")))).isEqualTo(Status.Code.PERMISSION_DENIED);
    CallContext denied = nextClosed();
    assertThat(denied.status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.access().outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(denied.access().claims().subject()).isEqualTo("nobody");
    assertThat(denied.namespace()).isEqualTo("ns-a");
    assertThat(denied.latencyNanos()).isPositive();

    assertThat(codeOf(send(ch, null, start("ns-a")))).isEqualTo(Status.Code.UNAUTHENTICATED);
    CallContext anonymous = nextClosed();
    assertThat(anonymous.status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(anonymous.access().outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    assertThat(anonymous.namespace()).as("refused on its headers: the body was never read").isNull();

    assertThat(codeOf(send(ch, "Bearer forged", start("ns-a")))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(nextClosed().status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);

    assertThat(codeOf(send(ch, "Bearer writer", new byte[] {(byte) 0xff}))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    CallContext malformed = nextClosed();
    assertThat(malformed.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(malformed.access()).as("refused before its access was decided").isNull();

    assertThat(codeOf(send(ch, "Bearer writer", start("ns-a")))).isEqualTo(Status.Code.OK);
    CallContext admitted = nextClosed();
    assertThat(admitted.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(admitted.requestBytes()).isEqualTo(start("ns-a").length);
    assertThat(closed).isEmpty();
    assertThat(upstream.received).hasSize(1);
  }

  @Test
  void theAuditHookSeesEveryDecisionDenialsIncludedAndItsFailureRefusesTheCall() throws Exception {
    List<AccessCheck> heard = new ArrayList<>();
    AtomicReference<Boolean> failNext = new AtomicReference<>(false);
    AuditHook hook = call -> {
      synchronized (heard) {
        heard.add(call.access());
      }
      return failNext.get()
          ? CompletableFuture.failedFuture(new IOException("disk full"))
          : CompletableFuture.supplyAsync(() -> null);
    };
    DataPlane dp = gateway(CallPipeline.builder(access()).audit(hook));
    ManagedChannel ch = channel(dp.port());

    assertThat(codeOf(send(ch, "Bearer nobody", start("ns-a")))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(codeOf(send(ch, null, start("ns-a")))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(codeOf(send(ch, "Bearer writer", start("ns-a")))).isEqualTo(Status.Code.OK);
    failNext.set(true);
    assertThat(codeOf(send(ch, "Bearer writer", start("ns-a")))).isEqualTo(Status.Code.UNAVAILABLE);

    synchronized (heard) {
      assertThat(heard).extracting(AccessCheck::outcome).containsExactly(
          AccessCheck.Outcome.PERMISSION_DENIED, AccessCheck.Outcome.UNAUTHENTICATED,
          AccessCheck.Outcome.ALLOW, AccessCheck.Outcome.ALLOW);
    }
    // Only the call whose record was taken reached the upstream.
    assertThat(upstream.received).hasSize(1);
  }

  @Test
  void aCallerWithoutCredentialsSending100MiBIsRefusedWithoutTheGatewayReadingIt() throws Exception {
    DataPlane dp = gateway(CallPipeline.builder(access()));
    try (CountingRelay relay = new CountingRelay(dp.port())) {
      ManagedChannel ch = channel(relay.port());
      // Never parsed: a refusal on the headers leaves the body unread, whatever it holds.
      byte[] huge = new byte[100 * 1024 * 1024];

      assertThat(codeOf(send(ch, null, huge))).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(nextClosed().requestBytes()).isEqualTo(-1);
      ch.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
      relay.awaitClosed();

      // HTTP/2 flow control: without a request for the message, the caller can send at most the stream's window.
      assertThat(relay.toGateway.get()).isLessThan(8L * 1024 * 1024);
    }
    // The control: an identified caller's message is read in full (and then refused: zeros are not a request).
    try (CountingRelay relay = new CountingRelay(dp.port())) {
      ManagedChannel ch = channel(relay.port());
      assertThat(codeOf(send(ch, "Bearer writer", new byte[100 * 1024 * 1024])))
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      ch.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
      relay.awaitClosed();
      assertThat(relay.toGateway.get()).isGreaterThan(100L * 1024 * 1024);
    }
    assertThat(upstream.received).isEmpty();
  }

  /** A TCP relay in front of the gateway that counts the bytes the caller managed to send it. */
  private static final class CountingRelay implements AutoCloseable {
    final AtomicLong toGateway = new AtomicLong();
    private final ServerSocket listener;
    private final int target;
    private final CountDownLatch done = new CountDownLatch(1);
    private final List<Socket> sockets = new ArrayList<>();

    CountingRelay(int target) throws IOException {
      this.target = target;
      this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      Thread.ofPlatform().daemon().name("relay-accept").start(this::acceptOne);
    }

    int port() {
      return listener.getLocalPort();
    }

    private void acceptOne() {
      try {
        Socket caller = listener.accept();
        Socket gateway = new Socket(InetAddress.getLoopbackAddress(), target);
        synchronized (sockets) {
          sockets.add(caller);
          sockets.add(gateway);
        }
        Thread back = Thread.ofPlatform().daemon().name("relay-back").start(() -> pump(gateway, caller, null));
        pump(caller, gateway, toGateway);
        back.join();
      } catch (IOException | InterruptedException e) {
        // The test closed the relay.
      } finally {
        done.countDown();
      }
    }

    private static void pump(Socket from, Socket to, AtomicLong counter) {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          if (counter != null) {
            counter.addAndGet(n);
          }
          out.write(buffer, 0, n);
        }
      } catch (IOException e) {
        // One side closed: the relay ends.
      } finally {
        try {
          to.close();
          from.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }

    void awaitClosed() throws InterruptedException {
      assertThat(done.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Override
    public void close() throws IOException {
      listener.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
