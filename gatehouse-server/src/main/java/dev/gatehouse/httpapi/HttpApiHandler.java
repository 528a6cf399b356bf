package dev.gatehouse.httpapi;

import dev.gatehouse.pipeline.BodyBudget;
import dev.gatehouse.pipeline.BodyReader;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.Face;
import dev.gatehouse.pipeline.GateVerdict;
import dev.gatehouse.tls.HttpsListener;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's HTTP API ({@code /api/v1/...} and the unprefixed bindings) as a Jetty {@link Handler}: each request is
 * matched against the routes of the {@code google.api.http} options, transcoded from JSON, run through the
 * {@link CallPipeline} as face {@code http}, and forwarded upstream as the gRPC call it stands for.
 *
 * <p>Order of checks: CORS, host and route (cheap, reveal nothing), the path variables and query parameters, the
 * media type and declared size; then identify from the headers alone, and only then is the body read (bounded, as
 * it arrives, no thread waiting) and parsed. The namespace the decision uses is the transcoded message's: a path
 * variable that disagrees with the body refuses the request. Only the credential headers and
 * {@code X-Forwarded-For} become gRPC metadata. No Jetty thread waits: the body is read by demand callbacks and the
 * upstream call answers on Jetty's executor.
 *
 * <pre>{@code
 * Handler api = HttpApiHandler.builder(pipeline, upstreamChannel)
 *     .routePrefix("/api/v1")            // the Web UI's form: only /api/v1/**, other paths fall through
 *     .payloadShorthand(false)           // proto3 JSON as Temporal's ui-server writes it
 *     .credentials(request -> "Bearer " + accessTokenFromCookie(request))
 *     .build();
 * }</pre>
 *
 * <p>The server hosting it must accept {@code %2F} in paths (Jetty's {@code UriCompliance} violation
 * {@code AMBIGUOUS_PATH_SEPARATOR}): workflow ids may hold slashes.
 */
