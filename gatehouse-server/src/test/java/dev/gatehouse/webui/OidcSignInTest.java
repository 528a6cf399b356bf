package dev.gatehouse.webui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.config.WebUi;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OIDC sign-in against a real provider (mock-oauth2-server, a standard OIDC provider with discovery and JWKS):
 * the whole authorization code flow with PKCE, and every way it must fail, each with a clear one-line answer.
 */
class OidcSignInTest {
  static final String CLIENT = "gatehouse-webui";
  static final String AUDIENCE = "gatehouse";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  /** Three issuers of one provider: good tokens, access tokens for another API, and tokens already expired. */
  static final List<String> ISSUERS = List.of("default", "wrongaud", "expired");

  static MockOAuth2Server provider;
  static AccessController access;
  static WebUiServer server;

  @BeforeAll
  static void start() throws Exception {
    provider = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(), Set.of(
        tokens("default", List.of(AUDIENCE), 600),
        tokens("wrongaud", List.of("some-other-api"), 600),
        tokens("expired", List.of(AUDIENCE), -600))));
    provider.start();
    // Each issuer signs with its own key; Gatehouse binds each key source to its issuer.
    access = AccessController.builder(new Authorization(new JwtKeyProvider(
        ISSUERS.stream().map(i -> provider.jwksUrl(i).toString()).toList(), Duration.ofMinutes(5),
        ISSUERS.stream().map(i -> provider.issuerUrl(i).toString()).toList()), null, null, "default", "default",
        null, null, AUDIENCE)).build();
    server = uiFor("default");
  }

  static DefaultOAuth2TokenCallback tokens(String issuer, List<String> audience, long expirySeconds) {
    return new DefaultOAuth2TokenCallback(issuer, "ada", "JWT", audience,
        Map.of("permissions", List.of("default:read"), "name", "Ada Lovelace", "email", "ada@example.com"),
        expirySeconds);
  }

  static WebUiServer uiFor(String issuer) throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    WebUi.Oidc oidc = new WebUi.Oidc(provider.issuerUrl(issuer).toString(), CLIENT, "client-secret", null, AUDIENCE,
        "http://127.0.0.1:" + port + "/auth/sso/callback");
    return WebUiServer.builder(new WebUi("127.0.0.1:" + port, WebUiFixtures.build(dir.resolve(issuer)).toString(),
        null, oidc, null, null, null), access).api(new WebUiFixtures.RecordingApi()).build().start();
  }

  @AfterAll
  static void stop() {
    server.close();
    access.close();
    provider.shutdown();
  }


  static Map<String, String> query(URI uri) {
    Map<String, String> q = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return q;
  }

  /** Starts sign-in and lets the provider answer; returns the callback URL it sends the browser to. */
  static URI toProviderAndBack(WebUiFixtures.Browser b) throws Exception {
    return toProviderAndBack(server, b);
  }

  static URI toProviderAndBack(WebUiServer server, WebUiFixtures.Browser b) throws Exception {
    HttpResponse<String> start = b.get(server.endpoint().resolve("/auth/sso?returnUrl=%2Fnamespaces%2Fdefault"));
    assertThat(start.statusCode()).isEqualTo(302);
    URI authorize = URI.create(start.headers().firstValue("location").orElseThrow());
    HttpResponse<String> back = b.get(authorize);
    assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
    return URI.create(back.headers().firstValue("location").orElseThrow());
  }

  static void assertClearRefusal(HttpResponse<String> r, int status, String text) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.body()).contains(text).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("eyJ");
    assertThat(r.headers().allValues("set-cookie")).noneMatch(c -> c.startsWith("user0=") && !c.contains("Max-Age=0"));
  }

  @Test
  void signInIsAuthorizationCodeWithPkceStateAndNonce() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    HttpResponse<String> start = b.get(server.endpoint().resolve("/auth/sso?returnUrl=%2Fnamespaces%2Fdefault"));
    Map<String, String> q = query(URI.create(start.headers().firstValue("location").orElseThrow()));
    assertThat(q).containsEntry("response_type", "code").containsEntry("client_id", CLIENT)
        .containsEntry("code_challenge_method", "S256").containsEntry("audience", AUDIENCE)
        .containsKeys("state", "nonce", "code_challenge", "redirect_uri");
    assertThat(q.get("scope")).contains("openid");
    assertThat(b.setCookie(SessionCookies.SIGN_IN)).contains("HttpOnly").contains("SameSite=Lax")
        .contains("Path=/auth/sso/callback").doesNotContain(q.get("code_challenge"));
  }

  @Test
  void aCompleteSignInSetsTheCookiesAndReturns() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    HttpResponse<String> done = b.get(toProviderAndBack(b));
    assertThat(done.statusCode()).as(done.body()).isEqualTo(302);
    assertThat(done.headers().firstValue("location")).hasValue("/namespaces/default");
    JsonNode user = JSON.readTree(Base64.getDecoder().decode(b.cookies.get("user0")));
    assertThat(SignedJWT.parse(user.get("AccessToken").asText()).getJWTClaimsSet().getSubject()).isEqualTo("ada");
    assertThat(SignedJWT.parse(user.get("IDToken").asText()).getJWTClaimsSet().getAudience()).contains(CLIENT);
    assertThat(user.get("Email").asText()).isEqualTo("ada@example.com");
    assertThat(b.setCookie("user0")).contains("SameSite=Strict").doesNotContain("HttpOnly");
    assertThat(b.setCookie("refresh")).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/auth");
    assertThat(b.cookies).doesNotContainKey(SessionCookies.SIGN_IN);

    b.cookies.remove("user0");
    HttpResponse<String> refreshed = b.get(server.endpoint().resolve("/auth/refresh"));
    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
    assertThat(b.cookies).containsKey("user0");

    HttpResponse<String> out = b.get(server.endpoint().resolve("/auth/logout"));
    assertThat(out.statusCode()).isEqualTo(302);
    // The provider's session ends too, or the UI would sign straight back in.
    assertThat(out.headers().firstValue("location").orElseThrow())
        .startsWith(provider.endSessionEndpointUrl("default").toString()).contains("client_id=" + CLIENT)
        .contains("post_logout_redirect_uri=");
    assertThat(b.cookies).doesNotContainKeys("user0", "refresh");
  }

  @Test
  void aBadStateIsRefused() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    URI callback = toProviderAndBack(b);
    URI forged = URI.create(callback.toString().replaceAll("state=[^&]+", "state=forged"));
    assertClearRefusal(b.get(forged), 400, "state does not match");
  }

  @Test
  void aCallbackWithoutASignInInThisBrowserIsRefused() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    URI callback = toProviderAndBack(b);
    // Login CSRF: the attacker's callback URL opened in the victim's browser, which has no sign-in pending.
    assertClearRefusal(WebUiFixtures.Browser.plain().get(callback), 400, "no sign-in in progress");
  }

  @Test
  void aReplayedCodeIsRefused() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    URI callback = toProviderAndBack(b);
    String pending = b.cookies.get(SessionCookies.SIGN_IN);
    assertThat(b.get(callback).statusCode()).isEqualTo(302);
    WebUiFixtures.Browser replay = WebUiFixtures.Browser.plain();
    replay.cookies.put(SessionCookies.SIGN_IN, pending);
    assertClearRefusal(replay.get(callback), 400, "already completed");
  }

  @Test
  void aWrongPkceVerifierIsRefusedByTheProvider() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    URI callback = toProviderAndBack(b);
    String[] parts = b.cookies.get(SessionCookies.SIGN_IN).split("\\.");
    parts[2] = "x".repeat(50);
    b.cookies.put(SessionCookies.SIGN_IN, String.join(".", parts));
    assertClearRefusal(b.get(callback), 401, "refused the authorization code");
  }

  @Test
  void aWrongNonceIsRefused() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    URI callback = toProviderAndBack(b);
    String[] parts = b.cookies.get(SessionCookies.SIGN_IN).split("\\.");
    parts[1] = "other-nonce";
    b.cookies.put(SessionCookies.SIGN_IN, String.join(".", parts));
    assertClearRefusal(b.get(callback), 401, "ID token was rejected");
  }

  @Test
  void anAccessTokenForAnotherAudienceIsRefused() throws Exception {
    try (WebUiServer ui = uiFor("wrongaud")) {
      WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
      assertClearRefusal(b.get(toProviderAndBack(ui, b)), 401, "Gatehouse does not accept its access token");
    }
  }

  @Test
  void expiredTokensAreRefused() throws Exception {
    try (WebUiServer ui = uiFor("expired")) {
      WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
      assertClearRefusal(b.get(toProviderAndBack(ui, b)), 401, "ID token was rejected: Expired JWT");
    }
  }

  @Test
  void aProviderErrorIsShownPlainly() throws Exception {
    HttpResponse<String> r = WebUiFixtures.Browser.plain().get(server.endpoint()
        .resolve("/auth/sso/callback?error=access_denied%3Cscript%3E&state=x"));
    assertClearRefusal(r, 401, "access_denied");
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
  }

  @Test
  void malformedCallbacksGetOneLine() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    b.cookies.put(SessionCookies.SIGN_IN, "only.three.parts");
    assertClearRefusal(b.get(server.endpoint().resolve("/auth/sso/callback?state=only&code=x")), 400,
        "no sign-in in progress");
    b.cookies.put(SessionCookies.SIGN_IN, "st.nonce.verifier.%%%");
    assertClearRefusal(b.get(server.endpoint().resolve("/auth/sso/callback?state=st&code=" + "c".repeat(5000))),
        400, "no authorization code");
    // Every callback answer ends the pending sign-in in this browser.
    assertThat(b.cookies).doesNotContainKey(SessionCookies.SIGN_IN);
    b.cookies.put(SessionCookies.SIGN_IN, "st.nonce.verifier.%%%");
    assertClearRefusal(b.get(server.endpoint().resolve("/auth/sso/callback?state=st")), 400, "no authorization code");
  }

  @Test
  void refreshWithoutASessionIs401() throws Exception {
    assertThat(WebUiFixtures.Browser.plain().get(server.endpoint().resolve("/auth/refresh")).statusCode())
        .isEqualTo(401);
  }
}
