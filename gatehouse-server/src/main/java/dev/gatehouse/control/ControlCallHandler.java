package dev.gatehouse.control;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.gatehouse.api.NamespaceReader;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CredentialHeaders;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.Face;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one Ops API method's calls through the {@link CallPipeline}: the request arrives as bytes, the namespace is
 * read from them for the decision, and only an admitted request is parsed into its type and handed to
 * {@link CloudOps} on the store executor. The answer is sent from the call's event loop, where every other
 * callback of the call runs, so the call needs no locks.
 */
final class ControlCallHandler implements ServerCallHandler<byte[], byte[]> {
  private static final Logger log = LoggerFactory.getLogger(ControlCallHandler.class);

  private final ApiMethod method;
  private final Message prototype;
  private final CallPipeline pipeline;
  private final CloudOps ops;
  private final GrantOps grants;
  private final ReviewOps reviews;
  private final Executor storeExecutor;
  private final Metadata.Key<String> tokenHeader;
  private final Metadata.Key<String> extraHeader;

  ControlCallHandler(ApiMethod method, Message prototype, CallPipeline pipeline, CloudOps ops, GrantOps grants,
      ReviewOps reviews, Executor storeExecutor, Metadata.Key<String> tokenHeader, Metadata.Key<String> extraHeader) {
    this.grants = grants;
    this.reviews = reviews;
    this.method = method;
    this.prototype = prototype;
    this.pipeline = pipeline;
    this.ops = ops;
    this.storeExecutor = storeExecutor;
    this.tokenHeader = tokenHeader;
    this.extraHeader = extraHeader;
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
    long start = System.nanoTime();
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    CredentialHeaders presented = CredentialHeaders.of(headers.getAll(tokenHeader), headers.getAll(extraHeader));
    AuthInfo credentials = new AuthInfo(presented.token(), presented.extra(), null, null, remote);
    CallContext context = CallContext.arrived(Face.CONTROL, method, headers)
        .credentials(credentials, presented.ambiguous())
        .remoteAddress(remote)
        .startNanos(start)
        .build();
    EventExecutor current = ThreadExecutorMap.currentExecutor();
    Executor loop = current != null ? current : Runnable::run;
    Exchange exchange = new Exchange(call, context, loop);
    pipeline.authenticate(context, loop, exchange::authenticated);
    return exchange;
  }



  private enum Phase { IDENTIFYING, READING, ADMITTING, SERVING, DONE }

  private final class Exchange extends ServerCall.Listener<byte[]> {
    private final ServerCall<byte[], byte[]> call;
    private final CallContext context;
    private final Executor loop;
    private Phase phase = Phase.IDENTIFYING;
    private byte[] request;

    Exchange(ServerCall<byte[], byte[]> call, CallContext context, Executor loop) {
      this.call = call;
      this.context = context;
      this.loop = loop;
    }

    void authenticated(GateVerdict verdict) {
      if (phase != Phase.IDENTIFYING) {
        return;
      }
      if (verdict instanceof GateVerdict.Refuse refuse) {
        finish(refuse.status(), 0);
        return;
      }
      phase = Phase.READING;
      call.request(2);
    }

    @Override
    public void onMessage(byte[] message) {
      if (phase != Phase.READING) {
        return;
      }
      if (message == ControlPlaneServer.UNREADABLE) {
        finish(Status.INVALID_ARGUMENT.withDescription("request message could not be read"), 0);
        return;
      }
      if (request != null) {
        finish(Status.INVALID_ARGUMENT.withDescription("more than one request message for a single-request method"),
            0);
        return;
      }
      request = message;
    }

    @Override
    public void onHalfClose() {
      if (phase != Phase.READING) {
        return;
      }
      if (request == null) {
        finish(Status.INVALID_ARGUMENT.withDescription("no request message"), 0);
        return;
      }
      String namespace;
      try {
        namespace = NamespaceReader.read(request, method.namespaceFieldNumber());
      } catch (InvalidProtocolBufferException e) {
        finish(Status.INVALID_ARGUMENT.withDescription("malformed request message"), 0);
        return;
      }
      context.requestRead(namespace, request);
      phase = Phase.ADMITTING;
      pipeline.admit(context, loop, this::admitted);
    }

    private void admitted(GateVerdict verdict) {
      if (phase != Phase.ADMITTING) {
        return;
      }
      if (verdict instanceof GateVerdict.Refuse refuse) {
        finish(refuse.status(), 0);
        return;
      }
      Message typed;
      try {
        typed = prototype.getParserForType().parseFrom(request);
      } catch (InvalidProtocolBufferException e) {
        finish(Status.INVALID_ARGUMENT.withDescription("malformed " + method.methodName() + " request"), 0);
        return;
      }
      phase = Phase.SERVING;
      request = null;
      context.releaseRequest();
      Claims caller = context.access().claims();
      CompletableFuture<Message> answer;
      try {
        boolean access = dev.gatehouse.api.ApiCatalog.ACCESS.equals(method.serviceName());
        boolean review = dev.gatehouse.api.ApiCatalog.REVIEW.equals(method.serviceName());
        answer = CompletableFuture.supplyAsync(() -> review ? reviews.handle(method.methodName(), typed, caller)
            : access ? grants.handle(method.methodName(), typed, caller)
            : ops.handle(method.methodName(), typed, caller), storeExecutor);
      } catch (RejectedExecutionException e) {
        finish(Status.UNAVAILABLE.withDescription("the control plane is shutting down"), 0);
        return;
      }
      answer.whenCompleteAsync(this::answered, loop);
    }

    private void answered(Message response, Throwable failure) {
      if (phase != Phase.SERVING) {
        return;
      }
      Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
          ? c.getCause() : failure;
      if (cause instanceof OpsException ops) {
        finish(ops.status(), 0);
        return;
      }
      if (cause != null) {
        log.error("{} failed", method.fullName(), cause);
        finish(Status.INTERNAL.withDescription("internal error"), 0);
        return;
      }
      byte[] bytes = response.toByteArray();
      try {
        call.sendHeaders(new Metadata());
        call.sendMessage(bytes);
      } catch (IllegalStateException cancelled) {
        phase = Phase.DONE;
        pipeline.close(context, Status.CANCELLED.withDescription("the caller cancelled the call"), 0, 0);
        return;
      }
      finish(Status.OK, bytes.length);
    }

    @Override
    public void onCancel() {
      if (phase != Phase.DONE) {
        // A change already handed to the store goes on; its answer is dropped.
        phase = Phase.DONE;
        request = null;
        pipeline.close(context, Status.CANCELLED.withDescription("the caller cancelled the call"), 0, 0);
      }
    }

    private void finish(Status status, long responseBytes) {
      phase = Phase.DONE;
      request = null;
      try {
        call.close(status, new Metadata());
      } catch (IllegalStateException alreadyClosed) {
        // The caller went away first.
      }
      pipeline.close(context, status, 0, responseBytes);
    }
  }
}
