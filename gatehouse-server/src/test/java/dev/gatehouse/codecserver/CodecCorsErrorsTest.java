package dev.gatehouse.codecserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ServerTls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every answer the codec server gives a browser page of an allowed origin carries the CORS headers, errors
 * included, even Jetty's own refusals of a malformed path: without them the page sees a CORS failure, not the error.
 * And the UI's {@code POST /download} gets a clear 501.
 */
class CodecCorsErrorsTest {
  static final String ORIGIN = "http://localhost:8233";

  @TempDir static Path dir;
  static AccessController access;
  static CodecHttpServer server;

  @BeforeAll
  static void start() throws Exception {
    CodecFixtures.Signer signer = CodecFixtures.Signer.create(dir);
    access = AccessController.builder(signer.authorization()).build();
    Path keyring = dir.resolve("default.keyring");
    KeyringFiles.create(keyring, "default-1");
    server = CodecHttpServer.builder(new CodecServer("127.0.0.1:0", ServerTls.EMPTY, List.of(ORIGIN), false,
        64L * 1024, keyring.toString(), Map.of()), access).build().start();
  }

  @AfterAll
  static void stop() {
    server.close();
    access.close();
  }

  /** A raw HTTP/1.1 exchange, so the path goes out exactly as written ({@code //decode} included). */
  static List<String> exchange(String method, String path, String origin, String body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(10_000);
      StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n"
          + "Connection: close\r\nContent-Type: application/json\r\nX-Namespace: default\r\n");
      if (origin != null) {
        req.append("Origin: ").append(origin).append("\r\n");
      }
      if (method.equals("OPTIONS")) {
        req.append("Access-Control-Request-Method: POST\r\n");
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      req.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      List<String> lines = new ArrayList<>();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
      }
      return lines;
    }
  }

  static String header(List<String> response, String name) {
    String prefix = name.toLowerCase(Locale.ROOT) + ":";
    for (String line : response) {
      if (line.isEmpty()) {
        return null;
      }
      if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
        return line.substring(prefix.length()).strip();
      }
    }
    return null;
  }

  @Test
  void jettysOwnRefusalOfADoubleSlashCarriesCors() throws Exception {
    List<String> r = exchange("POST", "//decode", ORIGIN, "{\"payloads\":[]}");
    assertThat(r.get(0)).contains(" 400 ");
    assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(String.join("\n", r)).doesNotContainIgnoringCase("<html").doesNotContain("Exception");
  }

  @Test
  void aDisallowedOriginGetsNoCorsOnErrorsEither() throws Exception {
    List<String> r = exchange("POST", "//decode", "https://evil.example", "{}");
    assertThat(r.get(0)).contains(" 400 ");
    assertThat(header(r, "Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void unknownPathsAndRefusalsCarryCors() throws Exception {
    List<String> notFound = exchange("POST", "/nothing-here", ORIGIN, "{}");
    assertThat(notFound.get(0)).contains(" 404 ");
    assertThat(header(notFound, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    List<String> unauthenticated = exchange("POST", "/decode", ORIGIN, "{\"payloads\":[]}");
    assertThat(unauthenticated.get(0)).contains(" 401 ");
    assertThat(header(unauthenticated, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
  }

  @Test
  void downloadIsAClear501WithCors() throws Exception {
    List<String> preflight = exchange("OPTIONS", "/download", ORIGIN, "");
    assertThat(preflight.get(0)).contains(" 204 ");
    assertThat(header(preflight, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    for (String path : List.of("/download", "/default/download")) {
      List<String> r = exchange("POST", path, ORIGIN, "{\"payloads\":[]}");
      assertThat(r.get(0)).contains(" 501 ");
      assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
      assertThat(header(r, "Content-Type")).startsWith("application/json");
      assertThat(String.join("\n", r)).contains("does not download external payloads");
    }
  }

  @Test
  void downloadPathShapes() {
    assertThat(CodecHandler.isDownload("/download")).isTrue();
    assertThat(CodecHandler.isDownload("/ns/download")).isTrue();
    assertThat(CodecHandler.isDownload("//download")).isFalse();
    assertThat(CodecHandler.isDownload("/a/b/download")).isFalse();
    assertThat(CodecHandler.isDownload("/downloads")).isFalse();
  }
}
