package dev.gatehouse.codecserver;

import dev.gatehouse.pipeline.BodyBudget;
import dev.gatehouse.pipeline.BodyReader;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.EncryptionCodecException;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.Face;
import dev.gatehouse.pipeline.GateVerdict;
import dev.gatehouse.tls.HttpsListener;
import io.grpc.Metadata;
import io.grpc.Status;
import io.temporal.api.common.v1.Payload;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's codec server protocol over HTTP: {@code POST [/{namespace}]/encode|decode} with a Payloads JSON body,
 * the namespace in {@code X-Namespace} (or the path; both must agree when both are given) and the caller's
 * credentials in {@code Authorization}, {@code Authorization-Extras} and the verified TLS client certificate.
 *
 * <p>Order of checks: CORS and routing, then method, media type and declared size (cheap, reveal nothing), then the
 * {@link CallPipeline}'s identify, authorize and audit for the namespace, and only then is the body read and
 * parsed. Every encode or decode request reaches the pipeline's end-of-call observers, whatever its answer. Answers are short
 * and never carry a cause's details: which key, why a payload failed, or what a parser disliked stay in the
 * server.
 */
final class CodecHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(CodecHandler.class);

  static final String NAMESPACE_HEADER = "X-Namespace";
  static final String AUTHORIZATION = "Authorization";
  static final String AUTHORIZATION_EXTRAS = "Authorization-Extras";
  // Temporal's default limit for ids and names (limit.maxIDLength).
  static final int MAX_NAMESPACE_LENGTH = 1000;
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";

  private static final Metadata.Key<String> X_FORWARDED_FOR =
      Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);

  private final CallPipeline pipeline;
  private final NamespaceCodecs codecs;
  private final CorsPolicy cors;
  private final long maxBodyBytes;
  private final CodecMetrics metrics;
  private final BodyBudget budget;
  private final Duration bodyReadTimeout;

  CodecHandler(CallPipeline pipeline, NamespaceCodecs codecs, CorsPolicy cors, long maxBodyBytes,
      CodecMetrics metrics, BodyBudget budget, Duration bodyReadTimeout) {
    this.pipeline = pipeline;
    this.codecs = codecs;
    this.cors = cors;
    // A Java array holds at most ~2 GiB; anything near that is far beyond a sensible codec request anyway.
    this.maxBodyBytes = Math.min(maxBodyBytes, Integer.MAX_VALUE - 64);
    this.metrics = metrics;
    this.budget = budget;
    this.bodyReadTimeout = bodyReadTimeout;
  }

  private record Reply(int status, String contentType, String body) {
    static Reply text(int status, String message) {
      return new Reply(status, TEXT, message + "\n");
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    HttpFields.Mutable out = response.getHeaders();
    // Decoded payloads must not linger in shared or browser caches; responses differ by Origin.
    out.put(HttpHeader.CACHE_CONTROL, "no-store");
    out.put("X-Content-Type-Options", "nosniff");
    out.put(HttpHeader.VARY, "Origin");
    if (request.isSecure()) {
      // Browsers (the Web UI calls from one) then never try this host over plain HTTP, where tokens would leak.
      out.put(HttpHeader.STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (cors.allows(origin)) {
      // On every answer, errors included: without them the browser reports a CORS failure instead of the error.
      cors.addResponseHeaders(out, origin);
    }
    String path = Request.getPathInContext(request);
    CodecRoute route = CodecRoute.parse(path);
    boolean preflight = HttpMethod.OPTIONS.is(request.getMethod());
    if (route == null && isDownload(path)) {
      // The Web UI's external-payload download (storage references), which this codec server does not offer: a
      // clear answer the page can show, rather than a 404 it cannot read.
      Exchange exchange = new Exchange(request, response, callback, CodecMetrics.OTHER, start);
      exchange.reply(guarded(() -> {
        if (preflight) {
          if (!cors.allows(origin)) {
            return Reply.text(403, "origin not allowed");
          }
          cors.addPreflightHeaders(out, origin);
          return new Reply(204, null, null);
        }
        return new Reply(501, JSON, "{\"code\":12,\"message\":\"this codec server does not download external "
            + "payloads (POST /download is not implemented): payloads are stored inline\",\"details\":[]}\n");
      }));
      return true;
    }
    String tag = route == null ? CodecMetrics.OTHER
        : preflight ? CodecMetrics.PREFLIGHT : route.operation().pathSegment();
    Exchange exchange = new Exchange(request, response, callback, tag, start);
    if (route == null || preflight) {
      // Not an API call: no caller to identify (browsers send preflights without credentials).
      exchange.reply(guarded(() -> preflight ? preflight(route, origin, out) : Reply.text(404, "not found")));
      return true;
    }
    CallContext context = CallContext.arrived(Face.CODEC, method(route), forwardedHeaders(request))
        .credentials(authInfo(request), ambiguous(request))
        .remoteAddress(request.getConnectionMetaData().getRemoteSocketAddress())
        .startNanos(start)
        .operation(route.operation().pathSegment())
        .build();
    exchange.context = context;
    List<String> headerNamespaces = request.getHeaders().getValuesList(NAMESPACE_HEADER);
    String namespace = headerNamespaces.size() == 1 ? headerNamespaces.get(0) : route.pathNamespace();
    Reply early = guarded(() -> checkRequest(request, route, origin, out, headerNamespaces, namespace));
    if (early != null) {
      exchange.reply(early);
      return true;
    }
    Executor resume = request.getComponents().getExecutor();
    // The fixed order is the pipeline's: identify, then (the namespace is in the header, not the body) authorize and
    // audit, and only then is the body read.
    pipeline.authenticate(context, resume, identified -> {
      if (identified instanceof GateVerdict.Refuse refused) {
        exchange.reply(refusal(refused.status(), out));
        return;
      }
      context.requestRead(namespace, null);
      pipeline.admit(context, resume, admitted -> {
        if (admitted instanceof GateVerdict.Refuse refusedCall) {
          exchange.reply(refusal(refusedCall.status(), out));
          return;
        }
        EncryptionCodec codec = codecs.forNamespace(namespace);
        if (codec == null) {
          exchange.reply(Reply.text(400, "no codec keys for this namespace"));
          return;
        }
        // No thread waits for the body: the reader is called back as bytes arrive (slow callers hold sockets and
        // what they sent, within the budget, until the deadline).
        new BodyReader(request, maxBodyBytes, budget, (outcome, body) -> {
          try {
            exchange.reply(switch (outcome) {
              case COMPLETE -> guarded(() -> apply(codec, route, namespace, tag, body.bytes(), body.length()));
              case TOO_LARGE -> Reply.text(413, "request body too large");
              case OVER_BUDGET -> {
                out.put(HttpHeader.RETRY_AFTER, "1");
                yield Reply.text(503, "busy: too many request bodies in flight, retry");
              }
              case TIMED_OUT -> Reply.text(408, "request body not received in time");
              case FAILED -> Reply.text(400, "request body could not be read");
            });
          } finally {
            body.release();
          }
        }).start(bodyReadTimeout);
      });
    });
    return true;
  }

  /** One request's answer, written once, with its metrics and its end-of-call record. */
  private final class Exchange {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String tag;
    private final long start;
    private CallContext context;

    Exchange(Request request, Response response, Callback callback, String tag, long start) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.tag = tag;
      this.start = start;
    }

    void reply(Reply reply) {
      HttpFields.Mutable out = response.getHeaders();
      response.setStatus(reply.status());
      // A refused request's body is left unread. Whatever of it already arrived is dropped; if more is on its way
      // the connection cannot be reused, and the client must be told before it sends its next request on it.
      if (!request.consumeAvailable()) {
        out.put(HttpHeader.CONNECTION, "close");
      }
      metrics.request(tag, reply.status(), start);
      if (context != null) {
        pipeline.close(context, grpcStatusOf(reply.status()), reply.status(),
            reply.body() == null ? 0 : reply.body().length());
      }
      if (reply.body() == null) {
        response.write(true, null, callback);
      } else {
        out.put(HttpHeader.CONTENT_TYPE, reply.contentType());
        Content.Sink.write(response, true, reply.body(), callback);
      }
    }
  }

  /** {@code /download} or {@code /{namespace}/download}. */
  static boolean isDownload(String path) {
    if (path == null || !path.endsWith("/download")) {
      return false;
    }
    String prefix = path.substring(0, path.length() - "/download".length());
    return prefix.isEmpty() || (prefix.charAt(0) == '/' && prefix.indexOf('/', 1) < 0 && prefix.length() > 1);
  }

  private static Reply guarded(Supplier<Reply> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      log.warn("codec server: request failed: {}", e.getClass().getName());
      return Reply.text(500, "internal error");
    }
  }

  private ApiMethod method(CodecRoute route) {
    return Objects.requireNonNull(pipeline.catalog().find(route.operation().apiMethod()),
        "codec operations are checked as catalog methods");
  }

  /** What of the HTTP request the pipeline may see: never a credential, only where the call came from. */
  private static Metadata forwardedHeaders(Request request) {
    Metadata headers = new Metadata();
    String forwardedFor = request.getHeaders().get(HttpHeader.X_FORWARDED_FOR);
    if (forwardedFor != null) {
      headers.put(X_FORWARDED_FOR, forwardedFor);
    }
    return headers;
  }

  private Reply refusal(Status status, HttpFields.Mutable out) {
    String message = status.getDescription() == null ? status.getCode().name() : status.getDescription();
    return switch (status.getCode()) {
      case UNAUTHENTICATED -> {
        out.put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        yield Reply.text(401, message);
      }
      case PERMISSION_DENIED -> Reply.text(403, message);
      case INVALID_ARGUMENT -> Reply.text(400, message);
      case UNAVAILABLE -> Reply.text(503, message);
      default -> Reply.text(500, "internal error");
    };
  }

  /** The gRPC meaning of an HTTP answer, for the end-of-call record (Temporal's HTTP API mapping, reversed). */
  static Status grpcStatusOf(int httpStatus) {
    return switch (httpStatus) {
      case 200, 204 -> Status.OK;
      case 400, 415 -> Status.INVALID_ARGUMENT;
      case 401 -> Status.UNAUTHENTICATED;
      case 403 -> Status.PERMISSION_DENIED;
      case 404 -> Status.NOT_FOUND;
      case 405 -> Status.UNIMPLEMENTED;
      case 408 -> Status.DEADLINE_EXCEEDED;
      case 413 -> Status.RESOURCE_EXHAUSTED;
      case 503 -> Status.UNAVAILABLE;
      default -> Status.INTERNAL;
    };
  }

  // Answered before authentication: browsers send preflights without credentials.
  private Reply preflight(CodecRoute route, String origin, HttpFields.Mutable out) {
    if (route == null) {
      return Reply.text(404, "not found");
    }
    if (!cors.allows(origin)) {
      return Reply.text(403, "origin not allowed");
    }
    cors.addPreflightHeaders(out, origin);
    return new Reply(204, null, null);
  }

  /** The cheap checks that reveal nothing, before the caller is identified; {@code null} when all pass. */
  private Reply checkRequest(Request request, CodecRoute route, String origin, HttpFields.Mutable out,
      List<String> headerNamespaces, String namespace) {
    if (origin != null) {
      // A browser page from another origin gets nothing, not even a decoded answer it could not read: the request
      // could carry the user's client certificate.
      if (!cors.allows(origin)) {
        return Reply.text(403, "origin not allowed");
      }
      cors.addResponseHeaders(out, origin);
    }
    if (!HttpMethod.POST.is(request.getMethod())) {
      out.put(HttpHeader.ALLOW, "POST, OPTIONS");
      return Reply.text(405, "method not allowed");
    }
    if (!isJson(request.getHeaders().get(HttpHeader.CONTENT_TYPE))) {
      return Reply.text(415, "Content-Type must be application/json");
    }
    if (request.getLength() > maxBodyBytes) {
      return Reply.text(413, "request body too large");
    }

    if (headerNamespaces.size() > 1) {
      return Reply.text(400, "more than one X-Namespace header");
    }
    String headerNamespace = headerNamespaces.isEmpty() ? null : headerNamespaces.get(0);
    if (headerNamespace != null && route.pathNamespace() != null && !headerNamespace.equals(route.pathNamespace())) {
      return Reply.text(400, "the X-Namespace header and the path name different namespaces");
    }
    if (namespace == null || namespace.isEmpty()) {
      return Reply.text(400, "namespace required: send the X-Namespace header");
    }
    if (!validNamespace(namespace)) {
      return Reply.text(400, "invalid namespace");
    }
    return null;
  }

  /** The admitted call with its body read: encode or decode. */
  private Reply apply(EncryptionCodec codec, CodecRoute route, String namespace, String tag, byte[] body,
      int length) {
    List<Payload> in;
    try {
      in = PayloadsJson.parse(body, length);
    } catch (IllegalArgumentException e) {
      return Reply.text(400, "request body is not a Payloads JSON document");
    }
    List<Payload> result;
    try {
      result = route.operation().apply(codec, in);
    } catch (EncryptionCodecException e) {
      if (CodecOperation.isPayloadFault(e.reason())) {
        log.debug("codec server: {} refused in namespace {}: {}", tag, namespace, e.reason());
        return Reply.text(400, route.operation().failure());
      }
      log.warn("codec server: {} failed in namespace {}: {}", tag, namespace, e.reason());
      return Reply.text(500, "internal error");
    }
    if (result.size() != in.size()) {
      // The protocol's clients pair results with inputs by position; never answer with a different count.
      log.error("codec server: {} returned {} payloads for {}", tag, result.size(), in.size());
      return Reply.text(500, "internal error");
    }
    metrics.payloads(tag, result.size());
    return new Reply(200, JSON, PayloadsJson.print(result));
  }

  private static boolean ambiguous(Request request) {
    return request.getHeaders().getValuesList(AUTHORIZATION).size() > 1
        || request.getHeaders().getValuesList(AUTHORIZATION_EXTRAS).size() > 1;
  }

  /** The caller's credentials (the first of each header; {@link #ambiguous} refuses repeats). */
  private static AuthInfo authInfo(Request request) {
    List<String> tokens = request.getHeaders().getValuesList(AUTHORIZATION);
    List<String> extras = request.getHeaders().getValuesList(AUTHORIZATION_EXTRAS);
    return new AuthInfo(tokens.isEmpty() ? null : tokens.get(0), extras.isEmpty() ? null : extras.get(0),
        HttpsListener.peerOf(request), null, request.getConnectionMetaData().getRemoteSocketAddress());
  }

  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return media.toLowerCase(Locale.ROOT).equals(JSON);
  }

  static boolean validNamespace(String namespace) {
    if (namespace.length() > MAX_NAMESPACE_LENGTH) {
      return false;
    }
    for (int i = 0; i < namespace.length(); i++) {
      char c = namespace.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }
}
