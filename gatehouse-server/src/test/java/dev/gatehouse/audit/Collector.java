package dev.gatehouse.audit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/** A real HTTP collector on a loopback port whose answers a test scripts: status codes, hangs, dropped connections. */
final class Collector implements AutoCloseable {
  /** What the collector does with one request. */
  sealed interface Answer {}

  record Status(int code, String body) implements Answer {}

  /** Never answers (until the test ends). */
  record Hang() implements Answer {}

  /** Closes the connection without an answer. */
  record Drop() implements Answer {}

  /** One request as it arrived, and what it got. */
  record Request(String path, Map<String, List<String>> headers, byte[] body, Answer answer) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      List<String> v = headers.get(name);
      return v == null ? null : v.get(0);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
  private volatile Answer otherwise = new Status(200, "{\"text\":\"Success\",\"code\":0}");
  final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final CountDownLatch release = new CountDownLatch(1);

  private Collector(HttpServer server) {
    this.server = server;
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  static Collector http(int port) throws IOException {
    return new Collector(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0));
  }

  static Collector https(SSLContext context) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.setHttpsConfigurator(new HttpsConfigurator(context));
    return new Collector(s);
  }

  int port() {
    return server.getAddress().getPort();
  }

  URI uri(String path) {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return URI.create(scheme + "://" + (server instanceof HttpsServer ? "localhost" : "127.0.0.1") + ":" + port()
        + path);
  }

  /** The next requests get these answers, in order; then {@link #otherwise}. */
  Collector then(Answer... answers) {
    script.addAll(List.of(answers));
    return this;
  }

  Collector otherwise(Answer answer) {
    this.otherwise = answer;
    return this;
  }

  Request next() throws InterruptedException {
    Request r = requests.poll(30, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the collector got no request within 30 s");
    }
    return r;
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    Answer a = script.poll();
    if (a == null) {
      a = otherwise;
    }
    Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(ex.getRequestHeaders());
    requests.add(new Request(ex.getRequestURI().getPath(), headers, body, a));
    switch (a) {
      case Status s -> {
        byte[] out = s.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(s.code(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
          ex.getResponseBody().write(out);
        }
        ex.close();
      }
      case Hang h -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ex.close();
      }
      case Drop d -> ex.close();
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
