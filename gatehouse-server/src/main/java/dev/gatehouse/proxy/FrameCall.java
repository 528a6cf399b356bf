package dev.gatehouse.proxy;

import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufInputStream;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.buffer.CompositeByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ResetFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannel;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call of the frame forwarder: the handler of the caller's HTTP/2 stream, and of the upstream stream it opens.
 * It runs the same steps as {@link ProxyCallHandler} (through {@link CallSteps} and the {@link
 * dev.gatehouse.pipeline.CallPipeline}), but on frames: the request's DATA is parsed only to find the one message
 * the pipeline reads, and is forwarded as the bytes the caller sent; the response's HEADERS, DATA and trailers are
 * relayed frame by frame, messages untouched unless a response filter must read them.
 *
 * <p>Both streams belong to the caller's connection's event loop (the upstream connection is that loop's), and a
 * pending pipeline stage resumes there, so every method here runs on one thread and needs no lock.
 *
 * <p>Flow control: both streams read only when asked ({@code autoRead} off), and a stream returns window to its
 * peer only for what it has read. The caller's body is not read before the caller is identified (so an unknown
 * caller can make the gateway hold at most one stream window); the request is then read whole (the namespace may be
 * anywhere in it), bounded by the message size limit; the response is read from the upstream only while the
 * caller's stream can take more.
 */
