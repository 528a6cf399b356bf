package dev.gatehouse.proxy;

import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one method's calls through the {@link CallPipeline} and forwards admitted ones upstream as opaque bytes.
 * The order of the stages is the pipeline's (see there); this class is the gRPC transport for it.
 *
 * <p>Why not a chain of grpc-java {@code ServerInterceptor}s: the data plane's stages need the one request message
 * as bytes (the namespace is read from it) and run between the message and the upstream call, which an interceptor
 * chain in front of a handler cannot do without buffering the message a second time; every method here is unary.
 *
 * <p>Every callback of a call runs on its event loop (the server uses a direct executor), and a pending pipeline
 * stage resumes there too; so this class needs no locks, and the call is forwarded on that loop's own upstream
 * connection. The upstream {@link ClientCall} is created inside the server call's {@link Context}, so the caller's
 * deadline applies upstream and a cancelled caller cancels the upstream call.
 */
final class ProxyCallHandler implements ServerCallHandler<byte[], WireMessage> {
  private static final Logger log = LoggerFactory.getLogger(ProxyCallHandler.class);
  static final Metadata.Key<String> NAMESPACE_HEADER = CallSteps.NAMESPACE_HEADER;

  private final ProxiedMethod method;
  private final LoopLocalUpstream upstream;
  private final CallPipeline pipeline;
  private final UpstreamFailures failures;
  private final Metadata.Key<String> tokenHeader;
  private final Metadata.Key<String> extraHeader;
  private final InputWarnings warnings;

