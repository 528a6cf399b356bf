package dev.gatehouse.bench.load;

import dev.gatehouse.dev.DevPki;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * nginx {@code grpc_pass} as the peer proxy: mTLS from the client, mTLS to the upstream, TLS 1.3 on both legs,
 * the same certificates the gateway uses. Upstream connections are kept alive and reused (nginx cannot multiplex
 * several calls over one upstream connection, but without {@code keepalive} it would also pay a handshake per
 * call, which would flatter the gateway).
 */
final class Nginx implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final int port;

  private Nginx(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** The nginx binary on PATH or in Debian's place, if installed. */
  static Optional<Path> find() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : (path + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/usr/local/sbin")
        .split(File.pathSeparator)) {
      if (d.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(d, "nginx");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static String version(Path binary) {
    try {
      Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(5, TimeUnit.SECONDS);
      return out.replaceFirst("^nginx version: ", "");
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /** Writes {@code dir/nginx.conf} and starts nginx in the foreground; returns once it accepts connections. */
  static Nginx start(Path binary, Path dir, DevPki pki, int upstreamPort, String workers, Duration timeout)
      throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("tmp"));
    int port = freePort();
    Files.writeString(dir.resolve("nginx.conf"), config(dir, pki, port, upstreamPort, workers));
    Process process = new ProcessBuilder(List.of(binary.toString(), "-p", dir.toString(), "-c", "nginx.conf",
        "-g", "daemon off;"))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("nginx.out").toFile())
        .start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("nginx exited with " + process.exitValue() + ": "
            + Files.readString(dir.resolve("nginx.out")).trim() + " (config " + dir.resolve("nginx.conf") + ")");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return new Nginx(process, dir, port);
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("nginx did not listen within " + timeout + "; see " + dir.resolve("nginx.out"));
  }

  static String config(Path dir, DevPki pki, int port, int upstreamPort, String workers) {
    Path tmp = dir.resolve("tmp");
    return """
        # Written by the Gatehouse load harness: nginx grpc_pass with mTLS on both legs, TLS 1.3 only.
        worker_processes %1$s;
        pid %2$s/nginx.pid;
        error_log %2$s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %3$s/body;
          proxy_temp_path %3$s/proxy;
          fastcgi_temp_path %3$s/fastcgi;
          uwsgi_temp_path %3$s/uwsgi;
          scgi_temp_path %3$s/scgi;
          # One client connection carries every call of a run: never close it after N requests or T seconds.
          keepalive_requests 10000000;
          keepalive_timeout 600s;
          http2_max_concurrent_streams 1024;
          upstream temporal {
            server 127.0.0.1:%4$d;
            keepalive 64;
            keepalive_requests 10000000;
            keepalive_timeout 600s;
          }
          server {
            listen 127.0.0.1:%5$d ssl http2;
            ssl_protocols TLSv1.3;
            ssl_certificate %6$s;
            ssl_certificate_key %7$s;
            ssl_client_certificate %8$s;
            ssl_verify_client on;
            location / {
              grpc_pass grpcs://temporal;
              grpc_ssl_protocols TLSv1.3;
              grpc_ssl_certificate %9$s;
              grpc_ssl_certificate_key %10$s;
              grpc_ssl_trusted_certificate %8$s;
              grpc_ssl_verify on;
              grpc_ssl_name %11$s;
              grpc_ssl_server_name on;
              grpc_ssl_session_reuse on;
            }
          }
        }
        """.formatted(workers, dir, tmp, upstreamPort, port, pki.serverCert(), pki.serverKey(), pki.caCert(),
        pki.internodeCert(), pki.internodeKey(), BenchCluster.SERVER_NAME);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  /** The master's pid; its workers are its children. */
  long pid() {
    return process.pid();
  }

  Path dir() {
    return dir;
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: nginx's fast shutdown, workers included
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
