package dev.gatehouse.webui;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** A tiny UI build, a cookie-aware client that never follows redirects, and a recording API stand-in. */
final class WebUiFixtures {
  private WebUiFixtures() {}

  static final String INDEX = "<!doctype html><html><body>temporal ui</body></html>";

  /** {@code dir/build} with index.html, a hashed asset and a favicon; {@code dir/secret.txt} beside it. */
  static Path build(Path dir) throws IOException {
    Path build = dir.resolve("build");
    Files.createDirectories(build.resolve("_app/immutable/chunks"));
    Files.writeString(build.resolve("index.html"), INDEX);
    Files.writeString(build.resolve("_app/immutable/chunks/app.abc123.js"), "console.log('ui')");
    Files.writeString(build.resolve("_app/version.json"), "{\"version\":\"1\"}");
    Files.write(build.resolve("favicon.ico"), new byte[] {0, 0, 1, 0});
    Files.writeString(dir.resolve("secret.txt"), "TOP SECRET");
    try {
      Files.createSymbolicLink(build.resolve("link-out.txt"), dir.resolve("secret.txt"));
    } catch (UnsupportedOperationException | IOException e) {
      // no symbolic links here: that case is not exercised
    }
    return build;
  }

  /**
   * A test-only stand-in for the HTTP API face's handler (the real one is httpapi's): answers {@code {}} and records
   * the headers it was handed.
   */
  static final class RecordingApi extends Handler.Abstract {
    final List<HttpFields> seen = new CopyOnWriteArrayList<>();

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      seen.add(HttpFields.build(request.getHeaders()).asImmutable());
      response.getHeaders().put("Content-Type", "application/json");
      String path = Request.getPathInContext(request);
      if (path.endsWith("/history")) {
        // Two pages, as the real API would page a long history.
        if ("Bearer denied".equals(request.getHeaders().get("Authorization"))) {
          response.setStatus(403);
          Content.Sink.write(response, true, "{\"code\":7,\"message\":\"Request unauthorized.\",\"details\":[]}",
              callback);
          return true;
        }
        String token = Request.extractQueryParameters(request).getValue("nextPageToken");
        String runId = Request.extractQueryParameters(request).getValue("execution.runId");
        response.setStatus(200);
        Content.Sink.write(response, true, token == null
            ? "{\"history\":{\"events\":[{\"eventId\":\"1\",\"runId\":\"" + runId + "\"}]},\"nextPageToken\":\"cGFnZTI=\"}"
            : "{\"history\":{\"events\":[{\"eventId\":\"2\",\"token\":\"" + token + "\"}]},\"nextPageToken\":\"\"}",
            callback);
        return true;
      }
      response.setStatus(200);
      Content.Sink.write(response, true, "{\"path\":\"" + path + "\"}", callback);
      return true;
    }
  }

  /** A browser-like client: keeps cookies per name (what the server set last), sends them all, never redirects. */
  static final class Browser {
    final HttpClient client;
    final Map<String, String> cookies = new LinkedHashMap<>();
    final List<String> setCookies = new ArrayList<>();

    Browser(HttpClient client) {
      this.client = client;
    }

    static Browser plain() {
      return new Browser(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5)).build());
    }

    HttpResponse<String> get(URI url, String... headers) throws Exception {
      return send(HttpRequest.newBuilder(url).GET(), headers);
    }

    HttpResponse<String> post(URI url, String body, String... headers) throws Exception {
      return send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString(body))
          .header("Content-Type", "application/json"), headers);
    }

    HttpResponse<String> send(HttpRequest.Builder b, String... headers) throws Exception {
      b.timeout(Duration.ofSeconds(20));
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
      }
      if (!cookies.isEmpty()) {
        StringBuilder c = new StringBuilder();
        cookies.forEach((k, v) -> c.append(c.isEmpty() ? "" : "; ").append(k).append('=').append(v));
        b.header("Cookie", c.toString());
      }
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      for (String set : r.headers().allValues("set-cookie")) {
        setCookies.add(set);
        String pair = set.split(";", 2)[0];
        int eq = pair.indexOf('=');
        String name = pair.substring(0, eq);
        String value = pair.substring(eq + 1);
        if (value.isEmpty() || set.contains("Max-Age=0")) {
          cookies.remove(name);
        } else {
          cookies.put(name, value);
        }
      }
      return r;
    }

    /** The last {@code Set-Cookie} for {@code name}. */
    String setCookie(String name) {
      String last = null;
      for (String s : setCookies) {
        if (s.startsWith(name + "=")) {
          last = s;
        }
      }
      return last;
    }
  }

  /** A client that trusts any certificate: only for this test's own loopback servers with the dev PKI. */
  static HttpClient insecureClient() throws Exception {
    javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
    ssl.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }
}
