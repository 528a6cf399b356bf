package dev.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HttpsListener} through real TLS connections: CA reloads, plain HTTP, the addresses it hands out. */
class HttpsListenerTest {
  private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  private static final String HOLD = "GET /hold HTTP/1.1\r\nHost: localhost\r\n\r\n";

  @TempDir Path dir;

  /** Answers 200; {@code /hold} only once {@link #release} is counted down. */
  private static final class Holding extends Handler.Abstract {
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (Request.getPathInContext(request).equals("/hold")) {
        held.countDown();
        if (!release.await(20, TimeUnit.SECONDS)) {
          throw new IllegalStateException("never released");
        }
      }
      Content.Sink.write(response, true, "ok\n", callback);
      return true;
    }
  }

  @Test
  void aCaReloadClosesRefusedConnectionsIdleAtOnceAndBusyAfterTheirAnswer() throws Exception {
    ClientCaRotation pki = ClientCaRotation.create(dir);
    Holding handler = new Holding();
    try (HttpsListener listener = HttpsListener.builder("test", "test-https", new InetSocketAddress("127.0.0.1", 0))
            .tls(JdkServerTls.create(pki.tls(), null, "test.tls", key -> null, null)).handler(handler).build()
            .start();
        SSLSocket idle = pki.connect(listener.port(), pki.leaving(), "idle");
        SSLSocket busy = pki.connect(listener.port(), pki.leaving(), "busy");
        SSLSocket kept = pki.connect(listener.port(), pki.staying(), "kept")) {
      assertThat(TlsSockets.exchange(idle, GET)).startsWith("HTTP/1.1 200");
      assertThat(TlsSockets.exchange(kept, GET)).startsWith("HTTP/1.1 200");
      TlsSockets.send(busy, HOLD);
      assertThat(handler.held.await(20, TimeUnit.SECONDS)).isTrue();

      pki.dropLeaving();
      listener.reloadTls();
      handler.release.countDown();

      assertThat(TlsSockets.exchange(idle, GET)).isEmpty();
      assertThat(TlsSockets.response(busy)).as("the request in flight at the reload is answered")
          .startsWith("HTTP/1.1 200");
      assertThat(TlsSockets.exchange(busy, GET)).as("and none after it").isEmpty();
      assertThat(TlsSockets.exchange(kept, GET)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void aNewClientCaFileIsUsedForNewConnections() throws Exception {
    ClientCaRotation pki = ClientCaRotation.create(dir);
    try (HttpsListener listener = HttpsListener.builder("test", "test-https", new InetSocketAddress("127.0.0.1", 0))
        .tls(JdkServerTls.create(pki.tls(), null, "test.tls", key -> null, null)).handler(new Holding()).build()
        .start()) {
      pki.dropLeaving();
      listener.reloadTls();

      try (SSLSocket staying = pki.connect(listener.port(), pki.staying(), "new")) {
        assertThat(TlsSockets.exchange(staying, GET)).startsWith("HTTP/1.1 200");
      }
      // TLS 1.3: the client learns of a refused certificate at its first read.
      try (SSLSocket leaving = pki.connect(listener.port(), pki.leaving(), "refused")) {
        assertThat(TlsSockets.exchange(leaving, GET)).isEmpty();
      } catch (java.io.IOException refused) {
        // also a refusal: at the handshake (SSLException), or the server has already closed the connection when the
        // request is written (broken pipe), whichever the scheduling makes first
      }
    }
  }

  @Test
  void withoutTlsItServesPlainHttpAndHandsOutLocalhostForAWildcard() {
    try (HttpsListener loopback = HttpsListener.builder("test", "test-http", new InetSocketAddress("127.0.0.1", 0))
            .handler(new Holding()).build().start();
        HttpsListener wildcard = HttpsListener.builder("test", "test-http", new InetSocketAddress("0.0.0.0", 0))
            .handler(new Holding()).build().start()) {
      assertThat(loopback.endpoint().toString()).isEqualTo("http://127.0.0.1:" + loopback.port());
      assertThat(wildcard.endpoint().toString()).isEqualTo("http://localhost:" + wildcard.port());
      loopback.reloadTls(); // nothing to re-read
    }
  }

  @Test
  void onlyForwardSecretAeadSuites() {
    assertThat(HttpsListener.strongSuite("TLS_AES_128_GCM_SHA256")).isTrue();
    assertThat(HttpsListener.strongSuite("TLS_CHACHA20_POLY1305_SHA256")).isTrue();
    assertThat(HttpsListener.strongSuite("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")).isTrue();
    assertThat(HttpsListener.strongSuite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")).isFalse();
    assertThat(HttpsListener.strongSuite("TLS_RSA_WITH_AES_128_GCM_SHA256")).isFalse();
    assertThat(HttpsListener.strongSuite("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")).isFalse();
  }
}