final class FrameCall extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(FrameCall.class);

  private enum Phase { HEADERS, IDENTIFYING, READING, ADMITTING, FORWARDING, FORWARDED, DONE }

  private final FrameServer.Shared shared;
  private final FrameServer.ConnectionState connection;
  private Http2StreamChannel client;
  private EventLoop loop;
  private Phase phase = Phase.HEADERS;
  private ProxiedMethod method;
  private CallContext context;
  private CharSequence timeout;
  private CharSequence encoding;
  private boolean requestEnded;
  private CompositeByteBuf body;
  private final FrameWire.MessageScanner requestScanner = new FrameWire.MessageScanner();
  private Http2StreamChannel upstream;
  private Relay relay;
  private long forwardedAt;
  private long deadlineNanos = -1;

  FrameCall(FrameServer.Shared shared, FrameServer.ConnectionState connection) {
    this.shared = shared;
    this.connection = connection;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    client = (Http2StreamChannel) ctx.channel();
    loop = client.eventLoop();
    client.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Http2HeadersFrame h) {
        if (phase == Phase.HEADERS) {
          onHeaders(h);
        } else if (h.isEndStream()) {
          // Request trailers: only the end of the request matters.
          onEndOfRequest();
        }
      } else if (msg instanceof Http2DataFrame d) {
        onData(d);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    // Netty hands RST_STREAM over as an event, not a read: it is not flow-controlled and must arrive unasked.
    if (evt instanceof Http2ResetFrame) {
      clientGone();
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    clientGone();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (client.isWritable() && relay != null) {
      relay.resume();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A stream error on the caller's side (Netty has answered it); never a stack trace from caller input.
    log.debug("caller stream failed: {}", cause.toString());
    clientGone();
    ctx.close();
  }

  // ---- the request ----

  private void onHeaders(Http2HeadersFrame frame) {
    long start = System.nanoTime();
    Http2Headers h = frame.headers();
    requestEnded = frame.isEndStream();
    CharSequence contentType = h.get(FrameWire.CONTENT_TYPE);
    if (!FrameWire.POST.contentEquals(h.method()) || contentType == null
        || !contentType.toString().startsWith("application/grpc")) {
      // Not gRPC at all: what grpc-java answers (415 and a status), no call to observe.
      phase = Phase.DONE;
      Http2Headers answer = FrameWire.trailers(Status.INTERNAL.withDescription("not a gRPC request"), new Metadata(),
          true).status("415");
      client.writeAndFlush(new DefaultHttp2HeadersFrame(answer, true)).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    CharSequence path = h.path();
    method = path == null ? null : shared.method(path);
    if (method == null) {
      phase = Phase.DONE;
      String name = path == null ? "" : path.toString().substring(path.length() > 0 ? 1 : 0);
      answer(Status.UNIMPLEMENTED.withDescription("Method not found: " + name));
      return;
    }
    timeout = h.get(FrameWire.GRPC_TIMEOUT);
    encoding = h.get(FrameWire.GRPC_ENCODING);
    Metadata headers;
    try {
      headers = FrameWire.metadata(h);
    } catch (RuntimeException badBinaryValue) {
      phase = Phase.DONE;
      answer(Status.INVALID_ARGUMENT.withDescription("invalid header value"));
      return;
    }
    Status refused = CallSteps.sanitize(headers, method, shared.pipeline(), shared.warnings(), connection.remote(),
        start);
    if (refused != null) {
      phase = Phase.DONE;
      answer(refused);
      return;
    }
    PeerIdentityFilter.Identity id = connection.identity();
    context = CallSteps.arrived(method, headers, shared.tokenHeader(), shared.extraHeader(), id.peer(),
        id.serverName(), connection.remote(), start);
    phase = Phase.IDENTIFYING;
    shared.pipeline().authenticate(context, loop, this::authenticated);
  }

  private void authenticated(GateVerdict verdict) {
    if (phase != Phase.IDENTIFYING) {
      return;
    }
    if (verdict instanceof GateVerdict.Refuse refuse) {
      // Refused on its headers: the body is never read.
      finish(refuse.status());
      return;
    }
    phase = Phase.READING;
    body = client.alloc().compositeBuffer(Integer.MAX_VALUE);
    if (requestEnded) {
      onEndOfRequest();
    } else {
      client.read();
    }
  }

  private void onData(Http2DataFrame frame) {
    if (phase != Phase.READING) {
      return;
    }
    ByteBuf content = frame.content();
    requestScanner.scan(content);
    if (requestScanner.messages() > 1) {
      finish(CallSteps.secondMessage());
      return;
    }
    long declared = requestScanner.firstLength();
    if (declared > shared.maxMessageBytes()) {
      finish(Status.RESOURCE_EXHAUSTED.withDescription(
          "gRPC message exceeds maximum size " + shared.maxMessageBytes() + ": " + declared));
      return;
    }
    if (content.isReadable()) {
      body.addComponent(true, content.retain());
    }
    if (frame.isEndStream()) {
      onEndOfRequest();
    } else {
      client.read();
    }
  }

  private void onEndOfRequest() {
    if (phase != Phase.READING) {
      requestEnded = true;
      return;
    }
    if (requestScanner.messages() == 0 && !body.isReadable()) {
      finish(CallSteps.noMessage());
      return;
    }
    if (!requestScanner.atBoundary() || requestScanner.messages() == 0) {
      finish(Status.INTERNAL.withDescription("Encountered end-of-stream mid-frame"));
      return;
    }
    byte[] request = requestBytes();
    if (request == null) {
      return;
    }
    Status refused = CallSteps.unreadable(request, method, shared.warnings(), context.remoteAddress());
    if (refused == null) {
      refused = CallSteps.readRequest(method, context, request);
    }
    if (refused != null) {
      finish(refused);
      return;
    }
    phase = Phase.ADMITTING;
    shared.pipeline().admit(context, loop, this::admitted);
  }

  /** The request message as the pipeline reads it (inflated when the caller compressed it), or null when refused. */
  private byte[] requestBytes() {
    int length = body.readableBytes() - FrameWire.PREFIX;
    if (!requestScanner.compressed()) {
      return ByteBufUtil.getBytes(body, FrameWire.PREFIX, length);
    }
    if (encoding == null || !FrameWire.GZIP.contentEqualsIgnoreCase(encoding)) {
      finish(encoding == null
          ? Status.INTERNAL.withDescription("Can't decode compressed gRPC message as compression not configured")
          : Status.UNIMPLEMENTED.withDescription("Can't find decompressor for " + encoding));
      return null;
    }
    try (InputStream in = shared.gzip().decompress(new ByteBufInputStream(body.slice(FrameWire.PREFIX, length)))) {
      return readBounded(in, shared.maxMessageBytes());
    } catch (IOException | RuntimeException e) {
      return ProxiedMethod.UNREADABLE;
    }
  }

  /** Inflates at most {@code limit} bytes; {@link ProxiedMethod#TOO_LARGE} past it. */
  private static byte[] readBounded(InputStream in, int limit) throws IOException {
    byte[] buf = new byte[512];
    int n = 0;
    while (true) {
      if (n == buf.length) {
        if (n > limit) {
          return ProxiedMethod.TOO_LARGE;
        }
        buf = Arrays.copyOf(buf, (int) Math.min((long) n * 2, (long) limit + 1));
      }
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        return n > limit ? ProxiedMethod.TOO_LARGE : Arrays.copyOf(buf, n);
      }
      n += r;
    }
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
    phase = Phase.FORWARDING;
    relay = new Relay(rewriter);
    connection.upstream().openStream(relay, this::upstreamOpened);
  }

  private void upstreamOpened(Future<Http2StreamChannel> opened) {
    if (!opened.isSuccess()) {
      if (phase == Phase.FORWARDING) {
        complete(shared.failures().describe(method, Status.UNAVAILABLE.withCause(opened.cause())), new Metadata());
      }
      return;
    }
    upstream = opened.getNow();
    if (phase != Phase.FORWARDING) {
      // The caller went away while the stream was being opened.
      upstream.close();
      return;
    }
    phase = Phase.FORWARDED;
    Http2Headers h = new DefaultHttp2Headers(false)
        .method(FrameWire.POST)
        .scheme(shared.upstreamScheme())
        .path(shared.path(method))
        .authority(shared.upstreamAuthority())
        .add(FrameWire.CONTENT_TYPE, FrameWire.GRPC)
        .add(FrameWire.TE, FrameWire.TRAILERS);
    CharSequence deadline = deadline();
    if (deadline != null) {
      h.add(FrameWire.GRPC_TIMEOUT, deadline);
      forwardedAt = System.nanoTime();
      deadlineNanos = FrameWire.timeoutNanos(deadline);
    }
    if (requestScanner.compressed()) {
      // The caller's compressed bytes go on as they came.
      h.add(FrameWire.GRPC_ENCODING, FrameWire.GZIP);
    }
    FrameWire.addAll(h, context.headers());
    upstream.write(new DefaultHttp2HeadersFrame(h, false));
    ByteBuf request = body;
    body = null;
    context.releaseRequest();
    upstream.writeAndFlush(new DefaultHttp2DataFrame(request, true));
    upstream.read();
  }

  /** The caller's {@code grpc-timeout} as sent, unless an elevated grant ends sooner. */
  private CharSequence deadline() {
    long grantMillis = CallSteps.grantRemainingMillis(context);
    if (grantMillis < 0) {
      return timeout;
    }
    long grant = grantMillis * 1_000_000L;
    long own = FrameWire.timeoutNanos(timeout);
    return own >= 0 && own <= grant ? timeout : FrameWire.timeout(grant);
  }

  // ---- ends ----

  /** The caller reset its stream or its connection went: the call is cancelled, upstream too. */
  private void clientGone() {
    switch (phase) {
      case DONE -> { }
      case HEADERS -> phase = Phase.DONE;
      case FORWARDING, FORWARDED -> {
        phase = Phase.DONE;
        if (upstream != null) {
          // Closing an open stream resets it (CANCEL): the upstream stops working on the call.
          upstream.close();
        }
        shared.pipeline().close(context, Status.CANCELLED.withDescription("the caller cancelled the call"), 0,
            relay == null ? 0 : relay.responseBytes);
        releaseBody();
      }
      default -> {
        phase = Phase.DONE;
        releaseBody();
        shared.pipeline().close(context, Status.CANCELLED.withDescription("the caller cancelled the call"), 0, 0);
      }
    }
  }

  /** Refuses the call before anything was forwarded. */
  private void finish(Status status) {
    phase = Phase.DONE;
    releaseBody();
    // The end-of-call hook first: the caller may act on the answer at once (grpc-java queues its write instead).
    shared.pipeline().close(context, status, 0, 0);
    answer(status);
  }

  /**
   * Answers with a status alone (trailers-only), then closes the stream: a caller still sending is reset, so it
   * stops and its unread frames are dropped.
   */
  private void answer(Status status) {
    client.writeAndFlush(new DefaultHttp2HeadersFrame(FrameWire.trailers(status, new Metadata(), true), true))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /** Ends a forwarded call with {@code status} and {@code trailers} to the caller, then the end-of-call hook. */
  private void complete(Status status, Metadata trailers) {
    if (phase == Phase.DONE) {
      return;
    }
    phase = Phase.DONE;
    releaseBody();
    boolean trailersOnly = relay == null || !relay.headersSent;
    // The end-of-call hook before the trailers leave, as in finish.
    shared.pipeline().close(context, status, 0, relay == null ? 0 : relay.responseBytes);
    client.writeAndFlush(new DefaultHttp2HeadersFrame(FrameWire.trailers(status, trailers, trailersOnly), true))
        .addListener(ChannelFutureListener.CLOSE);
    connection.sent();
    if (upstream != null && upstream.isActive()) {
      upstream.close();
    }
  }

  private void releaseBody() {
    if (body != null) {
      body.release();
      body = null;
    }
    if (context != null) {
      context.releaseRequest();
    }
  }

  /**
   * The upstream stream's handler: relays the response to the caller. Frames are read one at a time and only while
   * the caller's stream is writable, so the upstream is sent window only as fast as the caller takes the response.
   */
  private final class Relay extends ChannelInboundHandlerAdapter {
    private final UnaryOperator<byte[]> rewriter;
    private final FrameWire.MessageScanner scanner = new FrameWire.MessageScanner();
    private CompositeByteBuf pending;
    private boolean headersSent;
    private boolean upstreamHeaders;
    private long responseBytes;
    private boolean waiting;

    Relay(UnaryOperator<byte[]> rewriter) {
      this.rewriter = rewriter;
    }

    void resume() {
      if (waiting && upstream != null && phase == Phase.FORWARDED) {
        waiting = false;
        upstream.read();
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (phase != Phase.FORWARDED) {
          return;
        }
        if (msg instanceof Http2HeadersFrame h) {
          onHeaders(h);
        } else if (msg instanceof Http2DataFrame d) {
          onData(d);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
      if (phase == Phase.FORWARDED) {
        if (client.isWritable()) {
          upstream.read();
        } else {
          waiting = true;
        }
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // What this batch of upstream frames wrote leaves in one flush (a completed call has flushed already).
      if (phase == Phase.FORWARDED) {
        client.flush();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2ResetFrame r && phase == Phase.FORWARDED) {
        // An upstream that gives up at the deadline we sent resets the stream; the caller hears what a grpc-java
        // client would have told it, DEADLINE_EXCEEDED.
        upstreamEnded(deadlineNanos >= 0 && System.nanoTime() - forwardedAt >= deadlineNanos
            ? Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after forwarding")
            : FrameWire.statusOfReset(r.errorCode()));
      }
      ReferenceCountUtil.release(evt);
    }

    private void onHeaders(Http2HeadersFrame frame) {
      Http2Headers h = frame.headers();
      Metadata metadata;
      try {
        metadata = FrameWire.metadata(h);
      } catch (RuntimeException e) {
        upstreamEnded(Status.INTERNAL.withDescription("malformed response headers from the upstream"));
        return;
      }
      if (!upstreamHeaders && !frame.isEndStream()) {
        upstreamHeaders = true;
        CharSequence status = h.status();
        if (status == null || !FrameWire.OK.contentEquals(status)) {
          complete(FrameWire.statusOf(h, new Metadata()), new Metadata());
          return;
        }
        ForwardedHeaders.sanitizeResponse(metadata);
        client.write(new DefaultHttp2HeadersFrame(FrameWire.responseHeaders(metadata), false));
        headersSent = true;
        connection.sent();
        return;
      }
      // Trailers, or a trailers-only answer.
      Status status = FrameWire.statusOf(h, metadata);
      if (pending != null && pending.isReadable()) {
        status = Status.INTERNAL.withDescription("response could not be filtered");
        metadata = new Metadata();
      }
      ForwardedHeaders.sanitizeResponse(metadata);
      complete(status, metadata);
    }

    private void onData(Http2DataFrame frame) {
      if (frame.isEndStream()) {
        upstreamEnded(Status.INTERNAL.withDescription("Received unexpected EOS on DATA frame from server"));
        return;
      }
      if (!headersSent) {
        upstreamEnded(Status.INTERNAL.withDescription("response data before response headers from the upstream"));
        return;
      }
      ByteBuf content = frame.content();
      if (rewriter == null) {
        scanner.scan(content);
        responseBytes = scanner.messageBytes();
        client.write(new DefaultHttp2DataFrame(content.retain(), false));
        connection.sent();
        return;
      }
      filter(content);
    }

    /** A response filter reads each whole message as one array: the only response path that copies it. */
    private void filter(ByteBuf content) {
      if (pending == null) {
        pending = client.alloc().compositeBuffer(Integer.MAX_VALUE);
      }
      pending.addComponent(true, content.retain());
      while (pending.readableBytes() >= FrameWire.PREFIX) {
        int flag = pending.getByte(pending.readerIndex());
        long length = pending.getUnsignedInt(pending.readerIndex() + 1);
        if (pending.readableBytes() < FrameWire.PREFIX + length) {
          return;
        }
        byte[] message = ByteBufUtil.getBytes(pending, pending.readerIndex() + FrameWire.PREFIX, (int) length);
        pending.skipBytes(FrameWire.PREFIX + (int) length);
        pending.discardReadComponents();
        byte[] out;
        try {
          if ((flag & 1) != 0) {
            throw new IllegalStateException("a compressed response cannot be filtered");
          }
          out = rewriter.apply(message);
        } catch (RuntimeException e) {
          // Never pass through what could not be filtered.
          log.error("response to {} could not be filtered; call failed", method.fullMethodName(), e);
          upstreamEnded(Status.INTERNAL.withDescription("response could not be filtered"));
          return;
        }
        ByteBuf framed = client.alloc().buffer(FrameWire.PREFIX + out.length);
        framed.writeByte(0).writeInt(out.length).writeBytes(out);
        responseBytes += out.length;
        client.write(new DefaultHttp2DataFrame(framed, false));
        connection.sent();
      }
    }

    /** The upstream stream ended without trailers (reset, closed connection) or must be given up. */
    private void upstreamEnded(Status status) {
      releasePending();
      complete(status, new Metadata());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      releasePending();
      if (phase == Phase.FORWARDED) {
        complete(shared.failures().describe(method,
            Status.UNAVAILABLE.withDescription("the upstream connection closed").withCause(
                new java.nio.channels.ClosedChannelException())), new Metadata());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (phase == Phase.FORWARDED) {
        complete(shared.failures().describe(method, Status.UNAVAILABLE.withCause(cause)), new Metadata());
      }
      ctx.close();
    }

    private void releasePending() {
      if (pending != null) {
        pending.release();
        pending = null;
      }
    }
  }
}
