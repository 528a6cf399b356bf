package dev.gatehouse.cli;

import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Generates a CA and leaf certificates for real deployments (EC P-256 by default).",
    subcommands = {CertsCommand.Ca.class, CertsCommand.Issue.class})
final class CertsCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "ca", mixinStandardHelpOptions = true, description = "Creates a certificate authority.")
  static final class Ca implements Callable<Integer> {
    @Option(names = "--cn", defaultValue = "Gatehouse CA", description = "Common name (default: ${DEFAULT-VALUE}).")
    String commonName;

    @Option(names = "--key-type", defaultValue = "EC_P256", description = "One of: ${COMPLETION-CANDIDATES}.")
    CertificateAuthority.KeyType keyType;

    @Option(names = "--days", defaultValue = "3650", description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--out", required = true, description = "Directory to write ca.pem and ca-key.pem into.")
    Path out;

    @Override
    public Integer call() throws Exception {
      Files.createDirectories(out);
      Path cert = out.resolve("ca.pem");
      Path key = out.resolve("ca-key.pem");
      refuseOverwrite(cert, key);
      CertificateAuthority ca = CertificateAuthority.create(commonName, keyType, Duration.ofDays(days));
      ca.write(cert, key);
      System.out.println("wrote " + cert + " and " + key + " (private key readable by its owner only)");
      return 0;
    }
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = "Issues a server and/or client certificate signed by a CA made with 'certs ca'.")
  static final class Issue implements Callable<Integer> {
    @Option(names = "--ca-dir", required = true, description = "Directory holding ca.pem and ca-key.pem.")
    Path caDir;

    @Option(names = "--cn", required = true, description = "Common name.")
    String commonName;

    @Option(names = "--dns", split = ",", description = "DNS subject alternative names.")
    List<String> dnsNames = new ArrayList<>();

    @Option(names = "--ip", split = ",", description = "IP subject alternative names.")
    List<String> ipAddresses = new ArrayList<>();

    @Option(names = "--org", split = ",", description = "Organization (O) values.")
    List<String> organizations = new ArrayList<>();

    @Option(names = "--ou", split = ",", description = "Organizational unit (OU) values.")
    List<String> units = new ArrayList<>();

    @Option(names = "--server", description = "Add the serverAuth key usage.")
    boolean server;

    @Option(names = "--client", description = "Add the clientAuth key usage.")
    boolean client;

    @Option(names = "--key-type", defaultValue = "EC_P256", description = "One of: ${COMPLETION-CANDIDATES}.")
    CertificateAuthority.KeyType keyType;

    @Option(names = "--days", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--out", required = true, description = "Directory to write <name>.pem and <name>-key.pem into.")
    Path out;

    @Option(names = "--name", description = "File name stem (default: the common name).")
    String name;

    @Override
    public Integer call() throws Exception {
      if (!server && !client) {
        throw new IllegalArgumentException("say what the certificate is for: --server, --client or both");
      }
      CertificateAuthority ca = CertificateAuthority.load(caDir.resolve("ca.pem"), caDir.resolve("ca-key.pem"));
      CertificateAuthority.LeafBuilder leaf = ca.leaf(commonName)
          .keyType(keyType)
          .validFor(Duration.ofDays(days))
          .dnsNames(dnsNames.toArray(String[]::new))
          .ipAddresses(ipAddresses.toArray(String[]::new))
          .organizations(organizations.toArray(String[]::new))
          .organizationalUnits(units.toArray(String[]::new));
      if (server) {
        leaf.serverAuth();
      }
      if (client) {
        leaf.clientAuth();
      }
      IssuedCertificate issued = leaf.issue();
      String stem = name == null ? commonName.replaceAll("[^A-Za-z0-9._-]", "_") : name;
      Files.createDirectories(out);
      Path cert = out.resolve(stem + ".pem");
      Path key = out.resolve(stem + "-key.pem");
      refuseOverwrite(cert, key);
      issued.write(cert, key);
      System.out.println("wrote " + cert + " and " + key + " (private key readable by its owner only)");
      return 0;
    }
  }

  private static void refuseOverwrite(Path... files) {
    for (Path f : files) {
      if (Files.exists(f)) {
        throw new IllegalArgumentException(f + " already exists; remove it or choose another --out");
      }
    }
  }
}
