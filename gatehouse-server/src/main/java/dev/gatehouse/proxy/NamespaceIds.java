package dev.gatehouse.proxy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The id of a namespace, by name, from the upstream's {@code DescribeNamespace}, remembered for a while. Asked only
 * for namespaces a caller is already authorized in, so the cache holds no more names than the callers' permissions
 * reach (and is bounded besides). One lookup per name is in flight at a time; a failed one is forgotten, so the
 * next call asks again. Nothing here blocks: a lookup completes on the channel's executor.
 */
final class NamespaceIds {
  static final Duration TTL = Duration.ofMinutes(5);
  /** A cached id that does not match may be stale (a namespace deleted and created again); ask again after this. */
  static final Duration MIN_REFRESH = Duration.ofSeconds(10);
  private static final Duration LOOKUP_DEADLINE = Duration.ofSeconds(10);
  private static final int MAX_ENTRIES = 10_000;

  private record Entry(CompletableFuture<String> id, long fetchedAtNanos) {}

  private final Supplier<Channel> channel;
  private final LongSupplier nanoTime;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  NamespaceIds(Supplier<Channel> channel, LongSupplier nanoTime) {
    this.channel = channel;
    this.nanoTime = nanoTime;
  }

  /**
   * The id of {@code namespace}. Fails with the upstream's status when it cannot say (NOT_FOUND for an unknown
   * namespace).
   *
   * @param headers the caller's forwarded headers, so the upstream authorizes the lookup as it would the call
   */
  CompletableFuture<String> idOf(String namespace, Metadata headers) {
    long now = nanoTime.getAsLong();
    Entry e = entries.get(namespace);
    if (e != null && (!e.id.isDone() || now - e.fetchedAtNanos < TTL.toNanos())) {
      return e.id;
    }
    return refresh(namespace, headers, e);
  }

  /**
   * Asks again when the cached id for {@code namespace} was fetched at least {@link #MIN_REFRESH} ago; otherwise
   * answers the cached one.
   */
  CompletableFuture<String> recheck(String namespace, Metadata headers) {
    Entry e = entries.get(namespace);
    if (e != null && (!e.id.isDone() || nanoTime.getAsLong() - e.fetchedAtNanos < MIN_REFRESH.toNanos())) {
      return e.id;
    }
    return refresh(namespace, headers, e);
  }

  private CompletableFuture<String> refresh(String namespace, Metadata headers, Entry previous) {
    CompletableFuture<String> id = new CompletableFuture<>();
    Entry fresh = new Entry(id, nanoTime.getAsLong());
    boolean mine = previous == null ? entries.putIfAbsent(namespace, fresh) == null
        : entries.replace(namespace, previous, fresh);
    if (!mine) {
      Entry winner = entries.get(namespace);
      return winner != null ? winner.id : idOf(namespace, headers);
    }
    if (entries.size() > MAX_ENTRIES) {
      entries.clear();
      entries.put(namespace, fresh);
    }
    id.whenComplete((value, failure) -> {
      if (failure != null) {
        entries.remove(namespace, fresh);
      }
    });
    lookup(namespace, headers, id);
    return id;
  }

  private void lookup(String namespace, Metadata headers, CompletableFuture<String> id) {
    // Shared by every call that waits for it: not bound to the first caller's deadline or cancellation.
    Context previous = Context.ROOT.attach();
    try {
      ClientCall<DescribeNamespaceRequest, DescribeNamespaceResponse> call = channel.get().newCall(
          WorkflowServiceGrpc.getDescribeNamespaceMethod(),
          CallOptions.DEFAULT.withDeadlineAfter(LOOKUP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
      Metadata sent = new Metadata();
      sent.merge(headers);
      ClientCalls.asyncUnaryCall(new HeaderedCall<>(call, sent),
          DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(DescribeNamespaceResponse r) {
              String value = r.getNamespaceInfo().getId();
              if (value.isEmpty()) {
                id.completeExceptionally(Status.UNAVAILABLE.withDescription("no namespace id").asRuntimeException());
              } else {
                id.complete(value);
              }
            }

            @Override
            public void onError(Throwable t) {
              id.completeExceptionally(t instanceof StatusRuntimeException ? t
                  : Status.fromThrowable(t).asRuntimeException());
            }

            @Override
            public void onCompleted() {
              id.completeExceptionally(Status.UNAVAILABLE.withDescription("no answer").asRuntimeException());
            }
          });
    } catch (RuntimeException e) {
      id.completeExceptionally(e);
    } finally {
      Context.ROOT.detach(previous);
    }
  }

  /** Starts the call with the caller's headers (ClientCalls starts calls with empty ones). */
  private static final class HeaderedCall<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
    private final Metadata headers;

    HeaderedCall(ClientCall<Q, R> delegate, Metadata headers) {
      super(delegate);
      this.headers = headers;
    }

    @Override
    public void start(Listener<R> listener, Metadata ignored) {
      super.start(listener, headers);
    }
  }
}
