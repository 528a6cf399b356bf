package dev.gatehouse.codecserver;

import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.EncryptionCodecException;
import dev.gatehouse.tls.FrontendTls;
import dev.gatehouse.tls.PeerCertificate;
import io.temporal.api.common.v1.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
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
 * caller's identity and permission in the namespace, and only then is the body read and parsed. Answers are short
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
  private static final String PEER_ATTRIBUTE = "dev.gatehouse.codec.peer";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";
  private static final int READ_CHUNK = 16 * 1024;

  private final AccessController access;
  private final NamespaceCodecs codecs;
  private final CorsPolicy cors;
  private final long maxBodyBytes;
  private final CodecMetrics metrics;

  CodecHandler(AccessController access, NamespaceCodecs codecs, CorsPolicy cors, long maxBodyBytes,
      CodecMetrics metrics) {
    this.access = access;
    this.codecs = codecs;
    this.cors = cors;
    // A Java array holds at most ~2 GiB; anything near that is far beyond a sensible codec request anyway.
    this.maxBodyBytes = Math.min(maxBodyBytes, Integer.MAX_VALUE - 64);
    this.metrics = metrics;
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
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    CodecRoute route = CodecRoute.parse(Request.getPathInContext(request));
    boolean preflight = HttpMethod.OPTIONS.is(request.getMethod());
    String tag = route == null ? CodecMetrics.OTHER
        : preflight ? CodecMetrics.PREFLIGHT : route.operation().pathSegment();
    Reply reply;
    try {
      reply = preflight ? preflight(route, origin, out) : call(request, route, origin, out, tag);
    } catch (RuntimeException e) {
      log.warn("codec server: request failed: {}", e.getClass().getName());
      reply = Reply.text(500, "internal error");
    }
    response.setStatus(reply.status());
    // A refused request's body is left unread. Whatever of it already arrived is dropped; if more is on its way the
    // connection cannot be reused, and the client must be told before it sends its next request on it.
    if (!request.consumeAvailable()) {
      out.put(HttpHeader.CONNECTION, "close");
    }
    metrics.request(tag, reply.status(), start);
    if (reply.body() == null) {
      response.write(true, null, callback);
    } else {
      out.put(HttpHeader.CONTENT_TYPE, reply.contentType());
      Content.Sink.write(response, true, reply.body(), callback);
    }
    return true;
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

  private Reply call(Request request, CodecRoute route, String origin, HttpFields.Mutable out, String tag) {
    if (origin != null) {
      // A browser page from another origin gets nothing, not even a decoded answer it could not read: the request
      // could carry the user's client certificate.
      if (!cors.allows(origin)) {
        return Reply.text(403, "origin not allowed");
      }
      cors.addResponseHeaders(out, origin);
    }
    if (route == null) {
      return Reply.text(404, "not found");
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

    List<String> headerNamespaces = request.getHeaders().getValuesList(NAMESPACE_HEADER);
    if (headerNamespaces.size() > 1) {
      return Reply.text(400, "more than one X-Namespace header");
    }
    String headerNamespace = headerNamespaces.isEmpty() ? null : headerNamespaces.get(0);
    if (headerNamespace != null && route.pathNamespace() != null && !headerNamespace.equals(route.pathNamespace())) {
      return Reply.text(400, "the X-Namespace header and the path name different namespaces");
    }
    String namespace = headerNamespace != null ? headerNamespace : route.pathNamespace();
    if (namespace == null || namespace.isEmpty()) {
      return Reply.text(400, "namespace required: send the X-Namespace header");
    }
    if (!validNamespace(namespace)) {
      return Reply.text(400, "invalid namespace");
    }

    AuthInfo info = authInfo(request);
    AccessCheck check = info == null ? null
        : access.check(info, route.operation().apiMethod(), namespace, null);
    if (check == null || check.outcome() == AccessCheck.Outcome.UNAUTHENTICATED) {
      out.put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      return Reply.text(401, check == null ? AccessController.REQUEST_UNAUTHENTICATED : check.message());
    }
    switch (check.outcome()) {
      case ALLOW -> { }
      case PERMISSION_DENIED -> {
        return Reply.text(403, check.message());
      }
      default -> {
        return Reply.text(400, check.message());
      }
    }

    EncryptionCodec codec = codecs.forNamespace(namespace);
    if (codec == null) {
      return Reply.text(400, "no codec keys for this namespace");
    }
    byte[] body;
    try {
      body = readBody(request);
    } catch (BodyTooLarge e) {
      return Reply.text(413, "request body too large");
    } catch (IOException e) {
      return Reply.text(400, "request body could not be read");
    }
    List<Payload> in;
    try {
      in = PayloadsJson.parse(new String(body, StandardCharsets.UTF_8));
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

  /** The caller's credentials, or {@code null} when they are ambiguous (a header sent twice). */
  private static AuthInfo authInfo(Request request) {
    List<String> tokens = request.getHeaders().getValuesList(AUTHORIZATION);
    List<String> extras = request.getHeaders().getValuesList(AUTHORIZATION_EXTRAS);
    if (tokens.size() > 1 || extras.size() > 1) {
      return null;
    }
    return new AuthInfo(tokens.isEmpty() ? null : tokens.get(0), extras.isEmpty() ? null : extras.get(0),
        peerOf(request), null, request.getConnectionMetaData().getRemoteSocketAddress());
  }

  /**
   * The client certificate the TLS layer verified, parsed once per connection. Session resumption is off on this
   * server, so a session belongs to one connection and one handshake.
   */
  private static PeerCertificate peerOf(Request request) {
    EndPoint.SslSessionData ssl = request.getConnectionMetaData().getConnection().getEndPoint().getSslSessionData();
    SSLSession session = ssl == null ? null : ssl.sslSession();
    if (session == null) {
      return null;
    }
    if (session.getValue(PEER_ATTRIBUTE) instanceof PeerCertificate cached) {
      return cached;
    }
    PeerCertificate peer = FrontendTls.peerOf(session);
    if (peer != null) {
      session.putValue(PEER_ATTRIBUTE, peer);
    }
    return peer;
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

  /** Reads the body, failing as soon as it grows past {@code maxBodyBytes} rather than after buffering it all. */
  private byte[] readBody(Request request) throws IOException, BodyTooLarge {
    long declared = request.getLength();
    InputStream in = Request.asInputStream(request);
    byte[] buffer = new byte[declared >= 0 ? (int) declared : (int) Math.min(maxBodyBytes, READ_CHUNK)];
    int length = 0;
    while (true) {
      if (length == buffer.length) {
        // Full: either the body ends here (the usual case when Content-Length was sent) or it must grow.
        int next = in.read();
        if (next < 0) {
          return buffer;
        }
        if (length >= maxBodyBytes) {
          throw new BodyTooLarge();
        }
        buffer = Arrays.copyOf(buffer, (int) Math.min(maxBodyBytes, Math.max(2L * buffer.length, READ_CHUNK)));
        buffer[length++] = (byte) next;
        continue;
      }
      int n = in.read(buffer, length, buffer.length - length);
      if (n < 0) {
        return Arrays.copyOf(buffer, length);
      }
      length += n;
    }
  }

  private static final class BodyTooLarge extends Exception {
    BodyTooLarge() {
      super(null, null, false, false);
    }
  }
}
