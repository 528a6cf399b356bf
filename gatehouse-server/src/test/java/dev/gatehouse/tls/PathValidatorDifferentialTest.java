package dev.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.TestPki.Issued;
import dev.gatehouse.tls.TestPki.Key;
import dev.gatehouse.tls.TestPki.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gatehouse's certificate verifier against Go's crypto/x509, the verifier Temporal runs: a generated matrix of
 * certificate cases goes through both ({@code src/test/go/x509verify}, built here with the Go toolchain, standard
 * library only and offline), and every disagreement fails the test unless it is one of {@link #DELIBERATE}.
 *
 * <p>Go is required: without a {@code go} command this test fails (CI installs Debian's golang-go in .ci/run).
 */
class PathValidatorDifferentialTest {
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  /**
   * Where Gatehouse refuses on purpose what Go accepts, with the reason; the README's security section lists the same
   * rules. Nothing here may be a case Go refuses and Gatehouse accepts.
   */
  static final Map<String, String> DELIBERATE = Map.of(
      "leaf-rsa-1024", "RSA keys under 2048 bits are refused anywhere on the path; Go 1.19 takes any size",
      "root-rsa-1024", "RSA keys under 2048 bits are refused anywhere on the path, the root's too",
      "intermediate-rsa-1024", "RSA keys under 2048 bits are refused anywhere on the path",
      "intermediate-p224", "EC keys must be on P-256, P-384 or P-521; Go 1.19 also takes P-224, which the JDK"
          + " no longer implements",
      "leaf-is-a-configured-root", "a configured CA presented as the client certificate is not an identity;"
          + " Go accepts a root as its own chain",
      "leaf-key-usage-without-digital-signature", "a leaf whose key usage lacks digitalSignature cannot sign a TLS"
          + " handshake; Go ignores key usage bits");

  private final Map<String, Case> cases = new LinkedHashMap<>();

  /** One verification: the configured roots, the presented chain (leaf first), client or server (with a name). */
  record Case(List<X509Certificate> roots, List<X509Certificate> chain, String serverName) {}

  private static Spec ca(String name) {
    return TestPki.spec(name).ca().freshKey();
  }

  private static Spec client(String name) {
    return TestPki.spec(name).ekus(TestPki.CLIENT_AUTH).keyUsage(KeyUsage.digitalSignature);
  }

  private static Spec server(String... names) {
    return TestPki.spec("server").ekus(TestPki.SERVER_AUTH).keyUsage(KeyUsage.digitalSignature).dns(names);
  }

  private void client(String name, List<Issued> roots, Issued... chain) {
    add(name, roots, null, chain);
  }

  private void add(String name, List<Issued> roots, String serverName, Issued... chain) {
    if (cases.put(name, new Case(roots.stream().map(Issued::certificate).toList(),
        List.of(chain).stream().map(Issued::certificate).toList(), serverName)) != null) {
      throw new IllegalStateException("duplicate case " + name);
    }
  }

  private void buildMatrix() {
    Instant dayAgo = NOW.minus(1, ChronoUnit.DAYS);
    Issued root = ca("Root").selfSigned();
    Issued inter = ca("Intermediate").issuedBy(root);
    Issued inter2 = ca("Intermediate 2").issuedBy(inter);
    Issued other = ca("Other Root").selfSigned();
    List<Issued> roots = List.of(root);

    // Plain paths and leaf usages.
    client("leaf-direct", roots, client("a").issuedBy(root));
    client("leaf-via-intermediate", roots, client("a").issuedBy(inter), inter);
    client("leaf-via-two-intermediates", roots, client("a").issuedBy(inter2), inter2, inter);
    client("leaf-without-eku", roots, TestPki.spec("a").issuedBy(inter), inter);
    client("leaf-any-eku", roots, TestPki.spec("a").ekus(TestPki.ANY).issuedBy(inter), inter);
    client("leaf-server-auth-only", roots, TestPki.spec("a").ekus(TestPki.SERVER_AUTH).issuedBy(inter), inter);
    client("leaf-client-and-server-auth", roots,
        TestPki.spec("a").ekus(TestPki.SERVER_AUTH, TestPki.CLIENT_AUTH).issuedBy(inter), inter);
    client("leaf-code-signing-only", roots, TestPki.spec("a").ekus(TestPki.CODE_SIGNING).issuedBy(root));
    client("leaf-from-another-root", roots, client("a").issuedBy(other));
    client("leaf-is-a-configured-root", roots, root);
    client("leaf-is-a-ca", roots, TestPki.spec("a").ca().ekus(TestPki.CLIENT_AUTH).issuedBy(root));
    client("leaf-key-usage-without-digital-signature", roots,
        TestPki.spec("a").ekus(TestPki.CLIENT_AUTH).keyUsage(KeyUsage.keyEncipherment).issuedBy(root));
    client("leaf-unknown-critical-extension", roots, client("a").unknownCriticalExtension().issuedBy(root));

    // EKU nesting: each CA's EKU restricts what it issues; none or anyExtendedKeyUsage restricts nothing.
    Issued interServer = ca("Intermediate").keys(inter.keys()).ekus(TestPki.SERVER_AUTH).issuedBy(root);
    client("intermediate-eku-server-auth", roots, client("a").issuedBy(interServer), interServer);
    client("intermediate-eku-server-auth-leaf-without-eku", roots, TestPki.spec("a").issuedBy(interServer),
        interServer);
    Issued interClient = ca("Intermediate").keys(inter.keys()).ekus(TestPki.CLIENT_AUTH).issuedBy(root);
    client("intermediate-eku-client-auth", roots, client("a").issuedBy(interClient), interClient);
    Issued interAny = ca("Intermediate").keys(inter.keys()).ekus(TestPki.ANY).issuedBy(root);
    client("intermediate-eku-any", roots, client("a").issuedBy(interAny), interAny);
    Issued rootServer = ca("Server Root").ekus(TestPki.SERVER_AUTH).selfSigned();
    client("root-eku-server-auth", List.of(rootServer), client("a").issuedBy(rootServer));
    Issued rootCodeSigning = ca("Signing Root").ekus(TestPki.CODE_SIGNING).selfSigned();
    client("root-eku-code-signing-leaf-any-eku", List.of(rootCodeSigning),
        TestPki.spec("a").ekus(TestPki.ANY).issuedBy(rootCodeSigning));

    // pathLenConstraint on roots and intermediates.
    Issued root0 = ca("Root Pathlen 0").pathLen(0).selfSigned();
    Issued underRoot0 = ca("Under Pathlen 0").issuedBy(root0);
    client("root-pathlen-0-direct", List.of(root0), client("a").issuedBy(root0));
    client("root-pathlen-0-with-intermediate", List.of(root0), client("a").issuedBy(underRoot0), underRoot0);
    Issued root1 = ca("Root Pathlen 1").pathLen(1).selfSigned();
    Issued a1 = ca("Pathlen A").issuedBy(root1);
    Issued b1 = ca("Pathlen B").issuedBy(a1);
    client("root-pathlen-1-one-intermediate", List.of(root1), client("a").issuedBy(a1), a1);
    client("root-pathlen-1-two-intermediates", List.of(root1), client("a").issuedBy(b1), b1, a1);
    Issued inter0 = ca("Intermediate Pathlen 0").pathLen(0).issuedBy(root);
    Issued belowInter0 = ca("Below Pathlen 0").issuedBy(inter0);
    client("intermediate-pathlen-0-direct", roots, client("a").issuedBy(inter0), inter0);
    client("intermediate-pathlen-0-with-sub-ca", roots, client("a").issuedBy(belowInter0), belowInter0, inter0);

    // nameConstraints on roots and intermediates: DNS, IP, email, URI, permitted and excluded.
    Issued ncRoot = ca("NC Root").permit(GeneralName.dNSName, ".ok.example").selfSigned();
    List<Issued> nc = List.of(ncRoot);
    client("root-nc-dns-permitted", nc, client("a").dns("w.ok.example").issuedBy(ncRoot));
    client("root-nc-dns-outside", nc, client("a").dns("evil.example").issuedBy(ncRoot));
    client("root-nc-dns-one-outside-of-two", nc, client("a").dns("w.ok.example", "evil.example").issuedBy(ncRoot));
    client("root-nc-dns-leading-dot-excludes-the-domain", nc, client("a").dns("ok.example").issuedBy(ncRoot));
    client("root-nc-dns-leaf-without-sans", nc, client("a").issuedBy(ncRoot));
    client("root-nc-dns-email-san-unconstrained", nc, client("a").email("x@evil.example").issuedBy(ncRoot));
    Issued ncExact = ca("NC Exact").permit(GeneralName.dNSName, "ok.example").selfSigned();
    client("root-nc-dns-no-dot-covers-the-domain", List.of(ncExact), client("a").dns("ok.example").issuedBy(ncExact));
    client("root-nc-dns-no-dot-covers-subdomains", List.of(ncExact),
        client("a").dns("a.b.ok.example").issuedBy(ncExact));
    Issued ncExcluded = ca("NC Excluded").exclude(GeneralName.dNSName, "bad.example").selfSigned();
    client("root-nc-dns-excluded", List.of(ncExcluded), client("a").dns("x.bad.example").issuedBy(ncExcluded));
    client("root-nc-dns-not-excluded", List.of(ncExcluded), client("a").dns("good.example").issuedBy(ncExcluded));
    Issued ncInter = ca("NC Intermediate").permit(GeneralName.dNSName, "ok.example").issuedBy(root);
    client("intermediate-nc-dns-permitted", roots, client("a").dns("x.ok.example").issuedBy(ncInter), ncInter);
    client("intermediate-nc-dns-outside", roots, client("a").dns("evil.example").issuedBy(ncInter), ncInter);
    Issued belowNc = ca("Below NC").issuedBy(ncInter);
    client("intermediate-nc-applies-two-levels-down", roots,
        client("a").dns("evil.example").issuedBy(belowNc), belowNc, ncInter);
    Issued ncIp = ca("NC IP").permit(GeneralName.iPAddress, "10.0.0.0/8").selfSigned();
    client("root-nc-ip-permitted", List.of(ncIp), client("a").ip("10.1.2.3").issuedBy(ncIp));
    client("root-nc-ip-outside", List.of(ncIp), client("a").ip("192.168.1.1").issuedBy(ncIp));
    client("root-nc-ip-v6-unconstrained-by-v4", List.of(ncIp), client("a").ip("2001:db8::1").issuedBy(ncIp));
    Issued ncIpExcluded = ca("NC IP Excluded").exclude(GeneralName.iPAddress, "10.9.0.0/16").selfSigned();
    client("root-nc-ip-excluded", List.of(ncIpExcluded), client("a").ip("10.9.1.1").issuedBy(ncIpExcluded));
    Issued ncEmail = ca("NC Email").permit(GeneralName.rfc822Name, "ok.example")
        .exclude(GeneralName.rfc822Name, "boss@ok.example").selfSigned();
    client("root-nc-email-permitted", List.of(ncEmail), client("a").email("w@ok.example").issuedBy(ncEmail));
    client("root-nc-email-outside", List.of(ncEmail), client("a").email("w@evil.example").issuedBy(ncEmail));
    client("root-nc-email-excluded-mailbox", List.of(ncEmail), client("a").email("boss@ok.example").issuedBy(ncEmail));
    Issued ncUri = ca("NC URI").permit(GeneralName.uniformResourceIdentifier, ".ok.example").selfSigned();
    client("root-nc-uri-permitted", List.of(ncUri), client("a").uri("spiffe://w.ok.example/x").issuedBy(ncUri));
    client("root-nc-uri-outside", List.of(ncUri),
        client("a").uri("spiffe://evil.example/x.ok.example").issuedBy(ncUri));
    client("root-nc-uri-with-ip-host", List.of(ncUri), client("a").uri("spiffe://10.0.0.1/x").issuedBy(ncUri));
    client("root-nc-uri-with-port", List.of(ncUri), client("a").uri("https://w.ok.example:8443/x").issuedBy(ncUri));

    // Signature algorithms, key types and sizes.
    Issued rsaRoot = ca("RSA Root").key(Key.RSA_2048).selfSigned();
    client("sha1-rsa-leaf", List.of(rsaRoot), client("a").signature("SHA1withRSA").issuedBy(rsaRoot));
    client("md5-rsa-leaf", List.of(rsaRoot), client("a").signature("MD5withRSA").issuedBy(rsaRoot));
    client("sha256-rsa-leaf", List.of(rsaRoot), client("a").issuedBy(rsaRoot));
    client("sha512-rsa-leaf", List.of(rsaRoot), client("a").signature("SHA512withRSA").issuedBy(rsaRoot));
    client("rsa-pss-sha256-leaf", List.of(rsaRoot), client("a").signature("RSASSA-PSS").issuedBy(rsaRoot));
    client("ecdsa-sha1-leaf", roots, client("a").signature("SHA1withECDSA").issuedBy(root));
    Issued sha1Inter = ca("SHA-1 Intermediate").signature("SHA1withRSA").issuedBy(rsaRoot);
    client("sha1-intermediate", List.of(rsaRoot), client("a").issuedBy(sha1Inter), sha1Inter);
    Issued sha1Root = ca("SHA-1 Root").key(Key.RSA_2048).signature("SHA1withRSA").selfSigned();
    client("sha1-self-signed-root", List.of(sha1Root), client("a").issuedBy(sha1Root));
    client("leaf-rsa-1024", List.of(rsaRoot), client("a").key(Key.RSA_1024).issuedBy(rsaRoot));
    client("leaf-rsa-2048", roots, client("a").key(Key.RSA_2048).issuedBy(root));
    Issued weakRoot = ca("Weak Root").key(Key.RSA_1024).selfSigned();
    client("root-rsa-1024", List.of(weakRoot), client("a").issuedBy(weakRoot));
    Issued weakInter = ca("Weak Intermediate").key(Key.RSA_1024).issuedBy(root);
    client("intermediate-rsa-1024", roots, client("a").issuedBy(weakInter), weakInter);
    Issued p224Inter = ca("P-224 Intermediate").key(Key.EC_P224).issuedBy(root);
    client("intermediate-p224", roots, client("a").issuedBy(p224Inter), p224Inter);
    client("leaf-p384", roots, client("a").key(Key.EC_P384).issuedBy(root));
    client("leaf-p521", roots, client("a").key(Key.EC_P521).issuedBy(root));
    client("leaf-ed25519", roots, client("a").key(Key.ED25519).issuedBy(root));
    Issued edRoot = ca("Ed25519 Root").key(Key.ED25519).selfSigned();
    client("ed25519-root-and-leaf", List.of(edRoot), client("a").key(Key.ED25519).issuedBy(edRoot));
    Issued p521Root = ca("P-521 Root").key(Key.EC_P521).selfSigned();
    client("p521-root-rsa-leaf", List.of(p521Root), client("a").key(Key.RSA_2048).issuedBy(p521Root));

    // Validity windows.
    client("leaf-expired", roots, client("a").validity(dayAgo.minusSeconds(86_400), dayAgo).issuedBy(root));
    client("leaf-not-yet-valid", roots,
        client("a").validity(NOW.plusSeconds(3600), NOW.plusSeconds(7200)).issuedBy(root));
    Issued expiredInter = ca("Expired Intermediate").validity(dayAgo.minusSeconds(86_400), dayAgo).issuedBy(root);
    client("intermediate-expired", roots, client("a").issuedBy(expiredInter), expiredInter);
    Issued expiredRoot = ca("Expired Root").validity(dayAgo.minusSeconds(86_400), dayAgo).selfSigned();
    client("root-expired", List.of(expiredRoot), client("a").issuedBy(expiredRoot));

    // Issuer rules.
    Issued notCa = TestPki.spec("Not A CA").basicConstraints(false).freshKey().issuedBy(root);
    client("intermediate-not-a-ca", roots, client("a").issuedBy(notCa), notCa);
    Issued noBasicConstraints = TestPki.spec("No Basic Constraints").freshKey().issuedBy(root);
    client("intermediate-without-basic-constraints", roots, client("a").issuedBy(noBasicConstraints),
        noBasicConstraints);
    Issued noCertSign = ca("No CertSign").keyUsage(KeyUsage.digitalSignature).issuedBy(root);
    client("intermediate-without-key-cert-sign", roots, client("a").issuedBy(noCertSign), noCertSign);
    Issued criticalInter = ca("Critical Intermediate").unknownCriticalExtension().issuedBy(root);
    client("intermediate-unknown-critical-extension", roots, client("a").issuedBy(criticalInter), criticalInter);

    // Path building: order, extra certificates, several candidates.
    Issued leafBelow2 = client("a").issuedBy(inter2);
    client("chain-reversed", roots, leafBelow2, inter, inter2);
    client("chain-with-unrelated-extra", roots, leafBelow2, other, inter2, TestPki.spec("x").issuedBy(other), inter);
    client("chain-with-the-root", roots, leafBelow2, inter2, inter, root);
    client("chain-missing-an-intermediate", roots, leafBelow2, inter2);
    client("chain-leaf-alone-needs-intermediate", roots, client("a").issuedBy(inter));
    Issued expiredTwin = ca("Intermediate").keys(inter.keys()).validity(dayAgo.minusSeconds(86_400), dayAgo)
        .issuedBy(root);
    client("two-candidates-first-expired", roots, client("a").issuedBy(inter), expiredTwin, inter);
    client("two-candidates-first-wrong-eku", roots, client("a").issuedBy(inter), interServer, inter);
    Issued crossRoot = ca("Cross Root").selfSigned();
    Issued crossSigned = ca("Intermediate").keys(inter.keys()).issuedBy(crossRoot);
    client("cross-signed-to-the-configured-root", roots, client("a").issuedBy(inter), crossSigned, inter);
    client("cross-signed-only-to-another-root", roots, client("a").issuedBy(inter), crossSigned);
    client("two-roots-configured", List.of(other, root), client("a").issuedBy(root));

    // The internode leg: serverAuth and the name.
    add("server-exact-name", roots, "temporal.internal", server("temporal.internal").issuedBy(root));
    add("server-wildcard-one-label", roots, "temporal.internal", server("*.internal").issuedBy(root));
    add("server-wildcard-two-labels", roots, "a.temporal.internal", server("*.internal").issuedBy(root));
    add("server-wildcard-not-leftmost", roots, "a.temporal.internal", server("a.*.internal").issuedBy(root));
    add("server-name-mismatch", roots, "temporal.internal", server("other.internal").issuedBy(root));
    add("server-name-case-insensitive", roots, "Temporal.Internal", server("temporal.internal").issuedBy(root));
    add("server-ip", roots, "10.0.0.7", server().ip("10.0.0.7").issuedBy(root));
    add("server-cn-only", roots, "server", TestPki.spec("server").ekus(TestPki.SERVER_AUTH).issuedBy(root));
    add("server-client-auth-only", roots, "temporal.internal",
        client("a").dns("temporal.internal").issuedBy(root));
    add("server-sha1", List.of(rsaRoot), "temporal.internal",
        server("temporal.internal").signature("SHA1withRSA").issuedBy(rsaRoot));
    add("server-intermediate-client-auth-eku", roots, "temporal.internal",
        server("temporal.internal").issuedBy(interClient), interClient);
    add("server-nc-excluded", List.of(ncExcluded), "x.bad.example", server("x.bad.example").issuedBy(ncExcluded));
  }

  @Test
  void gatehouseAgreesWithGoOnEveryCaseExceptTheDeliberateOnes(@TempDir Path dir) throws Exception {
    buildMatrix();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(50);
    assertThat(cases.keySet()).containsAll(DELIBERATE.keySet());
    Path casesDir = Files.createDirectories(dir.resolve("cases"));
    for (Map.Entry<String, Case> e : cases.entrySet()) {
      Path d = Files.createDirectories(casesDir.resolve(e.getKey()));
      Case c = e.getValue();
      Files.writeString(d.resolve("roots.pem"), TestPki.pem(c.roots()));
      Files.writeString(d.resolve("chain.pem"), TestPki.pem(c.chain()));
      String usage = c.serverName() == null ? "client\n" : "server\ndns=" + c.serverName() + "\n";
      Files.writeString(d.resolve("case.txt"), "time=" + NOW + "\nusage=" + usage);
    }
    Map<String, String> go = GoVerifier.run(casesDir);
    assertThat(go.keySet()).containsExactlyInAnyOrderElementsOf(cases.keySet());

    List<String> disagreements = new ArrayList<>();
    Map<String, String> table = new TreeMap<>();
    for (Map.Entry<String, Case> e : cases.entrySet()) {
      String gatehouse = gatehouse(e.getValue());
      String goVerdict = go.get(e.getKey());
      boolean goAccepts = goVerdict.equals("ok");
      boolean gatehouseAccepts = gatehouse.equals("ok");
      table.put(e.getKey(), (goAccepts ? "accept" : "refuse") + " / " + (gatehouseAccepts ? "accept" : "refuse"));
      boolean deliberate = DELIBERATE.containsKey(e.getKey());
      if (deliberate) {
        if (!goAccepts || gatehouseAccepts) {
          disagreements.add(e.getKey() + ": on the deliberate list (Go accepts, Gatehouse refuses) but Go "
              + goVerdict + ", Gatehouse " + gatehouse);
        }
      } else if (goAccepts != gatehouseAccepts) {
        disagreements.add(e.getKey() + ": Go " + goVerdict + "; Gatehouse " + gatehouse);
      }
    }
    // The table in the test report shows what the matrix covered.
    table.forEach((name, verdicts) -> System.out.println("x509 " + name + ": " + verdicts + " (Go / Gatehouse)"));
    assertThat(disagreements).as("verdicts (Go / Gatehouse): %s", table).isEmpty();
    // Both kinds of verdict occur, so the matrix tests something either way.
    assertThat(table.values()).contains("accept / accept", "refuse / refuse");
  }

  /** Gatehouse's verdict through the trust managers the listeners and the internode leg use. */
  private static String gatehouse(Case c) {
    TrustedCas cas = TrustedCas.of(c.roots());
    HandshakeFailures failures = new HandshakeFailures(null, "test");
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    X509Certificate[] chain = c.chain().toArray(X509Certificate[]::new);
    try {
      if (c.serverName() == null) {
        new ClientCertificateVerifier("test", name -> cas, failures, clock).checkClientTrusted(chain, "UNKNOWN");
      } else {
        new UpstreamVerifier(() -> cas, false, c.serverName(), true, failures, clock, "serverName")
            .checkServerTrusted(chain, "UNKNOWN");
      }
      return "ok";
    } catch (CertificateException e) {
      return "refused: " + e.getMessage();
    }
  }

  /** Builds and runs {@code src/test/go/x509verify} with a private cache, offline. */
  static final class GoVerifier {
    private GoVerifier() {}

    static Map<String, String> run(Path casesDir) throws IOException, InterruptedException {
      Path work = Path.of("target", "x509verify").toAbsolutePath();
      Files.createDirectories(work);
      Path binary = work.resolve("x509verify");
      Path source = Path.of("src", "test", "go", "x509verify", "main.go").toAbsolutePath();
      assertThat(source).exists();
      ProcessBuilder build = new ProcessBuilder("go", "build", "-o", binary.toString(), source.toString());
      build.environment().put("GOCACHE", work.resolve("cache").toString());
      build.environment().put("GOPATH", work.resolve("gopath").toString());
      build.environment().put("GO111MODULE", "off");
      build.environment().put("GOPROXY", "off");
      build.environment().put("GOFLAGS", "");
      build.environment().put("GOENV", "off");
      build.environment().put("CGO_ENABLED", "0");
      build.environment().putIfAbsent("HOME", work.toString());
      String built = exec(build, "go build (install Debian's golang-go: .ci/run does on CI)");
      assertThat(Files.isExecutable(binary)).as("go build output: %s", built).isTrue();
      String out = exec(new ProcessBuilder(binary.toString(), casesDir.toString()), "x509verify");
      Map<String, String> verdicts = new LinkedHashMap<>();
      for (String line : out.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        String[] parts = line.split("\t", 3);
        verdicts.put(parts[0], parts[1].equals("ok") ? "ok" : "refused: " + (parts.length > 2 ? parts[2] : ""));
      }
      return verdicts;
    }

    private static String exec(ProcessBuilder pb, String what) throws IOException, InterruptedException {
      pb.redirectErrorStream(true);
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new AssertionError(what + ": cannot start " + pb.command().get(0) + " (" + e.getMessage()
            + "); the differential test needs Go", e);
      }
      byte[] output = p.getInputStream().readAllBytes();
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      String text = new String(output, StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as("%s failed: %s", what, text).isZero();
      return text;
    }
  }
}