  ProxyCallHandler(ProxiedMethod method, LoopLocalUpstream upstream, CallPipeline pipeline, UpstreamFailures failures,
      Metadata.Key<String> tokenHeader, Metadata.Key<String> extraHeader, InputWarnings warnings) {
    this.method = method;
    this.upstream = upstream;
    this.pipeline = pipeline;
    this.failures = failures;
    this.tokenHeader = tokenHeader;
    this.extraHeader = extraHeader;
    this.warnings = warnings;
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], WireMessage> call, Metadata headers) {
    long start = System.nanoTime();
    Attributes attributes = call.getAttributes();
    SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    Status refused = CallSteps.sanitize(headers, method, pipeline, warnings, remote, start);
    if (refused != null) {
      // Refused before anything reads the headers: no identity, no decision.
      call.close(refused, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    EventLoop loop = upstream.loopOfCurrentThread();
    CallContext context = CallSteps.arrived(method, headers, tokenHeader, extraHeader,
        attributes.get(PeerIdentityFilter.PEER_CERTIFICATE), attributes.get(PeerIdentityFilter.SERVER_NAME), remote,
        start);
    Exchange exchange = new Exchange(call, context, loop);
    pipeline.authenticate(context, loop, exchange::authenticated);
    return exchange;
  }

  /** Where a call is in its life; every transition happens on the call's event loop. */
  private enum Phase { IDENTIFYING, READING, ADMITTING, FORWARDED, DONE }

  private final class Exchange extends ServerCall.Listener<byte[]> {
    private final ServerCall<byte[], WireMessage> call;
    private final CallContext context;
    private final EventLoop loop;
    private Phase phase = Phase.IDENTIFYING;
    private byte[] request;
    private Context grpcContext;

    Exchange(ServerCall<byte[], WireMessage> call, CallContext context, EventLoop loop) {
      this.call = call;
      this.context = context;
      this.loop = loop;
    }

    void authenticated(GateVerdict verdict) {
      if (phase != Phase.IDENTIFYING) {
        return;
      }
      if (verdict instanceof GateVerdict.Refuse refuse) {
        // Refused on its headers: no message was requested, so the body is never read.
        finish(refuse.status());
        return;
      }
      phase = Phase.READING;
      // Ask for two so a second request message on a single-request method is seen and refused.
      call.request(2);
    }

    @Override
    public void onMessage(byte[] message) {
      if (phase != Phase.READING) {
        return;
      }
      Status unreadable = CallSteps.unreadable(message, method, warnings, context.remoteAddress());
      if (unreadable != null) {
        finish(unreadable);
        return;
      }
      if (request != null) {
        finish(CallSteps.secondMessage());
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
        finish(CallSteps.noMessage());
        return;
      }
      Status refused = CallSteps.readRequest(method, context, request);
      if (refused != null) {
        finish(refused);
        return;
      }
      phase = Phase.ADMITTING;
      grpcContext = Context.current();
      pipeline.admit(context, loop, this::admitted);
    }

    private void admitted(GateVerdict verdict) {
      if (phase != Phase.ADMITTING) {
        // Cancelled while a stage was pending: the call was closed then and must not reach the upstream.
        return;
      }
      if (verdict instanceof GateVerdict.Refuse refuse) {
        finish(refuse.status());
        return;
      }
      UnaryOperator<byte[]> rewriter = ((GateVerdict.Admit) verdict).responseRewriter();
      if (grpcContext.isCancelled()) {
        cancelled();
        return;
      }
      if (Context.current() == grpcContext) {
        forward(rewriter);
      } else {
        // Resumed from a pending stage: the upstream call must still inherit the caller's deadline and cancellation.
        Context previous = grpcContext.attach();
        try {
          forward(rewriter);
        } finally {
          grpcContext.detach(previous);
        }
      }
    }

    private void forward(UnaryOperator<byte[]> rewriter) {
      ClientCall<byte[], WireMessage> upstreamCall =
          upstream.channel(loop).newCall(method.descriptor(), grantDeadline(CallOptions.DEFAULT));
      phase = Phase.FORWARDED;
      upstreamCall.start(new Relay(call, upstreamCall, rewriter, context), context.headers());
      upstreamCall.sendMessage(request);
      upstreamCall.halfClose();
      upstreamCall.request(1);
      request = null;
      context.releaseRequest();
    }

    /** A call made under an elevated grant does not outlive the grant ({@link CallSteps#grantRemainingMillis}). */
    private CallOptions grantDeadline(CallOptions options) {
      long millis = CallSteps.grantRemainingMillis(context);
      return millis < 0 ? options : options.withDeadlineAfter(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void onCancel() {
      if (phase != Phase.FORWARDED && phase != Phase.DONE) {
        cancelled();
      }
    }

    private void cancelled() {
      phase = Phase.DONE;
      request = null;
      pipeline.close(context, Status.CANCELLED.withDescription("the caller cancelled the call"), 0, 0);
    }

    private void finish(Status status) {
      phase = Phase.DONE;
      request = null;
      call.close(status, new Metadata());
      pipeline.close(context, status, 0, 0);
    }
  }

  /**
   * Relays the upstream's answer to the caller. Callbacks arrive serialized, on the call's event loop. Each response
   * message arrives still in the upstream transport's buffers and is released here once sent on or dropped.
   */
  private final class Relay extends ClientCall.Listener<WireMessage> {
    private final ServerCall<byte[], WireMessage> call;
    private final ClientCall<byte[], WireMessage> upstreamCall;
    private final UnaryOperator<byte[]> rewriter;
    private final CallContext context;
    private boolean headersSent;
    private boolean failed;
    private long responseBytes;

    Relay(
        ServerCall<byte[], WireMessage> call,
        ClientCall<byte[], WireMessage> upstreamCall,
        UnaryOperator<byte[]> rewriter,
        CallContext context) {
      this.call = call;
      this.upstreamCall = upstreamCall;
      this.rewriter = rewriter;
      this.context = context;
    }

    @Override
    public void onHeaders(Metadata upstreamHeaders) {
      ForwardedHeaders.sanitizeResponse(upstreamHeaders);
      call.sendHeaders(upstreamHeaders);
      headersSent = true;
    }

    @Override
    public void onMessage(WireMessage message) {
      try {
        relay(message);
      } finally {
        // The caller's framer has copied the bytes (sendMessage drains synchronously), or they were dropped.
        message.release();
      }
    }

    private void relay(WireMessage message) {
      if (failed) {
        return;
      }
      WireMessage out = message;
      if (rewriter != null) {
        try {
          // A filter reads the message as one array: the only response path that copies it.
          out = WireMessage.of(rewriter.apply(message.bytes()));
        } catch (RuntimeException e) {
          // Never pass through what could not be filtered.
          failed = true;
          log.error("response to {} could not be filtered; call failed", method.fullMethodName(), e);
          upstreamCall.cancel("response filtering failed", e);
          return;
        }
      }
      if (!headersSent) {
        call.sendHeaders(new Metadata());
        headersSent = true;
      }
      call.sendMessage(out);
      responseBytes += out.length();
      upstreamCall.request(1);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      Status out = status;
      if (failed) {
        out = Status.INTERNAL.withDescription("response could not be filtered");
        trailers = new Metadata();
      } else if (status.getCause() != null) {
        // A failure on our side of the upstream leg (connect, TLS, transport), not an answer from the upstream.
        out = failures.describe(method, status);
      }
      ForwardedHeaders.sanitizeResponse(trailers);
      try {
        call.close(out, trailers);
      } catch (IllegalStateException alreadyClosed) {
        // The caller went away first; nothing left to tell it.
      }
      pipeline.close(context, out, 0, responseBytes);
    }
  }
}
