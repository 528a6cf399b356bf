package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.CertificateAuthority;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path dir;

  @Test
  void certsMakesACaAndLeavesForRealDeployments() throws Exception {
    assertThat(Main.run("certs", "ca", "--out", dir.toString())).isZero();
    assertThat(Main.run("certs", "issue", "--ca-dir", dir.toString(), "--cn", "gatehouse", "--dns", "gatehouse.internal",
        "--ip", "10.0.0.7", "--server", "--out", dir.toString())).isZero();
    assertThat(Main.run("certs", "issue", "--ca-dir", dir.toString(), "--cn", "orders-worker", "--org", "acme",
        "--client", "--out", dir.toString())).isZero();

    X509Certificate server = read(dir.resolve("gatehouse.pem"));
    assertThat(server.getSubjectX500Principal().getName()).isEqualTo("CN=gatehouse");
    assertThat(server.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList())
        .contains("gatehouse.internal", "10.0.0.7");
    assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(server.getPublicKey().getAlgorithm()).isEqualTo("EC");
    X509Certificate client = read(dir.resolve("orders-worker.pem"));
    assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    client.verify(CertificateAuthority.load(dir.resolve("ca.pem"), dir.resolve("ca-key.pem")).certificate().getPublicKey());
    assertThat(Files.getPosixFilePermissions(dir.resolve("orders-worker-key.pem")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }

  @Test
  void certsRefusesToOverwriteAndAsksWhatALeafIsFor() {
    assertThat(Main.run("certs", "ca", "--out", dir.toString())).isZero();
    assertThat(Main.run("certs", "ca", "--out", dir.toString())).isEqualTo(1);
    assertThat(Main.run("certs", "issue", "--ca-dir", dir.toString(), "--cn", "x", "--out", dir.toString())).isEqualTo(1);
  }

  private record Run(int code, String stderr) {}

  /** Runs the CLI and captures what it wrote to standard error. */
  private static Run run(String... args) {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    try {
      return new Run(Main.run(args), err.toString());
    } finally {
      System.setErr(originalErr);
    }
  }

  @Test
  void anInvalidConfigurationIsOneLineAndExitCodeTwo() throws Exception {
    Files.writeString(dir.resolve("base.yaml"), "global:\n  tls:\n    frontend:\n      server:\n        certfile: x\n");
    Run run = run("start", "--config-dir", dir.toString());
    assertThat(run.code()).isEqualTo(2);
    List<String> lines = run.stderr().lines().toList();
    assertThat(lines).singleElement().asString()
        .contains("base.yaml", "global.tls.frontend.server.certfile", "did you mean certFile");
  }

  @Test
  void aPortInUseIsOneLineAndExitCodeOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Files.writeString(dir.resolve("base.yaml"),
          "listen:\n  grpcAddress: 127.0.0.1:0\n  httpAddress: 127.0.0.1:" + taken.getLocalPort() + "\n"
              + "audit:\n  enabled: false\n");
      Run run = run("start", "--config-dir", dir.toString());
      assertThat(run.code()).isEqualTo(1);
      assertThat(run.stderr().lines().toList()).singleElement().asString()
          .startsWith("gatehouse: cannot start the health and metrics endpoint: ")
          .contains("127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void startRefusesAConfigurationThatDoesNotSayWhereTheAuditLogGoes() throws Exception {
    Files.writeString(dir.resolve("base.yaml"), "listen:\n  grpcAddress: 127.0.0.1:0\n");
    Run run = run("start", "--config-dir", dir.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.stderr().lines().toList()).singleElement().asString()
        .contains("audit", "audit.dir", "audit.enabled: false");
  }

  @Test
  void anAuditSectionWithoutAFolderIsOneLine() throws Exception {
    Files.writeString(dir.resolve("base.yaml"), "listen:\n  grpcAddress: 127.0.0.1:0\naudit:\n  mode: blocking\n");
    Run run = run("start", "--config-dir", dir.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.stderr().lines().toList()).singleElement().asString().contains("base.yaml", "audit.dir");
  }

  private static X509Certificate read(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
