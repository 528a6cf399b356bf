package dev.gatehouse.audit;

import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.CertificateAuthority;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real rsyslogd (Debian's rsyslog and rsyslog-gnutls, which {@code .ci/run} installs) run by a test as a child
 * process: imtcp with the gtls stream driver (RFC 5425), certificates made by the test, each message's MSG written
 * unchanged to {@code messages.log} and its header fields to {@code meta.log}.
 */
final class Rsyslog implements AutoCloseable {
  private final Path dir;
  private final Process process;
  private final int port;

  private Rsyslog(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  static String executable() {
    for (String d : List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin")) {
      if (Files.isExecutable(Path.of(d, "rsyslogd"))) {
        return d + "/rsyslogd";
      }
    }
    throw new AssertionError("rsyslogd is not installed: run .ci/run, or apt-get install rsyslog rsyslog-gnutls");
  }

  /** Starts on a port rsyslog picks (imtcp's {@code listenPortFileName} tells it), with fresh certificates. */
  static Rsyslog start(Path dir) throws Exception {
    Files.createDirectories(dir);
    CertificateAuthority ca = SinkTestSupport.ca("rsyslog test CA");
    Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    // RSA: GnuTLS 3.7 cannot read the JDK's PKCS#8 encoding of an EC key (no public key inside), "ASN1 parser:
    // Element was not found".
    ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth()
        .keyType(CertificateAuthority.KeyType.RSA_2048).validFor(Duration.ofDays(1)).issue()
        .write(dir.resolve("cert.pem"), dir.resolve("key.pem"));
    return launch(dir, 0);
  }

  /** Starts again in {@code dir} with its certificates, on {@code port}. */
  static Rsyslog restart(Path dir, int port) throws Exception {
    return launch(dir, port);
  }

  private static Rsyslog launch(Path dir, int port) throws Exception {
    Path portFile = dir.resolve("port");
    Files.deleteIfExists(portFile);
    String d = dir.toAbsolutePath().toString();
    String conf = String.join("\n",
        "global(maxMessageSize=\"256k\" workDirectory=\"" + d + "\"",
        "  defaultNetstreamDriverCAFile=\"" + d + "/ca.pem\"",
        "  defaultNetstreamDriverCertFile=\"" + d + "/cert.pem\"",
        "  defaultNetstreamDriverKeyFile=\"" + d + "/key.pem\")",
        "module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")",
        // rsyslog 8.2302's gtls driver offers TLS 1.2 only unless given GnuTLS's NORMAL priority string.
        "input(type=\"imtcp\" gnutlsPriorityString=\"NORMAL\" address=\"127.0.0.1\" port=\"" + port + "\"",
        "  listenPortFileName=\"" + portFile + "\" ruleset=\"audit\")",
        "template(name=\"raw\" type=\"string\" string=\"%msg%\\n\")",
        "template(name=\"meta\" type=\"string\" string=\"%syslogfacility-text% %syslogseverity-text% %hostname% "
            + "%app-name% %procid% %msgid%\\n\")",
        "ruleset(name=\"audit\") {",
        "  action(type=\"omfile\" file=\"" + d + "/messages.log\" template=\"raw\")",
        "  action(type=\"omfile\" file=\"" + d + "/meta.log\" template=\"meta\")",
        "}",
        "");
    Path confFile = dir.resolve("rsyslog.conf");
    Files.writeString(confFile, conf);
    Process p = new ProcessBuilder(executable(), "-n", "-f", confFile.toString(), "-i", d + "/rsyslogd.pid")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(new File(d, "rsyslogd.out")))
        .start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        if (!p.isAlive()) {
          throw new AssertionError("rsyslogd exited: " + Files.readString(dir.resolve("rsyslogd.out")));
        }
        if (port != 0) {
          // imtcp writes listenPortFileName only for a port it picked; a fixed port is up once it accepts.
          return accepts(port);
        }
        return Files.exists(portFile) && !Files.readString(portFile).isBlank();
      });
    } catch (RuntimeException | AssertionError e) {
      p.destroyForcibly();
      throw new AssertionError("rsyslogd did not start listening: " + output(dir), e);
    }
    int bound = port != 0 ? port : Integer.parseInt(Files.readString(portFile).trim());
    return new Rsyslog(dir, p, bound);
  }

  private static boolean accepts(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  Path dir() {
    return dir;
  }

  int port() {
    return port;
  }

  List<String> awaitLines(int count, Duration timeout) throws IOException {
    return awaitFile(dir.resolve("messages.log"), count, timeout);
  }

  List<String> awaitMeta(int count, Duration timeout) throws IOException {
    return awaitFile(dir.resolve("meta.log"), count, timeout);
  }

  private List<String> awaitFile(Path file, int count, Duration timeout) throws IOException {
    // omfile writes when its queue runs; wait for the lines rather than for a time.
    try {
      await().atMost(timeout).until(() -> lines(file).size() >= count);
    } catch (RuntimeException e) {
      throw new AssertionError(lines(file).size() + " of " + count + " lines arrived; rsyslogd said: "
          + output(dir), e);
    }
    return lines(file);
  }

  private static String output(Path dir) {
    try {
      return Files.readString(dir.resolve("rsyslogd.out"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static List<String> lines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : Arrays.asList(text.substring(0, end).split("\n", -1));
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
