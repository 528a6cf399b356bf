package dev.gatehouse.proxy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gatehouse.tls.PeerCertificate;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one method's calls upstream as opaque bytes, after the pipeline has admitted them.
 *
 * <p>The upstream {@link ClientCall} is created inside the server call's listener callbacks, so it inherits the
 * call's {@link io.grpc.Context}: the caller's deadline applies upstream and a cancelled caller cancels the
 * upstream call, with no extra wiring.
 */
final class ProxyCallHandler implements ServerCallHandler<byte[], byte[]> {
  private static final Logger log = LoggerFactory.getLogger(ProxyCallHandler.class);
  static final Metadata.Key<String> NAMESPACE_HEADER =
      Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER);

  private final ProxiedMethod method;
  private final Channel upstream;
  private final CallGate[] gates;
  private final CallMetrics metrics;
  private final UpstreamFailures failures;

  ProxyCallHandler(
      ProxiedMethod method, Channel upstream, List<CallGate> gates, CallMetrics metrics, UpstreamFailures failures) {
    this.method = method;
    this.upstream = upstream;
    this.gates = gates.toArray(CallGate[]::new);
    this.metrics = metrics;
    this.failures = failures;
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
    ForwardedHeaders.sanitizeRequest(headers);
    // Ask for two so a second request message on a single-request method is seen and refused.
    call.request(2);
    return new Exchange(call, headers, System.nanoTime());
  }

  private final class Exchange extends ServerCall.Listener<byte[]> {
    private final ServerCall<byte[], byte[]> call;
    private final Metadata headers;
    private final long startNanos;
    private byte[] request;
    private boolean done;

    Exchange(ServerCall<byte[], byte[]> call, Metadata headers, long startNanos) {
      this.call = call;
      this.headers = headers;
      this.startNanos = startNanos;
    }

    @Override
    public void onMessage(byte[] message) {
      if (done) {
        return;
      }
      if (request != null) {
        finish(Status.INVALID_ARGUMENT.withDescription("more than one request message for a single-request method"));
        return;
      }
      request = message;
    }

    @Override
    public void onHalfClose() {
      if (done) {
        return;
      }
      if (request == null) {
        finish(Status.INVALID_ARGUMENT.withDescription("no request message"));
        return;
      }
      String namespace;
      try {
        namespace = NamespaceReader.read(request, method.namespaceField());
      } catch (InvalidProtocolBufferException e) {
        finish(Status.INVALID_ARGUMENT.withDescription("malformed request message"));
        return;
      }
      if (method.namespaceField() != 0 && !headerAgrees(headers, namespace)) {
        // The body is what the upstream acts on; a header may only agree with it (invariant 2).
        finish(Status.INVALID_ARGUMENT.withDescription("temporal-namespace header does not match the request's namespace"));
        return;
      }
      PeerCertificate peer = call.getAttributes().get(PeerIdentityFilter.PEER_CERTIFICATE);
      InboundCall inbound =
          new InboundCall(
              method.fullMethodName(),
              namespace,
              headers,
              peer,
              call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
              request);
      UnaryOperator<byte[]> rewriter = null;
      for (CallGate gate : gates) {
        GateVerdict verdict;
        try {
          verdict = gate.admit(inbound);
        } catch (Exception | LinkageError e) {
          log.error("call refused: pipeline stage {} failed on {}", gate.getClass().getName(), method.fullMethodName(), e);
          finish(Status.INTERNAL.withDescription("request could not be checked"));
          return;
        }
        if (verdict instanceof GateVerdict.Refuse refuse) {
          finish(refuse.status());
          return;
        }
        if (verdict instanceof GateVerdict.Admit admit && admit.responseRewriter() != null) {
          rewriter = rewriter == null ? admit.responseRewriter() : compose(rewriter, admit.responseRewriter());
        } else if (verdict == null) {
          log.error("call refused: pipeline stage {} returned no verdict", gate.getClass().getName());
          finish(Status.INTERNAL.withDescription("request could not be checked"));
          return;
        }
      }
      forward(rewriter);
    }

    private void forward(UnaryOperator<byte[]> rewriter) {
      ClientCall<byte[], byte[]> upstreamCall = upstream.newCall(method.descriptor(), CallOptions.DEFAULT);
      done = true;
      upstreamCall.start(new Relay(call, upstreamCall, rewriter, startNanos), headers);
      upstreamCall.sendMessage(request);
      upstreamCall.halfClose();
      upstreamCall.request(1);
      request = null;
    }

    private void finish(Status status) {
      done = true;
      request = null;
      call.close(status, new Metadata());
      metrics.record(method, status.getCode(), System.nanoTime() - startNanos);
    }
  }

  /** Every {@code temporal-namespace} header value, if any, must name the body's namespace. */
  private static boolean headerAgrees(Metadata headers, String namespace) {
    Iterable<String> values = headers.getAll(NAMESPACE_HEADER);
    if (values == null) {
      return true;
    }
    for (String v : values) {
      if (!v.equals(namespace)) {
        return false;
      }
    }
    return true;
  }

  private static UnaryOperator<byte[]> compose(UnaryOperator<byte[]> first, UnaryOperator<byte[]> second) {
    return bytes -> second.apply(first.apply(bytes));
  }

  /** Relays the upstream's answer to the caller. Callbacks arrive serialized, one call at a time. */
  private final class Relay extends ClientCall.Listener<byte[]> {
    private final ServerCall<byte[], byte[]> call;
    private final ClientCall<byte[], byte[]> upstreamCall;
    private final UnaryOperator<byte[]> rewriter;
    private final long startNanos;
    private boolean headersSent;
    private boolean failed;

    Relay(
        ServerCall<byte[], byte[]> call,
        ClientCall<byte[], byte[]> upstreamCall,
        UnaryOperator<byte[]> rewriter,
        long startNanos) {
      this.call = call;
      this.upstreamCall = upstreamCall;
      this.rewriter = rewriter;
      this.startNanos = startNanos;
    }

    @Override
    public void onHeaders(Metadata upstreamHeaders) {
      ForwardedHeaders.sanitizeResponse(upstreamHeaders);
      call.sendHeaders(upstreamHeaders);
      headersSent = true;
    }

    @Override
    public void onMessage(byte[] message) {
      if (failed) {
        return;
      }
      byte[] out = message;
      if (rewriter != null) {
        try {
          out = rewriter.apply(message);
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
      metrics.record(method, out.getCode(), System.nanoTime() - startNanos);
    }
  }
}
