package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.tls.ClientCaRotation;
import dev.gatehouse.tls.TlsSockets;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code httpApi.tls} of its own, with required client certificates: a reload of its client CAs closes the
 * keep-alive connections whose certificate the new CAs refuse and keeps the others.
 */
class HttpApiCaReloadTest {
  private static final String REQUEST = "GET /api/v1/system-info HTTP/1.1\r\nHost: localhost\r\n\r\n";

  @TempDir Path dir;

  @Test
  void aCaReloadClosesTheConnectionsItNoLongerVouchesFor() throws Exception {
    ClientCaRotation pki = ClientCaRotation.create(dir);
    ManagedChannel nowhere = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    try (AccessController access = AccessController.builder(Authorization.DEFAULT).build();
        HttpApiServer server = HttpApiServer.builder(new HttpApi("127.0.0.1:0", pki.tls(), null, false, null, null,
            null, null), CallPipeline.builder(access).build(), nowhere).build().start();
        SSLSocket a = pki.connect(server.port(), pki.leaving(), "caller-a");
        SSLSocket b = pki.connect(server.port(), pki.staying(), "caller-b")) {
      assertThat(TlsSockets.exchange(a, REQUEST)).startsWith("HTTP/1.1 ");
      assertThat(TlsSockets.exchange(b, REQUEST)).startsWith("HTTP/1.1 ");

      pki.dropLeaving();
      server.refresh();

      assertThat(TlsSockets.exchange(a, REQUEST)).isEmpty();
      assertThat(TlsSockets.exchange(b, REQUEST)).startsWith("HTTP/1.1 ");
    } finally {
      nowhere.shutdownNow();
    }
  }
}
