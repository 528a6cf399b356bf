package dev.gatehouse.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.WebUi;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Web UI's origin over real HTTP: static build, settings, dev sign-in cookies, CSRF, the API hand-off. */
class WebUiServerTest {
  @TempDir static Path dir;
  static AccessController access;
  static WebUiFixtures.RecordingApi api;
  static WebUiServer server;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    Path build = WebUiFixtures.build(dir);
    access = AccessController.builder(Authorization.DEFAULT).build();
    api = new WebUiFixtures.RecordingApi();
    WebUi config = new WebUi("127.0.0.1:0", build.toString(), null, null, "payments",
        new WebUi.Codec(null, null, null), null);
    server = WebUiServer.builder(config, access).api(api).codecEndpoint(URI.create("https://localhost:7244/"))
        .devSignIn(() -> "dev.token.value").build().start();
  }

  @AfterAll
  static void stop() {
    server.close();
    access.close();
  }

  static URI url(String path) {
    return server.endpoint().resolve(path);
  }

  @Test
  void settingsAreTheUiServersShape() throws Exception {
    HttpResponse<String> r = WebUiFixtures.Browser.plain().get(url("/api/v1/settings"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
    JsonNode s = JSON.readTree(r.body());
    assertThat(s.at("/Auth/Enabled").asBoolean()).isTrue();
    assertThat(s.at("/Auth/Options").isArray()).isTrue();
    assertThat(s.at("/Auth/RedirectToProvider").asBoolean()).isTrue();
    assertThat(s.at("/DefaultNamespace").asText()).isEqualTo("payments");
    // The trailing slash is gone: the UI appends /decode.
    assertThat(s.at("/Codec/Endpoint").asText()).isEqualTo("https://localhost:7244");
    assertThat(s.at("/Codec/PassAccessToken").asBoolean()).isTrue();
    assertThat(s.at("/Codec/IncludeCredentials").asBoolean()).isFalse();
    assertThat(s.has("Version")).isTrue();
    assertThat(s.at("/DisableWriteActions").isBoolean()).isTrue();
    assertThat(s.at("/DisableNewsFetch").asBoolean()).isTrue();
    assertThat(r.headers().allValues("set-cookie")).anyMatch(c -> c.startsWith("_csrf="));
  }

  @Test
  void settingsNormalizeEveryTrailingSlash() {
    assertThat(Settings.normalize("https://codec.example.com//")).isEqualTo("https://codec.example.com");
    assertThat(Settings.normalize("https://codec.example.com/ns/")).isEqualTo("https://codec.example.com/ns");
  }

  @Test
  void staticFilesWithTypesAndCacheHeaders() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    HttpResponse<String> index = b.get(url("/"));
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).isEqualTo(WebUiFixtures.INDEX);
    assertThat(index.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(index.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(index.headers().firstValue("x-frame-options")).hasValue("DENY");
    HttpResponse<String> js = b.get(url("/_app/immutable/chunks/app.abc123.js"));
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(js.headers().firstValue("cache-control")).hasValue("public, max-age=31536000, immutable");
    assertThat(b.get(url("/favicon.ico")).headers().firstValue("content-type")).hasValue("image/x-icon");
    assertThat(b.get(url("/_app/version.json")).headers().firstValue("cache-control")).hasValue("no-cache");
    String etag = js.headers().firstValue("etag").orElseThrow();
    assertThat(b.get(url("/_app/immutable/chunks/app.abc123.js"), "If-None-Match", etag).statusCode())
        .isEqualTo(304);
  }

  @Test
  void clientRoutesFallBackToIndexButMissingBuildFilesDoNot() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    HttpResponse<String> route = b.get(url("/namespaces/default/workflows?query=x"));
    assertThat(route.statusCode()).isEqualTo(200);
    assertThat(route.body()).isEqualTo(WebUiFixtures.INDEX);
    assertThat(b.get(url("/_app/immutable/chunks/gone.js")).statusCode()).isEqualTo(404);
  }

  @Test
  void pathTraversalIsRefused() throws Exception {
    for (String path : List.of("/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/_app/../../secret.txt",
        "/.%2e/secret.txt", "/link-out.txt", "/%5c..%5csecret.txt", "//secret.txt")) {
      List<String> r = raw("GET " + path + " HTTP/1.1");
      String all = String.join("\n", r);
      assertThat(all).as(path).doesNotContain("TOP SECRET").doesNotContainIgnoringCase("exception");
    }
    assertThat(StaticAssets.plausible("/a/../b")).isFalse();
    assertThat(StaticAssets.plausible("/a\\b")).isFalse();
    assertThat(StaticAssets.plausible("/a//b")).isFalse();
  }

  @Test
  void otherMethodsOnStaticPathsAreRefused() throws Exception {
    HttpResponse<String> r = WebUiFixtures.Browser.plain().post(url("/index.html"), "x", "Authorization", "Bearer x");
    assertThat(r.statusCode()).isEqualTo(405);
  }

  @Test
  void devSignInSetsTheUiServersCookies() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    HttpResponse<String> r = b.get(url("/auth/sso?returnUrl=%2Fnamespaces%2Fdefault%2Fworkflows"));
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(r.headers().firstValue("location")).hasValue("/namespaces/default/workflows");
    String user0 = b.setCookie("user0");
    assertThat(user0).contains("Path=/").contains("SameSite=Strict").contains("Max-Age=60")
        .doesNotContain("HttpOnly")
        // Plain HTTP on loopback (dev): a Secure cookie would not be stored.
        .doesNotContain("Secure");
    String value = b.cookies.get("user0");
    assertThat(value).doesNotContain("=");
    JsonNode user = JSON.readTree(Base64.getDecoder().decode(value));
    assertThat(user.get("AccessToken").asText()).isEqualTo("dev.token.value");
    assertThat(user.get("Name").asText()).isEqualTo(DevSignIn.DEV_NAME);
    assertThat(b.setCookie("session_start")).contains("HttpOnly").contains("SameSite=Strict");
  }

  @Test
  void returnUrlCannotLeaveTheSite() {
    assertThat(SignIn.returnPath("https://evil.example/steal")).isEqualTo("/steal");
    assertThat(SignIn.returnPath("//evil.example/x")).isEqualTo("/x");
    assertThat(SignIn.returnPath("/\\evil.example")).isEqualTo("/");
    assertThat(SignIn.returnPath("javascript:alert(1)")).isEqualTo("/");
    assertThat(SignIn.returnPath("/namespaces/a?x=1")).isEqualTo("/namespaces/a?x=1");
    assertThat(SignIn.returnPath("/a\r\nSet-Cookie: x")).isEqualTo("/");
    assertThat(SignIn.returnPath(null)).isEqualTo("/");
  }

  @Test
  void unsafeApiCallsNeedAuthorizationOrAMatchingCsrfToken() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    b.get(url("/api/v1/settings"));
    String csrf = b.cookies.get("_csrf");
    assertThat(csrf).isNotBlank();
    assertThat(b.setCookie("_csrf")).contains("SameSite=Strict").doesNotContain("HttpOnly");
    int before = api.seen.size();

    HttpResponse<String> none = b.post(url("/api/v1/namespaces/default/workflows/w/signal/s"), "{}");
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(none.body()).get("code").asInt()).isEqualTo(7);
    assertThat(b.post(url("/api/v1/namespaces/default/workflows/w/signal/s"), "{}", "X-CSRF-TOKEN", "wrong")
        .statusCode()).isEqualTo(403);
    WebUiFixtures.Browser noCookie = WebUiFixtures.Browser.plain();
    assertThat(noCookie.post(url("/api/v1/namespaces/default/workflows/w/signal/s"), "{}", "X-CSRF-TOKEN", csrf)
        .statusCode()).isEqualTo(403);
    assertThat(b.send(java.net.http.HttpRequest.newBuilder(url("/api/v1/namespaces/default"))
        .DELETE()).statusCode()).isEqualTo(403);
    assertThat(api.seen.size()).as("nothing refused reached the API").isEqualTo(before);

    assertThat(b.post(url("/api/v1/namespaces/default/workflows/w/signal/s"), "{}", "X-CSRF-TOKEN", csrf)
        .statusCode()).isEqualTo(200);
    assertThat(WebUiFixtures.Browser.plain().post(url("/api/v1/namespaces/default/workflows/w/signal/s"), "{}",
        "Authorization", "Bearer abc").statusCode()).isEqualTo(200);
  }

  @Test
  void theApiGetsTheCallersAuthorizationAndNoCookies() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    b.get(url("/auth/sso"));
    assertThat(b.cookies).containsKey("user0");
    HttpResponse<String> r = b.get(url("/api/v1/namespaces?pageSize=10"), "Authorization", "Bearer user-token",
        "Authorization-Extras", "id-token", "Caller-Type", "operator");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("/api/v1/namespaces");
    var seen = api.seen.get(api.seen.size() - 1);
    assertThat(seen.get("Authorization")).isEqualTo("Bearer user-token");
    assertThat(seen.get("Authorization-Extras")).isEqualTo("id-token");
    assertThat(seen.get("Cookie")).isNull();
  }

  @Test
  void historyJsonIsEveryPageAsOneArray() throws Exception {
    WebUiFixtures.Browser b = WebUiFixtures.Browser.plain();
    HttpResponse<String> r = b.get(url("/api/v1/namespaces/default/workflows/wf%2F1/run/r-1/history.json"),
        "Authorization", "Bearer user-token");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode events = JSON.readTree(r.body());
    assertThat(events.isArray()).isTrue();
    assertThat(events).hasSize(2);
    assertThat(events.get(0).get("runId").asText()).isEqualTo("r-1");
    assertThat(events.get(1).get("token").asText()).isEqualTo("cGFnZTI=");
    assertThat(r.headers().firstValue("content-disposition")).hasValueSatisfying(v -> assertThat(v)
        .contains("history.json"));
    assertThat(api.seen.get(api.seen.size() - 1).get("Authorization")).isEqualTo("Bearer user-token");

    HttpResponse<String> denied = b.get(url("/api/v1/namespaces/default/workflows/wf/run/r/history.json"),
        "Authorization", "Bearer denied");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(denied.body()).get("code").asInt()).isEqualTo(7);
  }

  @Test
  void historyJsonRouteShapes() {
    assertThat(HistoryDownload.match("/api/v1/namespaces/ns/workflows/a%2Fb/run/r/history.json"))
        .containsExactly("ns", "a%2Fb", "r");
    assertThat(HistoryDownload.match("/api/v1/namespaces/ns/workflows/../run/r/history.json")).isNull();
    assertThat(HistoryDownload.match("/api/v1/namespaces/%2E%2E/workflows/w/run/r/history.json")).isNull();
    assertThat(HistoryDownload.match("/api/v1/namespaces/ns/workflows/w/run/r/history.jsonx")).isNull();
    assertThat(HistoryDownload.match("/api/v1/namespaces/ns/workflows/w/history")).isNull();
  }

  @Test
  void withoutTheApiFaceApiCallsAre503() throws Exception {
    try (WebUiServer bare = WebUiServer.builder(new WebUi("127.0.0.1:0", WebUiFixtures.build(dir.resolve("b2"))
        .toString()), access).devSignIn(() -> "t").build().start()) {
      HttpResponse<String> r = WebUiFixtures.Browser.plain().get(bare.endpoint().resolve("/api/v1/namespaces"),
          "Authorization", "Bearer t");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(r.body()).get("code").asInt()).isEqualTo(14);
    }
  }

  @Test
  void plainHttpAwayFromLoopbackAndNoSignInAreRefused() throws Exception {
    String build = WebUiFixtures.build(dir.resolve("b3")).toString();
    assertThatThrownBy(() -> WebUiServer.builder(new WebUi("0.0.0.0:0", build), access).devSignIn(() -> "t").build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("without TLS");
    assertThatThrownBy(() -> WebUiServer.builder(new WebUi("127.0.0.1:0", build), access).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("webUi.oidc");
    assertThatThrownBy(() -> WebUiServer.builder(new WebUi("127.0.0.1:0", dir.resolve("none").toString()), access)
        .devSignIn(() -> "t").build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("webUi.assetsDir");
  }

  @Test
  void badRequestsGetShortAnswersWithoutStacks() throws Exception {
    for (String line : List.of("GET /%zz HTTP/1.1", "GET /auth/sso?returnUrl=%zz HTTP/1.1", "BREW / HTTP/1.1")) {
      String all = String.join("\n", raw(line));
      assertThat(all).as(line).doesNotContainIgnoringCase("exception").doesNotContain("<html")
          .doesNotContain("at org.");
    }
  }

  @Test
  void oversizedHeadersAreRefusedBeforeAnything() throws Exception {
    List<String> r = raw("GET / HTTP/1.1\r\nX-Big: " + "a".repeat(40 * 1024));
    assertThat(r.get(0)).contains(" 431 ");
    assertThat(String.join("\n", r)).doesNotContain("<html").doesNotContainIgnoringCase("exception");
  }

  static List<String> raw(String requestLine) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write((requestLine + "\r\nHost: localhost\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      List<String> lines = new ArrayList<>();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      for (String l = in.readLine(); l != null; l = in.readLine()) {
        lines.add(l);
      }
      return lines;
    }
  }
}
