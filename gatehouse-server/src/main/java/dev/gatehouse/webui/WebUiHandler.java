package dev.gatehouse.webui;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The routes of the Web UI's origin: {@code /api/v1/settings}, the rest of {@code /api/v1} handed to the HTTP API
 * face in the ui-server's form, {@code /auth/...} sign-in, and the static build for everything else.
 *
 * <p>Unsafe methods (anything but GET, HEAD, OPTIONS) need an {@code Authorization} header, which a cross-site page
 * cannot add without a CORS preflight this origin never grants, or the {@code _csrf} cookie echoed in
 * {@code X-CSRF-TOKEN}. Cookies are never passed on to the API: the caller's credential is its
 * {@code Authorization} header alone.
 */
final class WebUiHandler extends Handler.Wrapper {
  static final String API = "/api/v1/";
  static final String SETTINGS = "/api/v1/settings";
  static final String CSRF_HEADER = "X-CSRF-TOKEN";

  private final StaticAssets assets;
  private final Supplier<String> settingsSource;
  private volatile byte[] settings;
  private final SignIn signIn;
  private final SessionCookies cookies;
  private final boolean hasApi;

  WebUiHandler(StaticAssets assets, Supplier<String> settings, SignIn signIn, SessionCookies cookies, Handler api) {
    super(api);
    this.assets = assets;
    this.settingsSource = settings;
    this.signIn = signIn;
    this.cookies = cookies;
    this.hasApi = api != null;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    HttpFields.Mutable out = response.getHeaders();
    out.put("X-Content-Type-Options", "nosniff");
    out.put("X-Frame-Options", "DENY");
    out.put("Referrer-Policy", "same-origin");
    if (request.isSecure()) {
      out.put(HttpHeader.STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    boolean safe = HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method) || HttpMethod.OPTIONS.is(method);
    if (!safe && !csrfSatisfied(request)) {
      apiError(response, callback, 403, 7, "missing CSRF token: send the _csrf cookie's value in X-CSRF-TOKEN, "
          + "or an Authorization header");
      return true;
    }
    if (path.equals(SETTINGS)) {
      if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
        apiError(response, callback, 405, 12, "method not allowed");
        return true;
      }
      ensureCsrfCookie(request, response);
      out.put(HttpHeader.CACHE_CONTROL, "no-store");
      out.put(HttpHeader.CONTENT_TYPE, "application/json");
      response.write(true, HttpMethod.HEAD.is(method) ? null : ByteBuffer.wrap(settings()), callback);
      return true;
    }
    if (path.startsWith(API) || path.equals("/api/v1")) {
      out.put(HttpHeader.CACHE_CONTROL, "no-store");
      if (!hasApi) {
        apiError(response, callback, 503, 14, "the HTTP API is not available on this server");
        return true;
      }
      String[] download = HistoryDownload.match(request.getHttpURI().getPath());
      if (download != null && HttpMethod.GET.is(method)) {
        HistoryDownload.serve(getHandler(), withoutCookies(request), response, callback, download);
        return true;
      }
      if (super.handle(withoutCookies(request), response, callback)) {
        return true;
      }
      apiError(response, callback, 404, 5, "not found");
      return true;
    }
    if (path.startsWith("/auth/")) {
      if (!HttpMethod.GET.is(method)) {
        out.put(HttpHeader.ALLOW, "GET");
        SignIn.text(response, callback, 405, "method not allowed");
        return true;
      }
      signIn.handle(path, request, response, callback);
      return true;
    }
    if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
      out.put(HttpHeader.ALLOW, "GET, HEAD");
      SignIn.text(response, callback, 405, "method not allowed");
      return true;
    }
    serveAsset(path, request, response, callback);
    return true;
  }

  /** Written on first use: the codec server's port is known only once it listens. */
  private byte[] settings() {
    byte[] s = settings;
    if (s == null) {
      s = settingsSource.get().getBytes(StandardCharsets.UTF_8);
      settings = s;
    }
    return s;
  }

  private void serveAsset(String path, Request request, Response response, Callback callback) {
    StaticAssets.Asset asset = assets.find(path);
    if (asset == null) {
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      SignIn.text(response, callback, 404, "not found");
      return;
    }
    HttpFields.Mutable out = response.getHeaders();
    if (asset.path().equals(StaticAssets.INDEX)) {
      ensureCsrfCookie(request, response);
      out.put("Content-Security-Policy", "frame-ancestors 'none'; object-src 'none'; base-uri 'self'");
    }
    out.put(HttpHeader.CACHE_CONTROL, asset.cacheControl());
    out.put(HttpHeader.ETAG, asset.etag());
    if (asset.etag().equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
      response.setStatus(304);
      response.write(true, null, callback);
      return;
    }
    out.put(HttpHeader.CONTENT_TYPE, asset.contentType());
    out.put(HttpHeader.CONTENT_LENGTH, asset.body().length);
    response.write(true, HttpMethod.HEAD.is(request.getMethod()) ? null : ByteBuffer.wrap(asset.body()), callback);
  }

  private boolean csrfSatisfied(Request request) {
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (authorization != null && !authorization.isBlank()) {
      return true;
    }
    String cookie = SessionCookies.read(request, SessionCookies.CSRF);
    String header = request.getHeaders().get(CSRF_HEADER);
    return cookie != null && header != null && cookie.length() >= 16 && OidcSignIn.constantTimeEquals(cookie, header);
  }

  private void ensureCsrfCookie(Request request, Response response) {
    if (SessionCookies.read(request, SessionCookies.CSRF) == null) {
      response.getHeaders().add(HttpHeader.SET_COOKIE, cookies.csrf(SessionCookies.newToken()));
    }
  }

  /** The API face sees no cookie: a credential must come as a header the page chose to send. */
  private static Request withoutCookies(Request request) {
    if (!request.getHeaders().contains(HttpHeader.COOKIE)) {
      return request;
    }
    HttpFields.Mutable headers = HttpFields.build();
    for (HttpField field : request.getHeaders()) {
      if (field.getHeader() != HttpHeader.COOKIE) {
        headers.add(field);
      }
    }
    HttpFields immutable = headers.asImmutable();
    return new Request.Wrapper(request) {
      @Override
      public HttpFields getHeaders() {
        return immutable;
      }
    };
  }

  /** An error in the API's own shape, {@code {"code","message","details"}}. */
  static void apiError(Response response, Callback callback, int status, int grpcCode, String message) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    SignIn.json(response, callback, status, "{\"code\":" + grpcCode + ",\"message\":\""
        + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"details\":[]}");
  }
}
