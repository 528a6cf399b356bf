package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.gatehouse.MutableClock;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The namespace-id lookup behind the task-token check: cached, asked again only when it may be stale, fail closed. */
class NamespaceBindingTest {
  private static final String DESCRIBE = "temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace";
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Map<String, String> idsUpstream = new ConcurrentHashMap<>();
  private final AtomicInteger lookups = new AtomicInteger();
  private volatile Status failure;
  private ScriptedUpstream upstream;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private void startUpstream() throws Exception {
    upstream = new ScriptedUpstream();
    closeables.add(upstream);
    upstream.answer(r -> {
      if (!r.method().equals(DESCRIBE)) {
        return CompletableFuture.completedFuture(new byte[0]);
      }
      lookups.incrementAndGet();
      if (failure != null) {
        return CompletableFuture.failedFuture(failure.asRuntimeException());
      }
      try {
        String name = DescribeNamespaceRequest.parseFrom(r.request()).getNamespace();
        String id = idsUpstream.get(name);
        if (id == null) {
          return CompletableFuture.failedFuture(Status.NOT_FOUND.asRuntimeException());
        }
        return CompletableFuture.completedFuture(DescribeNamespaceResponse.newBuilder()
            .setNamespaceInfo(NamespaceInfo.newBuilder().setName(name).setId(id)).build().toByteArray());
      } catch (Exception e) {
        return CompletableFuture.failedFuture(e);
      }
    });
  }

  private ManagedChannel channel(int port) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    closeables.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  @Test
  void idsAreCachedAskedAgainWhenStaleAndFailuresAreForgotten() throws Exception {
    startUpstream();
    idsUpstream.put("ns-a", "id-1");
    ManagedChannel ch = channel(upstream.address().getPort());
    MutableClock clock = new MutableClock(Instant.EPOCH);
    NamespaceIds ids = new NamespaceIds(() -> ch, () -> clock.millis() * 1_000_000L);

    assertThat(ids.idOf("ns-a", new Metadata()).get(5, TimeUnit.SECONDS)).isEqualTo("id-1");
    assertThat(ids.idOf("ns-a", new Metadata()).get(5, TimeUnit.SECONDS)).isEqualTo("id-1");
    assertThat(lookups).hasValue(1);

    // The namespace is deleted and created again: a recheck within MIN_REFRESH answers the cached id...
    idsUpstream.put("ns-a", "id-2");
    assertThat(ids.recheck("ns-a", new Metadata()).get(5, TimeUnit.SECONDS)).isEqualTo("id-1");
    assertThat(lookups).hasValue(1);
    // ...after it, the upstream is asked again.
    clock.advance(NamespaceIds.MIN_REFRESH);
    assertThat(ids.recheck("ns-a", new Metadata()).get(5, TimeUnit.SECONDS)).isEqualTo("id-2");
    assertThat(lookups).hasValue(2);
    // And the cache expires on its own.
    clock.advance(NamespaceIds.TTL);
    idsUpstream.put("ns-a", "id-3");
    assertThat(ids.idOf("ns-a", new Metadata()).get(5, TimeUnit.SECONDS)).isEqualTo("id-3");

    // A failed lookup is not remembered: the next call asks again.
    failure = Status.UNAVAILABLE;
    assertThatThrownBy(() -> ids.idOf("ns-b", new Metadata()).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
    failure = null;
    idsUpstream.put("ns-b", "id-b");
    int before = lookups.get();
    assertThat(ids.idOf("ns-b", new Metadata()).get(5, TimeUnit.SECONDS)).isEqualTo("id-b");
    assertThat(lookups.get()).isEqualTo(before + 1);
  }

  @Test
  void aTokenWhoseNamespaceCannotBeResolvedIsRefusedAndNeverForwarded() throws Exception {
    startUpstream();
    failure = Status.UNAVAILABLE;
    DataPlane dp = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(upstream.address())
        .pipeline(TestPipelines.open().build())
        .build()
        .start();
    closeables.add(dp);
    var stub = WorkflowServiceGrpc.newBlockingStub(channel(dp.port())).withDeadlineAfter(10, TimeUnit.SECONDS);
    RespondActivityTaskCompletedRequest request = RespondActivityTaskCompletedRequest.newBuilder()
        .setNamespace("ns-a").setTaskToken(ByteString.copyFrom(TaskTokensTest.temporalToken("id-1"))).build();

    assertThatThrownBy(() -> stub.respondActivityTaskCompleted(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(upstream.received.stream().map(ScriptedUpstream.Received::method))
        .containsOnly(DESCRIBE);

    // Once the upstream answers, the matching id goes through and a foreign one does not.
    failure = null;
    idsUpstream.put("ns-a", "id-1");
    stub.respondActivityTaskCompleted(request);
    assertThatThrownBy(() -> stub.respondActivityTaskCompleted(request.toBuilder()
        .setTaskToken(ByteString.copyFrom(TaskTokensTest.temporalToken("id-of-ns-b"))).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(upstream.received.stream().map(ScriptedUpstream.Received::method)
        .filter(m -> m.endsWith("/RespondActivityTaskCompleted"))).hasSize(1);
  }
}
