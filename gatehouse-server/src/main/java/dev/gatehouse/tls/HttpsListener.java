package dev.gatehouse.tls;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetty HTTP/1.1 listener of Gatehouse's HTTP faces (codec server, HTTP API, Web UI): HTTPS with a
 * {@link JdkServerTls} (its protocols and client-auth mode, forward-secret AEAD suites only, no session resumption and
 * no tickets), or plain HTTP without one (the face decides where that is allowed).
 *
 * <p>With a scheduler, the TLS files are re-read every interval; after new client CAs, connections whose client
 * certificate they refuse are closed when idle, else after the request in flight (which is answered first).
 *
 * <pre>{@code
 * HttpsListener listener = HttpsListener.builder("HTTP API", "gatehouse-httpapi", address)
 *     .tls(JdkServerTls.create(...)).handler(handler).errorHandler(errors)
 *     .refresh(scheduler, Duration.ofMinutes(1), null).build().start();
 * }</pre>
 */
public final class HttpsListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpsListener.class);
  // Web UI access tokens can be large; the claim mapper bounds them itself (maxTokenSize).
  private static final int REQUEST_HEADER_BYTES = 32 * 1024;
  // Over the 7 days (604800 s) a TLS 1.3 ticket may live: the JDK then issues none.
  private static final int NO_TICKETS_SESSION_SECONDS = 604_801;
  /** A connection attribute: its client certificate was refused by a CA reload. */
  private static final String REFUSED = "dev.gatehouse.tls.refusedByCaReload";
  private static final String PEER_ATTRIBUTE = "dev.gatehouse.tls.peer";

  private final String name;
  private final Server server;
  private final ServerConnector connector;
  private final JdkServerTls tls;
  private final ScheduledExecutorService scheduler;
  private final Duration refreshInterval;
  private final Runnable alongside;
  private ScheduledFuture<?> reloads;

  private HttpsListener(String name, Server server, ServerConnector connector, JdkServerTls tls,
      ScheduledExecutorService scheduler, Duration refreshInterval, Runnable alongside) {
    this.name = name;
    this.server = server;
    this.connector = connector;
    this.tls = tls;
    this.scheduler = scheduler;
    this.refreshInterval = refreshInterval;
    this.alongside = alongside;
  }

  /**
   * A builder for a listener on {@code address}.
   *
   * @param name what logs and errors call it, e.g. {@code "codec server"}
   * @param threads the name of its request threads, e.g. {@code "gatehouse-codec"}
   */
  public static Builder builder(String name, String threads, InetSocketAddress address) {
    return new Builder(name, threads, address);
  }

  /**
   * Starts listening and, with a scheduler, the periodic checks.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public synchronized HttpsListener start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + connector.getHost() + ":" + connector.getPort() + ": "
          + e.getMessage(), e);
    }
    if (scheduler != null && (tls != null || alongside != null)) {
      long millis = refreshInterval.toMillis();
      reloads = scheduler.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  /**
   * The base URL, e.g. {@code https://localhost:7243}; a wildcard address ({@code 0.0.0.0}, or none) is given as
   * {@code localhost}, an address to hand out.
   */
  public URI endpoint() {
    String host = connector.getHost() == null || connector.getHost().equals("0.0.0.0") ? "localhost"
        : connector.getHost();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return URI.create((tls != null ? "https://" : "http://") + host + ":" + port());
  }

  /** The periodic check: the face's own ({@code alongside}), then the TLS files. */
  private void refresh() {
    if (alongside != null) {
      alongside.run();
    }
    reloadTls();
  }

  /**
   * Re-reads the TLS files; when they changed, new handshakes use them and the connections the new client CAs refuse
   * are closed. A failed check keeps the current material and is logged without its details.
   */
  public void reloadTls() {
    if (tls == null) {
      return;
    }
    try {
      if (tls.reloadIfChanged()) {
        log.info("{}: new TLS material in use for new connections", name);
        closeRefusedConnections();
      }
    } catch (RuntimeException e) {
      log.warn("{}: TLS material check failed: {}", name, e.getClass().getName());
    }
  }

  /**
   * After a reload of the client CAs: connections whose client certificate no longer validates are closed now when
   * idle, else marked so that they serve no further request (see {@link RefusedConnections}).
   *
   * @return how many were closed now
   */
  int closeRefusedConnections() {
    int closed = 0;
    for (EndPoint endPoint : connector.getConnectedEndPoints()) {
      if (!(endPoint.getConnection() instanceof SslConnection ssl)) {
        continue;
      }
      String refusal = tls.refusal(ssl.getSSLEngine().getSession());
      if (refusal == null) {
        continue;
      }
      boolean busy = false;
      if (ssl.getSslEndPoint().getConnection() instanceof HttpConnection http) {
        http.setAttribute(REFUSED, Boolean.TRUE);
        busy = http.getHttpChannel().getRequest() != null;
      }
      log.info("{}: closing the connection from {}{}: after the CA reload, {}", name,
          endPoint.getRemoteSocketAddress(), busy ? " after its request in flight" : "", refusal);
      if (!busy) {
        endPoint.close();
        closed++;
      }
    }
    return closed;
  }

  /** Stops the checks and the server; requests in flight are cut off. */
  @Override
  public synchronized void close() {
    if (reloads != null) {
      reloads.cancel(false);
    }
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(name + " did not stop cleanly", e);
    }
  }

  /**
   * The client certificate the TLS layer verified for {@code request}, or {@code null}; parsed once per connection
   * (resumption is refused on these listeners, so a session is one connection's).
   */
  public static PeerCertificate peerOf(Request request) {
    EndPoint.SslSessionData ssl = request.getConnectionMetaData().getConnection().getEndPoint().getSslSessionData();
    SSLSession session = ssl == null ? null : ssl.sslSession();
    if (session == null) {
      return null;
    }
    if (session.getValue(PEER_ATTRIBUTE) instanceof PeerCertificate cached) {
      return cached;
    }
    PeerCertificate peer = FrontendTls.peerOf(session);
    if (peer != null) {
      session.putValue(PEER_ATTRIBUTE, peer);
    }
    return peer;
  }

  /**
   * TLS 1.3's suites, and for TLS 1.2 (only with {@code minVersion: 1.2}) forward-secret AEAD ones, as browsers and Go
   * prefer; CBC, SHA-1 MACs and static RSA key exchange are left out.
   */
  static boolean strongSuite(String suite) {
    return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")
        || (suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_") || suite.contains("_CHACHA20_")));
  }

  /**
   * Closes, without an answer, a connection marked refused by a CA reload when its next request arrives; the one in
   * flight at the reload is answered first. A client retries a request on a reused connection that closes unanswered.
   */
  private static final class RefusedConnections extends Handler.Wrapper {
    RefusedConnections(Handler next) {
      super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (Boolean.TRUE.equals(request.getConnectionMetaData().getAttribute(REFUSED))) {
        request.getConnectionMetaData().getConnection().getEndPoint().close();
        callback.failed(new EofException("connection refused by a CA reload"));
        return true;
      }
      return super.handle(request, response, callback);
    }
  }

  /** Builds an {@link HttpsListener} (not started). */
  public static final class Builder {
    private final String name;
    private final String threads;
    private final InetSocketAddress address;
    private JdkServerTls tls;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private boolean encodedSlashes;
    private ErrorHandler errorHandler;
    private Handler handler;
    private ScheduledExecutorService scheduler;
    private Duration refreshInterval = Duration.ofMinutes(1);
    private Runnable alongside;

    private Builder(String name, String threads, InetSocketAddress address) {
      this.name = Objects.requireNonNull(name, "name");
      this.threads = Objects.requireNonNull(threads, "threads");
      this.address = Objects.requireNonNull(address, "address");
    }

    /** Serves HTTPS with {@code tls}; {@code null} (the default) serves plain HTTP. */
    public Builder tls(JdkServerTls tls) {
      this.tls = tls;
      return this;
    }

    /** How long an idle connection is kept; default 30 seconds. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Objects.requireNonNull(idleTimeout);
      return this;
    }

    /**
     * Accepts {@code %2F} inside a path segment (Jetty refuses it by default): workflow ids may hold {@code '/'}, and
     * the handler must split the raw path itself and never map it to a file.
     */
    public Builder encodedSlashes() {
      this.encodedSlashes = true;
      return this;
    }

    /** Jetty's own answers (a malformed request, headers too large); default Jetty's. */
    public Builder errorHandler(ErrorHandler errorHandler) {
      this.errorHandler = errorHandler;
      return this;
    }

    /** What serves the requests. */
    public Builder handler(Handler handler) {
      this.handler = Objects.requireNonNull(handler);
      return this;
    }

    /**
     * Every {@code interval} on {@code scheduler}: {@code alongside} (the face's own check, may be {@code null}),
     * then the TLS files. Without a scheduler nothing is re-read.
     */
    public Builder refresh(ScheduledExecutorService scheduler, Duration interval, Runnable alongside) {
      this.scheduler = scheduler;
      this.refreshInterval = Objects.requireNonNull(interval);
      this.alongside = alongside;
      return this;
    }

    /** Prepares the server (not started). */
    public HttpsListener build() {
      Objects.requireNonNull(handler, "handler");
      QueuedThreadPool pool = new QueuedThreadPool(64, 2);
      pool.setName(threads);
      Server server = new Server(pool);
      HttpConfiguration http = new HttpConfiguration();
      http.setSendServerVersion(false);
      http.setSendXPoweredBy(false);
      http.setRequestHeaderSize(REQUEST_HEADER_BYTES);
      if (encodedSlashes) {
        http.setUriCompliance(UriCompliance.DEFAULT.with(threads,
            UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
      }
      HttpConnectionFactory h1 = new HttpConnectionFactory(http);
      ServerConnector connector;
      if (tls != null) {
        JdkServerTls material = tls;
        SslContextFactory.Server ssl = new SslContextFactory.Server() {
          @Override
          public SSLParameters customize(SSLParameters jettys) {
            // Protocols, client-auth mode and the no-resumption marker come from JdkServerTls.
            SSLParameters parameters = material.serverParameters();
            parameters.setCipherSuites(Arrays.stream(jettys.getCipherSuites()).filter(HttpsListener::strongSuite)
                .toArray(String[]::new));
            return parameters;
          }
        };
        ssl.setSslContext(tls.sslContext());
        // Resumption is refused anyway (serverParameters); a ticket would only cost a message and a cached session.
        // The JDK sends no TLS 1.3 NewSessionTicket, nor a TLS 1.2 ticket, when the session lifetime exceeds the
        // 7 days a ticket may live (RFC 8446 4.6.1); one cached session bounds the TLS 1.2 session-ID cache.
        tls.sslContext().getServerSessionContext().setSessionTimeout(NO_TICKETS_SESSION_SECONDS);
        tls.sslContext().getServerSessionContext().setSessionCacheSize(1);
        connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, h1.getProtocol()), h1);
      } else {
        connector = new ServerConnector(server, 1, 1, h1);
      }
      connector.setHost(address.getHostString());
      connector.setPort(address.getPort());
      connector.setIdleTimeout(idleTimeout.toMillis());
      server.addConnector(connector);
      if (errorHandler != null) {
        server.setErrorHandler(errorHandler);
      }
      server.setHandler(new RefusedConnections(handler));
      return new HttpsListener(name, server, connector, tls, scheduler, refreshInterval, alongside);
    }
  }
}
