package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.pipeline.GateVerdict;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The handler in its other forms: the Web UI's ({@code /api/v1} only, standard proto3 JSON, the signed-in user's
 * token from a cookie), behind a per-namespace host name, and to browsers of allowed and other origins. Plain HTTP on
 * loopback against an embedded upstream; everyone is allowed (claim mapper and authorizer noop) except where a test
 * says otherwise, so only the handler's own checks decide.
 */
class HttpApiHandlerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static EmbeddedTemporal upstream;
  static ManagedChannel channel;
  static Server server;
  static final List<String> forwarded = new CopyOnWriteArrayList<>();
  static final List<String> tokens = new CopyOnWriteArrayList<>();
  static final List<java.util.Set<String>> headerKeys = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    upstream = EmbeddedTemporal.start(0, null);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", upstream.port()).usePlaintext().build();
    AccessController open = AccessController.builder(
        new Authorization(null, null, null, "noop", "noop", null, null, null)).build();
    CallPipeline pipeline = CallPipeline.builder(open).gate(call -> {
      forwarded.add(call.method().methodName() + " " + call.namespace());
      tokens.add(String.valueOf(call.credentials().authToken()));
      headerKeys.add(java.util.Set.copyOf(call.headers().keys()));
      return GateVerdict.admitted();
    }).build();
    Handler ui = HttpApiHandler.builder(pipeline, channel)
        .routePrefix("/api/v1")
        .payloadShorthand(false)
        .ignoreUnknownQueryParameters(true)
        .credentials(request -> {
          var cookies = Request.getCookies(request);
          return cookies.stream().filter(c -> c.getName().equals("user0")).map(c -> "Bearer " + c.getValue())
              .findFirst().orElse(null);
        })
        .build();
    Handler perNamespace = HttpApiHandler.builder(pipeline, channel).namespaceDomain("api.example.test")
        .allowedOrigins(List.of("https://ops.example.test"), false).build();
    Handler strict = HttpApiHandler.builder(pipeline, channel)
        .bodyLimits(1024, 4096, java.time.Duration.ofMillis(300)).build();
    server = new Server();
    ServerConnector uiConnector = new ServerConnector(server);
    uiConnector.setHost("127.0.0.1");
    uiConnector.setName("ui");
    ServerConnector apiConnector = new ServerConnector(server);
    apiConnector.setHost("127.0.0.1");
    ServerConnector strictConnector = new ServerConnector(server);
    strictConnector.setHost("127.0.0.1");
    server.addConnector(uiConnector);
    server.addConnector(apiConnector);
    server.addConnector(strictConnector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (request.getConnectionMetaData().getConnector() == uiConnector) {
          if (ui.handle(request, response, callback)) {
            return true;
          }
          // What the Web UI server would do with the rest: its static files.
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html");
          response.write(true, java.nio.ByteBuffer.wrap("<html>ui</html>".getBytes(StandardCharsets.UTF_8)),
              callback);
          return true;
        }
        if (request.getConnectionMetaData().getConnector() == strictConnector) {
          return strict.handle(request, response, callback);
        }
        return perNamespace.handle(request, response, callback);
      }
    });
    ui.setServer(server);
    perNamespace.setServer(server);
    strict.setServer(server);
    server.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static int port(int i) {
    return ((ServerConnector) server.getConnectors()[i]).getLocalPort();
  }

  /** One request as written, over plain HTTP; returns the raw answer. */
  static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = s.getInputStream().read(buf)) > 0) {
        got.write(buf, 0, n);
      }
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  static String get(int port, String host, String path, String... headers) throws IOException {
    StringBuilder r = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
    for (String h : headers) {
      r.append(h).append("\r\n");
    }
    return exchange(port, r.append("\r\n").toString());
  }

  static JsonNode body(String answer) throws IOException {
    return JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
  }

  @Test
  void theWebUiFormServesOnlyApiV1InStandardJsonWithTheCookieToken() throws Exception {
    String post = "POST /api/v1/namespaces/default/workflows/ui-1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        + "Cookie: user0=token-of-ada\r\nContent-Type: application/json\r\n";
    String body = "{\"workflowType\":{\"name\":\"W\"},\"taskQueue\":{\"name\":\"q\"},\"requestId\":\"r-1\","
        + "\"input\":{\"payloads\":[{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},\"data\":\"ImFkYSI=\"}]}}";
    String started = exchange(port(0), post + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    assertThat(started).startsWith("HTTP/1.1 200");
    assertThat(tokens).contains("Bearer token-of-ada");

    String history = get(port(0), "localhost", "/api/v1/namespaces/default/workflows/ui-1/history");
    assertThat(history).startsWith("HTTP/1.1 200");
    JsonNode input = body(history).path("history").path("events").get(0)
        .path("workflowExecutionStartedEventAttributes").path("input");
    assertThat(input.path("payloads").get(0).path("data").asText()).isEqualTo("ImFkYSI=");

    // As grpc-gateway (and so the ui-server) does, a query parameter that is no field is ignored there (UI 2.53.3
    // sends some); one that is a field set by the path is still refused, so the path's namespace stands.
    assertThat(get(port(0), "localhost", "/api/v1/namespaces/default/workflows/ui-1/history?noSuchField=1"))
        .startsWith("HTTP/1.1 200");
    assertThat(get(port(0), "localhost", "/api/v1/namespaces/default/workflows/ui-1/history?namespace=other"))
        .startsWith("HTTP/1.1 400");
    assertThat(get(port(2), "localhost", "/api/v1/namespaces/default/workflows/ui-1/history?noSuchField=1"))
        .startsWith("HTTP/1.1 400").contains("unknown query parameter noSuchField");

    // The shorthand is not read either: this is the ui-server's form.
    String shorthand = "{\"workflowType\":{\"name\":\"W\"},\"taskQueue\":{\"name\":\"q\"},\"requestId\":\"r-2\","
        + "\"input\":[\"ada\"]}";
    assertThat(exchange(port(0), post.replace("ui-1", "ui-2") + "Content-Length: " + shorthand.length()
        + "\r\n\r\n" + shorthand)).startsWith("HTTP/1.1 400");

    // Outside /api/v1 the next handler answers; the unprefixed Temporal bindings are not served here.
    assertThat(get(port(0), "localhost", "/namespaces/default/workflows/ui-1")).contains("<html>ui</html>");
    assertThat(get(port(0), "localhost", "/api/v1/nothing")).startsWith("HTTP/1.1 404").contains("\"code\":5");
  }

  @Test
  void aNamespaceHostServesOnlyItsNamespace() throws Exception {
    forwarded.clear();
    assertThat(get(port(1), "default.api.example.test", "/api/v1/namespaces/default/workflows/none"))
        .as("reaches the upstream, which does not know the workflow").startsWith("HTTP/1.1 404")
        .contains("\"code\":5");
    assertThat(forwarded).containsExactly("DescribeWorkflowExecution default");
    assertThat(get(port(1), "payments.api.example.test", "/api/v1/namespaces/default/workflows/none"))
        .startsWith("HTTP/1.1 403");
    assertThat(get(port(1), "payments.api.example.test", "/api/v1/cluster-info")).startsWith("HTTP/1.1 403");
    assertThat(get(port(1), "payments.api.example.test", "/api/v1/system-info")).startsWith("HTTP/1.1 200");
    assertThat(get(port(1), "api.example.test", "/api/v1/namespaces/default/workflows/none"))
        .as("the bare domain serves every namespace").startsWith("HTTP/1.1 404");
    assertThat(get(port(1), "evil.example.test", "/api/v1/namespaces/default/workflows/none"))
        .startsWith("HTTP/1.1 403").contains("Host not allowed");
    assertThat(forwarded).containsExactly("DescribeWorkflowExecution default", "GetSystemInfo ",
        "DescribeWorkflowExecution default");
  }

  @Test
  void browsersOfOtherOriginsGetNothingAllowedOnesGetCorsHeaders() throws Exception {
    forwarded.clear();
    String preflight = exchange(port(1), "OPTIONS /api/v1/namespaces/default/workflows/w HTTP/1.1\r\n"
        + "Host: api.example.test\r\nConnection: close\r\nOrigin: https://ops.example.test\r\n"
        + "Access-Control-Request-Method: POST\r\n\r\n");
    assertThat(preflight).startsWith("HTTP/1.1 204").contains("Access-Control-Allow-Origin: https://ops.example.test")
        .contains("Access-Control-Allow-Methods: ");
    assertThat(get(port(1), "api.example.test", "/api/v1/system-info", "Origin: https://ops.example.test"))
        .startsWith("HTTP/1.1 200").contains("Access-Control-Allow-Origin: https://ops.example.test");
    String other = get(port(1), "api.example.test", "/api/v1/system-info", "Origin: https://evil.example.test");
    assertThat(other).startsWith("HTTP/1.1 403").doesNotContain("Access-Control-Allow-Origin");
    assertThat(forwarded).containsExactly("GetSystemInfo ");
  }

  @Test
  void onlyCredentialHeadersAndForwardedForBecomeMetadata() throws Exception {
    headerKeys.clear();
    assertThat(get(port(1), "api.example.test", "/api/v1/system-info", "Authorization: Bearer t",
        "Authorization-Extras: id", "X-Forwarded-For: 203.0.113.7", "Temporal-Principal-Id: admin",
        "Gatehouse-Caller: admin", "Caller-Type: operator", "Grpc-Timeout: 1S", "User-Agent: curl/8",
        "Client-Name: temporal-cli")).startsWith("HTTP/1.1 200");
    assertThat(headerKeys).hasSize(1);
    assertThat(headerKeys.get(0)).containsExactlyInAnyOrder("authorization", "authorization-extras",
        "x-forwarded-for");
    assertThat(get(port(1), "api.example.test", "/api/v1/system-info", "Authorization: Bearer t",
        "Authorization: Bearer u")).as("ambiguous credentials").startsWith("HTTP/1.1 401");
    assertThat(get(port(1), "api.example.test", "/api/v1/system-info", "Authorization: Bearer \u00e9"))
        .startsWith("HTTP/1.1 400");
    assertThat(headerKeys).hasSize(1);
  }

  @Test
  void malformedPathsAndQueriesAreOneLineOfJson() throws Exception {
    // (A malformed path is refused by Jetty's parser before any handler: see HttpApiEndToEndTest for its answer.)
    for (String path : List.of("/api/v1/system-info?pretty=%zz", "/api/v1/system-info?a=%C3%28")) {
      String answer = get(port(1), "api.example.test", path);
      assertThat(answer).as(path).startsWith("HTTP/1.1 400").contains("\"code\":3")
          .doesNotContain("Exception").doesNotContain("<html");
    }
  }

  @Test
  void aBodyThatDoesNotArriveInTimeIs408AndOneTooLargeIs413() throws Exception {
    forwarded.clear();
    String head = "POST /api/v1/namespaces/default/workflows/slow HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    // Ten of the hundred bytes, then nothing: the server's deadline answers, no thread waited.
    String slow;
    try (Socket s = new Socket("127.0.0.1", port(2))) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write((head + "{\"identity").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      byte[] buf = new byte[4096];
      int n = s.getInputStream().read(buf);
      slow = new String(buf, 0, Math.max(n, 0), StandardCharsets.UTF_8);
    }
    assertThat(slow).startsWith("HTTP/1.1 408");
    String big = "{\"identity\":\"" + "a".repeat(2000) + "\"}";
    assertThat(exchange(port(2), "POST /api/v1/namespaces/default/workflows/big HTTP/1.1\r\nHost: localhost\r\n"
        + "Connection: close\r\nContent-Type: application/json\r\nContent-Length: " + big.length() + "\r\n\r\n"
        + big)).startsWith("HTTP/1.1 413");
    assertThat(forwarded).isEmpty();
  }

  @Test
  void aFormPostFromABrowserIsRefused() throws Exception {
    String body = "workflowType=x";
    String answer = exchange(port(1), "POST /api/v1/namespaces/default/workflows/form HTTP/1.1\r\n"
        + "Host: api.example.test\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    assertThat(answer).startsWith("HTTP/1.1 415");
    assertThat(forwarded).noneMatch(f -> f.contains("form"));
  }
}
