package dev.gatehouse.webui;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The ui-server's sign-in routes: {@code GET /auth/sso?returnUrl=}, {@code /auth/sso/callback},
 * {@code /auth/refresh} and {@code /auth/logout}. Every answer is {@code no-store} and names no token.
 */
abstract class SignIn {
  static final String SSO = "/auth/sso";
  static final String CALLBACK = "/auth/sso/callback";
  static final String REFRESH = "/auth/refresh";
  static final String LOGOUT = "/auth/logout";

  final SessionCookies cookies;

  SignIn(SessionCookies cookies) {
    this.cookies = cookies;
  }

  /** Answers one {@code /auth/...} request; {@code path} is the decoded path. */
  final void handle(String path, Request request, Response response, Callback callback) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    switch (path) {
      case SSO -> start(request, response, callback);
      case CALLBACK -> callback(request, response, callback);
      case REFRESH -> refresh(request, response, callback);
      case LOGOUT -> logout(request, response, callback);
      default -> text(response, callback, 404, "not found");
    }
  }

  abstract void start(Request request, Response response, Callback callback);

  abstract void callback(Request request, Response response, Callback callback);

  abstract void refresh(Request request, Response response, Callback callback);

  void logout(Request request, Response response, Callback callback) {
    cookies.clearAll().forEach(c -> response.getHeaders().add(HttpHeader.SET_COOKIE, c));
    redirect(response, callback, "/");
  }

  /**
   * Where to send the browser after sign-in: a path on this site only, so {@code returnUrl} cannot make the sign-in
   * an open redirect. An absolute URL keeps only its path and query; anything odd becomes {@code /}.
   */
  static String returnPath(String returnUrl) {
    if (returnUrl == null || returnUrl.isBlank() || returnUrl.length() > 2048) {
      return "/";
    }
    URI uri;
    try {
      uri = new URI(returnUrl);
    } catch (URISyntaxException e) {
      return "/";
    }
    String path = uri.getRawPath();
    if (path == null || !path.startsWith("/") || path.startsWith("//") || path.contains("\\")
        || path.startsWith(SSO)) {
      return "/";
    }
    for (int i = 0; i < returnUrl.length(); i++) {
      char c = returnUrl.charAt(i);
      if (c < 0x21 || c == 0x7f) {
        return "/";
      }
    }
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  static void redirect(Response response, Callback callback, String location) {
    response.setStatus(302);
    response.getHeaders().put(HttpHeader.LOCATION, location);
    response.write(true, null, callback);
  }

  static void text(Response response, Callback callback, int status, String message) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    Content.Sink.write(response, true, message + "\n", callback);
  }

  static void json(Response response, Callback callback, int status, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, java.nio.ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }
}
