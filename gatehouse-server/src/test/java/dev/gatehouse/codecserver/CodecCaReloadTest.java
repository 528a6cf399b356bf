package dev.gatehouse.codecserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.tls.ClientCaRotation;
import dev.gatehouse.tls.TlsSockets;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload of the codec server's client CAs closes the keep-alive connections whose client certificate the new CAs
 * refuse, and keeps the others; through real TLS connections.
 */
class CodecCaReloadTest {
  private static final String REQUEST = "POST /decode HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: 2\r\n\r\n{}";

  @TempDir Path dir;

  @Test
  void aCaReloadClosesTheConnectionsItNoLongerVouchesFor() throws Exception {
    ClientCaRotation pki = ClientCaRotation.create(dir);
    Path keyring = dir.resolve("default.keyring");
    KeyringFiles.create(keyring, "k1");
    try (AccessController access = AccessController.builder(Authorization.DEFAULT).build();
        CodecHttpServer server = CodecHttpServer.builder(new CodecServer("127.0.0.1:0", pki.tls(), List.of(), false,
            null, keyring.toString(), null), access).build().start();
        SSLSocket a = pki.connect(server.port(), pki.leaving(), "worker-a");
        SSLSocket b = pki.connect(server.port(), pki.staying(), "worker-b")) {
      assertThat(TlsSockets.exchange(a, REQUEST)).startsWith("HTTP/1.1 ");
      assertThat(TlsSockets.exchange(b, REQUEST)).startsWith("HTTP/1.1 ");

      pki.dropLeaving();
      server.refresh();

      // a's idle connection was closed at the reload: its next request gets no answer; b's is answered.
      assertThat(TlsSockets.exchange(a, REQUEST)).isEmpty();
      assertThat(TlsSockets.exchange(b, REQUEST)).startsWith("HTTP/1.1 ");
    }
  }
}
