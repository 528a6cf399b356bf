package dev.gatehouse;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health and metrics over plain HTTP for orchestrators and Prometheus: {@code /livez} (the process answers),
 * {@code /readyz} (the upstream frontend answers SERVING), {@code /metrics} (Prometheus text format).
 *
 * <p>It serves no caller data, so it needs no authentication; bind it to an address only operators reach.
 */
final class OperationsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperationsServer.class);

  private final Server server;
  private final ServerConnector connector;

  OperationsServer(InetSocketAddress address, BooleanSupplier ready, PrometheusMeterRegistry metrics) {
    QueuedThreadPool threads = new QueuedThreadPool(8, 2);
    threads.setName("gatehouse-ops");
    server = new Server(threads);
    connector = new ServerConnector(server, 1, 1);
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
          return reply(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "text/plain", "method not allowed\n");
        }
        return switch (Request.getPathInContext(request)) {
          case "/livez" -> reply(response, callback, 200, "text/plain", "ok\n");
          case "/readyz" -> ready.getAsBoolean()
              ? reply(response, callback, 200, "text/plain", "ready\n")
              : reply(response, callback, 503, "text/plain", "upstream not serving\n");
          case "/metrics" -> reply(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
          default -> reply(response, callback, 404, "text/plain", "not found\n");
        };
      }
    });
  }

  private static boolean reply(Response response, Callback callback, int status, String type, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    Content.Sink.write(response, true, body, callback);
    return true;
  }

  /** Binds the address and starts serving; a failure (e.g. the port is taken) is left to the caller to report. */
  void start() throws Exception {
    server.start();
    String host = connector.getHost().indexOf(':') >= 0 ? "[" + connector.getHost() + "]" : connector.getHost();
    log.info("health and metrics on http://{}:{}/ (livez, readyz, metrics)", host, port());
  }

  int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
