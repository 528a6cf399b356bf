package dev.gatehouse.auth;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A real HTTP server on loopback serving a JWKS that tests can change, break and count. */
final class JwksServer implements AutoCloseable {
  private final HttpServer server;
  final AtomicReference<String> body = new AtomicReference<>("{\"keys\":[]}");
  final AtomicInteger status = new AtomicInteger(200);
  final AtomicInteger requests = new AtomicInteger();

  JwksServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/jwks.json", exchange -> {
      requests.incrementAndGet();
      byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status.get(), b.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(b);
      }
    });
    server.start();
  }

  String uri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