public final class HttpApiHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(HttpApiHandler.class);
  static final String JSON = "application/json";
  static final String NO_SHORTHAND = "+no-payload-shorthand";
  static final String PRETTY = "+pretty";
  private static final Metadata.Key<String> X_FORWARDED_FOR =
      Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);
  /** What a browser may send cross-origin: the body's type and the credential headers. */
  static final String ALLOWED_HEADERS = "Content-Type, Authorization, Authorization-Extras";

  /**
   * Where a request's credentials come from when it has no {@code Authorization} header of its own: the Web UI's
   * signed-in user, whose access token lives in a cookie.
   */
  @FunctionalInterface
  public interface Credentials {
    /**
     * @return the value to use as the request's {@code Authorization} header (e.g. {@code "Bearer eyJ…"}), or
     *     {@code null} for none
     */
    String authorization(Request request);
  }

  private final CallPipeline pipeline;
  private final Channel upstream;
  private final RouteTable routes;
  private final TemporalJson json;
  private final boolean shorthandByDefault;
  private final boolean ignoreUnknownQuery;
  private final Credentials credentials;
  private final String prefix;
  private final Set<String> origins;
  private final boolean allowCredentials;
  private final long maxBodyBytes;
  private final BodyBudget budget;
  private final Duration bodyReadTimeout;
  private final String namespaceDomain;
  private final Duration callTimeout;
  private final Metadata.Key<String> tokenKey;
  private final Metadata.Key<String> extraKey;
  private final List<MethodDescriptor<byte[], byte[]>> forwarded;
  private static final long UPSTREAM_WARNING_NANOS = TimeUnit.SECONDS.toNanos(10);
  private final java.util.concurrent.atomic.AtomicLong lastUpstreamWarning =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - UPSTREAM_WARNING_NANOS - 1);

  private HttpApiHandler(Builder b) {
    this.pipeline = b.pipeline;
    this.upstream = b.upstream;
    this.prefix = b.prefix;
    this.routes = RouteTable.from(pipeline.catalog(), b.prefix);
    this.json = new TemporalJson(typeFiles(pipeline.catalog()));
    this.shorthandByDefault = b.shorthand;
    this.ignoreUnknownQuery = b.ignoreUnknownQuery;
    this.credentials = b.credentials;
    this.origins = Set.copyOf(b.origins);
    this.allowCredentials = b.allowCredentials;
    this.maxBodyBytes = Math.min(b.maxBodyBytes, Integer.MAX_VALUE - 64);
    this.budget = new BodyBudget(Math.max(b.maxInFlightBodyBytes, this.maxBodyBytes));
    this.bodyReadTimeout = b.bodyReadTimeout;
    this.namespaceDomain = b.namespaceDomain == null ? null : b.namespaceDomain.toLowerCase(Locale.ROOT);
    this.callTimeout = b.callTimeout;
    this.tokenKey = Metadata.Key.of(pipeline.authHeaderName().toLowerCase(Locale.ROOT),
        Metadata.ASCII_STRING_MARSHALLER);
    this.extraKey = Metadata.Key.of(pipeline.authExtraHeaderName().toLowerCase(Locale.ROOT),
        Metadata.ASCII_STRING_MARSHALLER);
    List<MethodDescriptor<byte[], byte[]>> bytes = new ArrayList<>();
    for (ApiMethod m : pipeline.catalog().methods()) {
      bytes.add(pipeline.catalog().bytesDescriptor(m));
    }
    this.forwarded = List.copyOf(bytes);
  }

  /** The files whose messages may appear in an {@code Any} (error details) or as a request or response. */
  private static List<Descriptors.FileDescriptor> typeFiles(ApiCatalog catalog) {
    List<Descriptors.FileDescriptor> files = new ArrayList<>();
    files.add(io.temporal.api.errordetails.v1.MessageProto.getDescriptor());
    files.add(io.temporal.api.failure.v1.MessageProto.getDescriptor());
    for (ApiMethod m : catalog.methods()) {
      Message proto = catalog.requestPrototype(m);
      if (proto != null && !files.contains(proto.getDescriptorForType().getFile())) {
        files.add(proto.getDescriptorForType().getFile());
      }
    }
    return files;
  }

  /**
   * A builder for a handler running every request through {@code pipeline} and forwarding admitted ones on
   * {@code upstream} (the data plane's internode connection to the Temporal frontend).
   */
  public static Builder builder(CallPipeline pipeline, Channel upstream) {
    return new Builder(pipeline, upstream);
  }

  /** The routes this handler serves, as {@code VERB /template → Service/Method}; for tests and logs. */
  List<HttpRoute> routes() {
    return routes.routes();
  }

  BodyBudget budget() {
    return budget;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String rawPath = request.getHttpURI().getPath();
    if (rawPath == null || !rawPath.startsWith(prefix)) {
      return false;
    }
    Exchange x = new Exchange(request, response, callback);
    try {
      x.begin(rawPath);
    } catch (RuntimeException e) {
      log.warn("HTTP API: request failed: {}", e.getClass().getName());
      x.replyError(Status.Code.INTERNAL, "internal error");
    }
    return true;
  }

  /** One request: its answer is written once, with its end-of-call record. */
  private final class Exchange {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long start = System.nanoTime();
    private final Executor executor;
    private CallContext context;
    private boolean replied;
    private boolean shorthandOut;
    private boolean pretty;

    Exchange(Request request, Response response, Callback callback) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.executor = request.getComponents().getExecutor();
    }

    void begin(String rawPath) {
      HttpFields.Mutable out = response.getHeaders();
      out.put(HttpHeader.CACHE_CONTROL, "no-store");
      out.put("X-Content-Type-Options", "nosniff");
      out.put(HttpHeader.VARY, "Origin");
      if (request.isSecure()) {
        out.put(HttpHeader.STRICT_TRANSPORT_SECURITY, "max-age=31536000");
      }
      Fields query;
      try {
        query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        // Bad percent-encoding or bytes that are not UTF-8: Jetty's parser says which, the caller gets one line.
        replyError(Status.Code.INVALID_ARGUMENT, "malformed query string");
        return;
      }
      String accept = request.getHeaders().get(HttpHeader.ACCEPT);
      pretty = query.get("pretty") != null || (accept != null && accept.contains(PRETTY));
      shorthandOut = shorthandByDefault && query.get("noPayloadShorthand") == null
          && (accept == null || !accept.contains(NO_SHORTHAND));

      List<String> segments = segments(rawPath);
      if (segments == null) {
        replyError(Status.Code.INVALID_ARGUMENT, "malformed path");
        return;
      }
      String origin = request.getHeaders().get(HttpHeader.ORIGIN);
      boolean preflight = HttpMethod.OPTIONS.is(request.getMethod());
      if (origin != null) {
        // A page from another origin gets nothing: the browser may be sending the user's client certificate.
        if (!origins.contains(origin)) {
          replyError(Status.Code.PERMISSION_DENIED, "origin not allowed");
          return;
        }
        out.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if (allowCredentials) {
          out.put(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
      }
      String boundNamespace;
      try {
        boundNamespace = boundNamespace();
      } catch (IllegalArgumentException e) {
        replyError(Status.Code.PERMISSION_DENIED, "Host not allowed");
        return;
      }
      RouteTable.Match match = match(request.getMethod(), segments);
      if (preflight) {
        Set<String> verbs = verbsFor(segments);
        if (verbs.isEmpty()) {
          replyError(Status.Code.NOT_FOUND, "Not Found");
        } else if (origin == null) {
          replyError(Status.Code.INVALID_ARGUMENT, "a preflight request carries an Origin");
        } else {
          out.put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, String.join(", ", verbs));
          out.put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
          out.put(HttpHeader.ACCESS_CONTROL_MAX_AGE, "600");
          reply(204, null);
        }
        return;
      }
      if (match == null) {
        Set<String> verbs = verbsFor(segments);
        if (verbs.isEmpty()) {
          replyError(Status.Code.NOT_FOUND, "Not Found");
        } else {
          out.put(HttpHeader.ALLOW, String.join(", ", verbs) + ", OPTIONS");
          reply(405, errorJson(Status.Code.UNIMPLEMENTED, "Method Not Allowed"));
        }
        return;
      }
      HttpRoute route = match.route();
      Metadata headers = new Metadata();
      List<String> tokens = request.getHeaders().getValuesList(pipeline.authHeaderName());
      List<String> extras = request.getHeaders().getValuesList(pipeline.authExtraHeaderName());
      String token = tokens.isEmpty() ? null : tokens.get(0);
      if (token == null && credentials != null) {
        token = credentials.authorization(request);
      }
      String extra = extras.isEmpty() ? null : extras.get(0);
      String forwardedFor = request.getHeaders().get(HttpHeader.X_FORWARDED_FOR);
      boolean badHeader = !printable(token) || !printable(extra) || !printable(forwardedFor);
      if (!badHeader) {
        putIfSet(headers, tokenKey, token);
        putIfSet(headers, extraKey, extra);
        putIfSet(headers, X_FORWARDED_FOR, forwardedFor);
      }
      context = CallContext.arrived(Face.HTTP, route.method(), headers)
          .credentials(new AuthInfo(token, extra, HttpsListener.peerOf(request), null,
              request.getConnectionMetaData().getRemoteSocketAddress()), tokens.size() > 1 || extras.size() > 1)
          .remoteAddress(request.getConnectionMetaData().getRemoteSocketAddress())
          .startNanos(start)
          .build();
      if (badHeader) {
        replyError(Status.Code.INVALID_ARGUMENT, "invalid header value");
        return;
      }
      Message.Builder fromUrl = pipeline.catalog().requestPrototype(route.method()).newBuilderForType();
      String problem = fromUrl(route, match.pathValues(), query, fromUrl);
      if (problem != null) {
        replyError(Status.Code.INVALID_ARGUMENT, problem);
        return;
      }
      boolean hasContent = request.getLength() > 0
          || (request.getLength() < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
      boolean readBody = route.hasBody() && hasContent;
      String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
      boolean shorthandIn = shorthandByDefault && (contentType == null || !contentType.contains(NO_SHORTHAND));
      if (readBody) {
        if (!isJson(contentType)) {
          reply(415, errorJson(Status.Code.INVALID_ARGUMENT, "Content-Type must be application/json"));
          return;
        }
        if (request.getLength() > maxBodyBytes) {
          reply(413, errorJson(Status.Code.RESOURCE_EXHAUSTED, "request body too large"));
          return;
        }
      }
      // Identify from the headers alone, before one byte of the body is buffered.
      pipeline.authenticate(context, executor, identified -> {
        if (identified instanceof GateVerdict.Refuse refused) {
          replyStatus(refused.status(), null);
          return;
        }
        if (!readBody) {
          transcoded(route, match.pathValues(), fromUrl, null, 0, shorthandIn, boundNamespace);
          return;
        }
        new BodyReader(request, maxBodyBytes, budget, (outcome, body) -> {
          try {
            switch (outcome) {
              case COMPLETE -> transcoded(route, match.pathValues(), fromUrl, body.bytes(), body.length(),
                  shorthandIn, boundNamespace);
              case TOO_LARGE -> reply(413, errorJson(Status.Code.RESOURCE_EXHAUSTED, "request body too large"));
              case OVER_BUDGET -> {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                replyError(Status.Code.UNAVAILABLE, "busy: too many request bodies in flight, retry");
              }
              case TIMED_OUT -> reply(408, errorJson(Status.Code.DEADLINE_EXCEEDED,
                  "request body not received in time"));
              case FAILED -> replyError(Status.Code.INVALID_ARGUMENT, "request body could not be read");
            }
          } catch (RuntimeException e) {
            log.warn("HTTP API: request failed: {}", e.getClass().getName());
            replyError(Status.Code.INTERNAL, "internal error");
          } finally {
            body.release();
          }
        }).start(bodyReadTimeout);
      });
    }

    /** The request message from body and URL; then authorize, audit and forward. */
    private void transcoded(HttpRoute route, Map<String, String> pathValues, Message.Builder fromUrl, byte[] body,
        int length, boolean shorthandIn, String boundNamespace) {
      Message.Builder message = fromUrl.getDefaultInstanceForType().newBuilderForType();
      if (body != null) {
        try {
          if (route.body().equals("*")) {
            json.merge(body, length, message, shorthandIn);
          } else {
            Descriptors.FieldDescriptor f = message.getDescriptorForType().findFieldByName(route.body());
            json.merge(body, length, message.getFieldBuilder(f), shorthandIn);
          }
        } catch (TemporalJson.BadJson e) {
          replyError(Status.Code.INVALID_ARGUMENT, e.getMessage());
          return;
        }
        for (String fieldPath : pathValues.keySet()) {
          List<Descriptors.FieldDescriptor> fields =
              FieldPaths.resolve(message.getDescriptorForType(), fieldPath, false);
          String inBody = FieldPaths.stringAt(message, fields);
          if (!inBody.isEmpty() && !inBody.equals(pathValues.get(fieldPath))) {
            // Temporal lets the path win silently; the body is what a reviewer of the request reads, so refuse.
            replyError(Status.Code.INVALID_ARGUMENT, "the path and the body name different values for " + fieldPath);
            return;
          }
        }
      }
      message.mergeFrom(fromUrl.build());
      Message request = message.build();
      ApiMethod method = route.method();
      String namespace = "";
      if (method.namespaceFieldNumber() != 0) {
        Object ns = request.getField(request.getDescriptorForType().findFieldByNumber(method.namespaceFieldNumber()));
        namespace = ns instanceof String s ? s : "";
      }
      if (boundNamespace != null && !method.healthCheck()
          && (method.scope() != ApiMethod.Scope.NAMESPACE || !boundNamespace.equals(namespace))) {
        replyError(Status.Code.PERMISSION_DENIED, "this host serves only its own namespace");
        return;
      }
      byte[] bytes = request.toByteArray();
      context.requestRead(namespace, bytes);
      pipeline.admit(context, executor, admitted -> {
        if (admitted instanceof GateVerdict.Refuse refused) {
          replyStatus(refused.status(), null);
          return;
        }
        forward(method, bytes, ((GateVerdict.Admit) admitted).responseRewriter());
      });
    }

    private void forward(ApiMethod method, byte[] bytes, UnaryOperator<byte[]> rewriter) {
      CallOptions options = CallOptions.DEFAULT.withExecutor(executor)
          .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      ClientCall<byte[], byte[]> call = upstream.newCall(forwarded.get(method.index()), options);
      request.addFailureListener(failure -> call.cancel("the HTTP caller went away", null));
      call.start(new ClientCall.Listener<>() {
        private byte[] answer;

        @Override
        public void onMessage(byte[] message) {
          answer = message;
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          try {
            answered(method, status, trailers, answer, rewriter);
          } catch (RuntimeException e) {
            log.warn("HTTP API: response to {} failed: {}", method.methodName(), e.getClass().getName());
            replyError(Status.Code.INTERNAL, "internal error");
          }
        }
      }, context.headers());
      call.sendMessage(bytes);
      call.halfClose();
      call.request(1);
      context.releaseRequest();
    }

    private void answered(ApiMethod method, Status status, Metadata trailers, byte[] answer,
        UnaryOperator<byte[]> rewriter) {
      if (!status.isOk()) {
        if (status.getCause() != null) {
          // Our side of the upstream leg (connect, TLS), not an answer of the upstream: say little, and log it at
          // most every 10 s, as an outage would otherwise write a line per call.
          long now = System.nanoTime();
          long last = lastUpstreamWarning.get();
          if (now - last > UPSTREAM_WARNING_NANOS && lastUpstreamWarning.compareAndSet(last, now)) {
            log.warn("HTTP API: upstream call {} failed: {}", method.methodName(), status.getCode());
          }
          replyStatus(Status.UNAVAILABLE.withDescription("the upstream Temporal service is unavailable"), null);
          return;
        }
        replyStatus(status, trailers);
        return;
      }
      if (answer == null) {
        replyError(Status.Code.INTERNAL, "no response message");
        return;
      }
      byte[] out = rewriter == null ? answer : rewriter.apply(answer);
      Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>)
          pipeline.catalog().descriptor(method).getResponseMarshaller()).getMessagePrototype();
      Message parsed;
      try {
        parsed = prototype.getParserForType().parseFrom(out);
      } catch (InvalidProtocolBufferException e) {
        replyError(Status.Code.INTERNAL, "malformed response message");
        return;
      }
      reply(200, json.print(parsed, shorthandOut, pretty));
    }

    private void replyStatus(Status status, Metadata trailers) {
      String body;
      com.google.rpc.Status rich = trailers == null ? null : StatusProto.fromStatusAndTrailers(status, trailers);
      if (rich != null && rich.getDetailsCount() > 0) {
        try {
          body = json.print(rich, shorthandOut, pretty);
        } catch (IllegalStateException e) {
          body = errorJson(status.getCode(), rich.getMessage());
        }
      } else {
        String message = status.getDescription() == null ? status.getCode().name() : status.getDescription();
        body = errorJson(status.getCode(), message);
      }
      if (status.getCode() == Status.Code.UNAUTHENTICATED) {
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      }
      if (!replied) {
        reply(HttpStatuses.of(status.getCode()), body, status);
      }
    }

    void replyError(Status.Code code, String message) {
      reply(HttpStatuses.of(code), errorJson(code, message));
    }

    private String errorJson(Status.Code code, String message) {
      return json.print(com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message).build(), false,
          pretty);
    }

    void reply(int httpStatus, String body) {
      reply(httpStatus, body, null);
    }

    private synchronized void reply(int httpStatus, String body, Status grpcStatus) {
      if (replied) {
        return;
      }
      replied = true;
      response.setStatus(httpStatus);
      // A refused request's body is left unread; the connection cannot be reused if more of it is on its way.
      if (!request.consumeAvailable()) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      byte[] bytes = body == null ? new byte[0] : (body + "\n").getBytes(StandardCharsets.UTF_8);
      if (context != null) {
        Status status = grpcStatus != null ? grpcStatus : statusOf(httpStatus);
        pipeline.close(context, status, httpStatus, bytes.length);
      }
      if (body == null) {
        response.write(true, null, callback);
      } else {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
      }
    }

    /** The namespace a per-namespace host name binds, {@code null} when unbound. */
    private String boundNamespace() {
      if (namespaceDomain == null) {
        return null;
      }
      String host = request.getHttpURI().getHost();
      if (host == null) {
        throw new IllegalArgumentException("no host");
      }
      host = host.toLowerCase(Locale.ROOT);
      if (host.endsWith(".")) {
        host = host.substring(0, host.length() - 1);
      }
      if (host.equals(namespaceDomain)) {
        return null;
      }
      String suffix = "." + namespaceDomain;
      if (host.endsWith(suffix) && host.length() > suffix.length()) {
        return host.substring(0, host.length() - suffix.length());
      }
      throw new IllegalArgumentException("host not allowed");
    }
  }

  /**
   * Sets the path variables and query parameters into {@code builder}.
   *
   * @return why they cannot be, in words safe to answer with, or {@code null}
   */
  private String fromUrl(HttpRoute route, Map<String, String> pathValues, Fields query, Message.Builder builder) {
    Descriptors.Descriptor type = builder.getDescriptorForType();
    for (Map.Entry<String, String> v : pathValues.entrySet()) {
      List<Descriptors.FieldDescriptor> fields = FieldPaths.resolve(type, v.getKey(), false);
      try {
        FieldPaths.set(builder, fields, v.getValue(), v.getKey());
      } catch (FieldPaths.BadValue e) {
        return e.getMessage();
      }
    }
    for (Fields.Field param : query) {
      String name = param.getName();
      if (name.equals("pretty") || name.equals("noPayloadShorthand")) {
        continue;
      }
      if (route.body().equals("*")) {
        if (ignoreUnknownQuery) {
          continue;
        }
        return "query parameter " + safeName(name) + " is not read on this route: put the field in the JSON body";
      }
      List<Descriptors.FieldDescriptor> fields = FieldPaths.resolve(type, name, true);
      if (fields == null) {
        if (ignoreUnknownQuery) {
          continue;
        }
        return "unknown query parameter " + safeName(name);
      }
      String path = protoPath(fields);
      if (pathValues.containsKey(path) || (!route.body().isEmpty() && path.split("\\.")[0].equals(route.body()))) {
        return "query parameter " + safeName(name) + " is already set by the path or the body";
      }
      List<String> values = param.getValues();
      if (values.size() > 1 && !fields.get(fields.size() - 1).isRepeated()) {
        return "query parameter " + safeName(name) + " given more than once";
      }
      for (String value : values) {
        try {
          FieldPaths.set(builder, fields, value, safeName(name));
        } catch (FieldPaths.BadValue e) {
          return e.getMessage();
        }
      }
    }
    return null;
  }

  private static String protoPath(List<Descriptors.FieldDescriptor> fields) {
    StringBuilder s = new StringBuilder();
    for (Descriptors.FieldDescriptor f : fields) {
      if (!s.isEmpty()) {
        s.append('.');
      }
      s.append(f.getName());
    }
    return s.toString();
  }

  /** A caller-chosen name, quoted back only when short and plain. */
  private static String safeName(String name) {
    return name.length() <= 64 && name.matches("[A-Za-z0-9_.]+") ? name : "(unprintable)";
  }

  private RouteTable.Match match(String verb, List<String> segments) {
    RouteTable.Match m = routes.match(verb, segments, null);
    if (m == null && !segments.isEmpty()) {
      String last = segments.get(segments.size() - 1);
      int colon = last.lastIndexOf(':');
      if (colon > 0) {
        List<String> head = new ArrayList<>(segments.subList(0, segments.size() - 1));
        head.add(last.substring(0, colon));
        m = routes.match(verb, head, last.substring(colon + 1));
      }
    }
    return m;
  }

  private Set<String> verbsFor(List<String> segments) {
    return routes.verbsFor(segments, null);
  }

  /**
   * The decoded segments of a raw path ({@code %2F} stays inside its segment), or {@code null} when it is malformed
   * (bad percent-encoding, not UTF-8). An empty segment ({@code //}, a trailing slash) matches no route.
   */
  static List<String> segments(String rawPath) {
    if (!rawPath.startsWith("/")) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String raw : rawPath.substring(1).split("/", -1)) {
      String decoded = percentDecode(raw);
      if (decoded == null) {
        return null;
      }
      out.add(decoded);
    }
    return out;
  }

  private static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    byte[] bytes = new byte[s.length()];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return null;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        bytes[n++] = (byte) (hi * 16 + lo);
        i += 2;
      } else if (c < 0x80) {
        bytes[n++] = (byte) c;
      } else {
        return null;
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes, 0, n)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  private static boolean printable(String value) {
    if (value == null) {
      return true;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static void putIfSet(Metadata headers, Metadata.Key<String> key, String value) {
    if (value != null) {
      headers.put(key, value);
    }
  }

  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip()
        .toLowerCase(Locale.ROOT);
    return media.equals(JSON) || media.startsWith(JSON + "+");
  }

  /** The gRPC meaning of an HTTP answer Gatehouse gave itself, for the end-of-call record. */
  static Status statusOf(int httpStatus) {
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

  /** Assembles an {@link HttpApiHandler}. */
  public static final class Builder {
    private final CallPipeline pipeline;
    private final Channel upstream;
    private boolean shorthand = true;
    private boolean ignoreUnknownQuery;
    private Credentials credentials;
    private String prefix = "";
    private List<String> origins = List.of();
    private boolean allowCredentials;
    private long maxBodyBytes = 4L * 1024 * 1024;
    private long maxInFlightBodyBytes = 64L * 1024 * 1024;
    private Duration bodyReadTimeout = Duration.ofSeconds(30);
    private String namespaceDomain;
    private Duration callTimeout = Duration.ofMinutes(2);

    private Builder(CallPipeline pipeline, Channel upstream) {
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
      this.upstream = Objects.requireNonNull(upstream, "upstream channel");
    }

    /**
     * Whether payloads use Temporal's JSON shorthand by default (callers may still ask for the standard form with
     * {@code ?noPayloadShorthand} or a {@code +no-payload-shorthand} media type); default true, as in Temporal's
     * HTTP API. {@code false} is the ui-server's form: standard proto3 JSON both ways.
     */
    public Builder payloadShorthand(boolean enabled) {
      this.shorthand = enabled;
      return this;
    }

    /**
     * Ignores query parameters that set no field of the request (and every query parameter of a route whose body is
     * the whole request), as grpc-gateway and so Temporal's ui-server do; default false, refusing them with 400.
     * The Web UI needs it: UI 2.53.3 sends {@code waitNewEvent} on {@code history-reverse}, which has no such field.
     * An ignored parameter never reaches the request, so the namespace and everything authorized stay the body's.
     */
    public Builder ignoreUnknownQueryParameters(boolean ignore) {
      this.ignoreUnknownQuery = ignore;
      return this;
    }

    /** Credentials for requests without an {@code Authorization} header of their own; default none. */
    public Builder credentials(Credentials source) {
      this.credentials = source;
      return this;
    }

    /**
     * Serves only routes whose template starts with {@code prefix} (e.g. {@code /api/v1}); requests to other paths
     * are not handled (the next handler gets them), unknown ones under it get a JSON 404. Default: every route.
     */
    public Builder routePrefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix);
      return this;
    }

    /** Browser origins allowed to call (exact match), and whether their calls may carry credentials. */
    public Builder allowedOrigins(List<String> origins, boolean allowCredentials) {
      this.origins = List.copyOf(origins);
      this.allowCredentials = allowCredentials;
      return this;
    }

    /** The largest request body (413 beyond) and the bytes buffered over all requests (503 beyond). */
    public Builder bodyLimits(long maxBodyBytes, long maxInFlightBodyBytes, Duration readTimeout) {
      this.maxBodyBytes = maxBodyBytes;
      this.maxInFlightBodyBytes = maxInFlightBodyBytes;
      this.bodyReadTimeout = Objects.requireNonNull(readTimeout);
      return this;
    }

    /** Makes {@code <namespace>.<domain>} a per-namespace endpoint and refuses other hosts but {@code domain}. */
    public Builder namespaceDomain(String domain) {
      this.namespaceDomain = domain;
      return this;
    }

    /** How long an upstream call may take (Temporal's long polls answer within ~20 s); default 2 minutes. */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * Reads the routes from the descriptors.
     *
     * @throws IllegalStateException when a binding in the descriptors cannot be served
     */
    public HttpApiHandler build() {
      return new HttpApiHandler(this);
    }
  }
}
