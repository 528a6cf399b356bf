package dev.gatehouse.webui;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * Dev mode's sign-in: no provider; {@code /auth/sso} hands the browser a fresh dev token at once. Built only by
 * {@code start-dev}, which serves the UI on loopback alone.
 */
final class DevSignIn extends SignIn {
  static final String DEV_NAME = "Gatehouse dev user";

  private final Supplier<String> devToken;
  private final Duration sessionMaxAge;

  DevSignIn(SessionCookies cookies, Supplier<String> devToken, Duration sessionMaxAge) {
    super(cookies);
    this.devToken = devToken;
    this.sessionMaxAge = sessionMaxAge;
  }

  @Override
  void start(Request request, Response response, Callback callback) {
    Fields query = Request.extractQueryParameters(request);
    setUser(response);
    response.getHeaders().add(HttpHeader.SET_COOKIE,
        cookies.sessionStart(Instant.now().getEpochSecond(), sessionMaxAge));
    redirect(response, callback, returnPath(query.getValue("returnUrl")));
  }

  @Override
  void callback(Request request, Response response, Callback callback) {
    text(response, callback, 404, "dev sign-in has no callback");
  }

  @Override
  void refresh(Request request, Response response, Callback callback) {
    setUser(response);
    json(response, callback, 200, "{}");
  }

  private void setUser(Response response) {
    cookies.user(new SessionCookies.User(devToken.get(), null, DEV_NAME, "dev@localhost", null))
        .forEach(c -> response.getHeaders().add(HttpHeader.SET_COOKIE, c));
  }
}
