package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.dev.DevPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NginxConfigTest {
  @TempDir Path dir;

  @Test
  void thePeerProxyRequiresClientCertificatesAndVerifiesTheUpstreamWithTls13OnBothLegs() {
    DevPki pki = DevPki.ensure(dir.resolve("pki"));
    String conf = Nginx.config(dir, pki, 8443, 7233, "auto");
    assertThat(conf)
        .contains("ssl_verify_client on;")
        .contains("ssl_client_certificate " + pki.caCert() + ";")
        .contains("ssl_protocols TLSv1.3;")
        .contains("grpc_pass grpcs://temporal;")
        .contains("grpc_ssl_verify on;")
        .contains("grpc_ssl_trusted_certificate " + pki.caCert() + ";")
        .contains("grpc_ssl_certificate " + pki.internodeCert() + ";")
        .contains("grpc_ssl_name localhost;")
        .contains("grpc_ssl_protocols TLSv1.3;")
        .contains("server 127.0.0.1:7233;")
        .contains("listen 127.0.0.1:8443 ssl http2;");
  }

  @Test
  void nginxAcceptsTheConfigWhereItIsInstalled() throws Exception {
    Optional<Path> nginx = Nginx.find();
    assumeTrue(nginx.isPresent(), "nginx is not installed");
    DevPki pki = DevPki.ensure(dir.resolve("pki"));
    Files.createDirectories(dir.resolve("tmp"));
    Files.writeString(dir.resolve("nginx.conf"), Nginx.config(dir, pki, 8443, 7233, "1"));
    Process test = new ProcessBuilder(List.of(nginx.get().toString(), "-t", "-p", dir.toString(), "-c", "nginx.conf",
        "-g", "daemon off;")).redirectErrorStream(true).start();
    String out = new String(test.getInputStream().readAllBytes());
    assertThat(test.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(test.exitValue()).as(out).isZero();
  }
}
