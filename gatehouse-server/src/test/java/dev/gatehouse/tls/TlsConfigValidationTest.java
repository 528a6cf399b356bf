package dev.gatehouse.tls;

import static dev.gatehouse.tls.TlsTestSupport.frontend;
import static dev.gatehouse.tls.TlsTestSupport.internode;
import static dev.gatehouse.tls.TlsTestSupport.serverTls;
import static dev.gatehouse.tls.TlsTestSupport.write;
import static dev.gatehouse.tls.TlsTestSupport.writeCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.ClientTls;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.TlsTestSupport.CertFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Material problems found at build time: one-line errors naming config file, key, PEM file and fix. */
class TlsConfigValidationTest {
  @TempDir static Path dir;
  static CertificateAuthority ca;
  static Path caFile;
  static CertFiles server;
  static IssuedCertificate otherKeyOwner;
  static final Function<String, String> FILES = key -> key.startsWith("global.tls") ? "config/base.yaml" : null;

  @BeforeAll
  static void pki() {
    ca = CertificateAuthority.create("Validation CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    caFile = writeCa(dir, "ca", ca);
    server = write(dir, "server", ca.leaf("localhost").dnsNames("localhost").serverAuth().issue());
    otherKeyOwner = ca.leaf("other").serverAuth().issue();
  }

  private static ConfigException frontendError(ServerTls tls) {
    return frontendError(frontend(tls, Map.of(), null));
  }

  private static ConfigException frontendError(RootTls tls) {
    try {
      new FrontendTls(tls, FILES, new SimpleMeterRegistry(), null).close();
    } catch (ConfigException e) {
      assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("PRIVATE KEY-----");
      return e;
    }
    throw new AssertionError("no ConfigException");
  }

  private static Path file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  private static ServerTls tls(Path cert, Path key, List<Path> cas, boolean require) {
    return new ServerTls(cert.toString(), key.toString(), null, null, cas.stream().map(Path::toString).toList(), null,
        require);
  }

  @Test
  void aKeyThatDoesNotMatchItsCertificate() throws Exception {
    Path wrongKey = file("wrong-key.pem", otherKeyOwner.privateKeyPem());
    ConfigException e = frontendError(tls(server.cert(), wrongKey, List.of(), false));
    assertThat(e.source()).isEqualTo("config/base.yaml");
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.keyFile");
    assertThat(e.getMessage()).startsWith("config/base.yaml: global.tls.frontend.server.keyFile: ")
        .contains(wrongKey.toString(), server.cert().toString(), "does not match", "use the key the certificate was issued for");
    assertNoKeyMaterial(e, otherKeyOwner.privateKeyPem());
  }

  @Test
  void aCaFileWithoutCertificates() throws Exception {
    Path notPem = file("not-a-ca.pem", "hello, I am not PEM\n");
    ConfigException e = frontendError(tls(server.cert(), server.key(), List.of(caFile, notPem), true));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.clientCaFiles[1]");
    assertThat(e.getMessage()).contains(notPem.toString(), "holds no CA certificate");
  }

  @Test
  void aCaFileHoldingALeafCertificate() {
    ConfigException e = frontendError(tls(server.cert(), server.key(), List.of(server.cert()), true));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.clientCaFiles[0]");
    assertThat(e.getMessage()).contains(server.cert().toString(), "CN=localhost", "not a CA certificate",
        "point it at the issuing CA");
  }

  @Test
  void anUnparsableCertificate() throws Exception {
    Path broken = file("broken.pem", "-----BEGIN CERTIFICATE-----\n!!!not*base64!!!\n-----END CERTIFICATE-----\n");
    ConfigException e = frontendError(tls(broken, server.key(), List.of(), false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.certFile");
    assertThat(e.getMessage()).contains(broken.toString(), "unparsable PEM", "BEGIN CERTIFICATE");
  }

  @Test
  void anUnparsableKeyIsNotEchoed() throws Exception {
    String secretish = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRET";
    Path broken = file("broken-key.pem", "-----BEGIN PRIVATE KEY-----\n" + secretish + "\n-----END PRIVATE KEY-----\n");
    ConfigException e = frontendError(tls(server.cert(), broken, List.of(), false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.keyFile");
    assertThat(e.getMessage()).contains(broken.toString(), "unparsable").doesNotContain("SECRET");
    assertThat(e.getCause()).isNull();
  }

  @Test
  void aKeyFileWithoutKey() {
    ConfigException e = frontendError(tls(server.cert(), server.cert(), List.of(), false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.keyFile");
    assertThat(e.getMessage()).contains("no private key found");
  }

  @Test
  void anEncryptedKey() throws Exception {
    IssuedCertificate issued = ca.leaf("enc").serverAuth().issue();
    var generator = new JcaPKCS8Generator(issued.privateKey(),
        new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setPassword("pw".toCharArray()).build());
    var out = new java.io.StringWriter();
    try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(out)) {
      w.writeObject(generator.generate());
    }
    CertFiles files = write(dir, "enc", issued);
    Files.writeString(files.key(), out.toString());
    ConfigException e = frontendError(tls(files.cert(), files.key(), List.of(), false));
    assertThat(e.getMessage()).contains("encrypted", "openssl pkey");
  }

  @Test
  void anUnknownMinVersion() {
    ConfigException e = frontendError(frontend(serverTls(server, List.of(), false), Map.of(), "1.1"));
    assertThat(e.key()).isEqualTo("global.tls.frontend.minVersion");
    assertThat(e.getMessage()).contains("unknown TLS version \"1.1\"", "\"1.3\"", "\"1.2\"");
    ConfigException internodeError = null;
    try {
      new InternodeTls(internode(null, new ClientTls(null, false, null, null, true), "1.0"), FILES, null, null);
    } catch (ConfigException x) {
      internodeError = x;
    }
    assertThat(internodeError).isNotNull();
    assertThat(internodeError.key()).isEqualTo("global.tls.internode.minVersion");
  }

  @Test
  void aMissingFile() {
    Path missing = dir.resolve("nope.pem");
    ConfigException e = frontendError(tls(missing, server.key(), List.of(), false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.certFile");
    assertThat(e.getMessage()).contains("file not found: " + missing, "or use certData");
  }

  @Test
  void aDirectoryInsteadOfAFile() {
    ConfigException e = frontendError(tls(server.cert(), dir, List.of(), false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.keyFile");
    assertThat(e.getMessage()).contains(dir.toString(), "not a regular file");
  }

  @Test
  void hostOverridesThatDifferOnlyInCase() {
    ServerTls plain = serverTls(server, List.of(), false);
    ConfigException e = frontendError(frontend(plain, Map.of("Alt.example", plain, "alt.example", plain), null));
    assertThat(e.getMessage()).contains("differ in more than letter case");
  }

  @Test
  void aFileAndItsDataTogether() throws Exception {
    String data = Base64.getEncoder().encodeToString(Files.readAllBytes(server.cert()));
    ConfigException e = frontendError(new ServerTls(server.cert().toString(), server.key().toString(), data, null,
        null, null, false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.certData");
    assertThat(e.getMessage()).contains("either certFile or certData, not both");
  }

  @Test
  void inlineDataWorksAndBadBase64IsNotEchoed() throws Exception {
    String certData = Base64.getEncoder().encodeToString(Files.readAllBytes(server.cert()));
    String keyData = Base64.getEncoder().encodeToString(Files.readAllBytes(server.key()));
    String caData = Base64.getEncoder().encodeToString(Files.readAllBytes(caFile));
    try (FrontendTls ok = new FrontendTls(frontend(new ServerTls(null, null, certData, keyData, null, List.of(caData),
        true), Map.of(), null), FILES, null, null)) {
      assertThat(ok.serverContext()).isNotNull();
    }
    ConfigException e = frontendError(new ServerTls(null, null, certData, "SECRET%%%not-base64", null, null, false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.keyData");
    assertThat(e.getMessage()).contains("not valid base64").doesNotContain("SECRET");
  }

  @Test
  void requireClientAuthWithoutClientCas() {
    ConfigException e = frontendError(tls(server.cert(), server.key(), List.of(), true));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.requireClientAuth");
    assertThat(e.getMessage()).contains("clientCaFiles or clientCaData");
  }

  @Test
  void aCertificateWithoutKeyAndClientCasWithoutCertificate() {
    ConfigException e = frontendError(new ServerTls(server.cert().toString(), null, null, null, null, null, false));
    assertThat(e.key()).isEqualTo("global.tls.frontend.server.keyFile");
    ConfigException e2 = frontendError(new ServerTls(null, null, null, null, List.of(caFile.toString()), null, true));
    assertThat(e2.key()).isEqualTo("global.tls.frontend.server.certFile");
  }

  @Test
  void hostOverridesMustAgreeOnClientAuthentication() {
    ServerTls strict = serverTls(server, List.of(caFile), true);
    ServerTls lax = serverTls(server, List.of(), false);
    ConfigException e = frontendError(frontend(strict, Map.of("alt.example", lax), null));
    assertThat(e.key()).isEqualTo("global.tls.frontend.hostOverrides.alt.example.requireClientAuth");
    assertThat(e.getMessage()).contains("differs from global.tls.frontend.server");
    ConfigException e2 = frontendError(frontend(null, Map.of("alt.example", lax), null));
    assertThat(e2.key()).isEqualTo("global.tls.frontend.hostOverrides");
  }

  @Test
  void internodeRootCasMustBeCas() {
    ConfigException e = null;
    try {
      new InternodeTls(internode(null, new ClientTls(null, false, List.of(server.cert().toString()), null, false), null),
          FILES, null, null);
    } catch (ConfigException x) {
      e = x;
    }
    assertThat(e).isNotNull();
    assertThat(e.key()).isEqualTo("global.tls.internode.client.rootCaFiles[0]");
    assertThat(e.getMessage()).startsWith("config/base.yaml: ").contains("not a CA certificate");
  }

  @Test
  void internodeClientKeyMustMatch() throws Exception {
    Path wrongKey = file("wrong-internode-key.pem", otherKeyOwner.privateKeyPem());
    ConfigException e = null;
    try {
      new InternodeTls(internode(tls(server.cert(), wrongKey, List.of(), false), null, null), FILES, null, null);
    } catch (ConfigException x) {
      e = x;
    }
    assertThat(e).isNotNull();
    assertThat(e.key()).isEqualTo("global.tls.internode.server.keyFile");
    assertNoKeyMaterial(e, otherKeyOwner.privateKeyPem());
  }

  @Test
  void theConfigFileIsFoundForIndexedAndNestedKeys() throws Exception {
    Path notPem = file("plain.txt", "x");
    Function<String, String> onlyParents = key -> switch (key) {
      case "global.tls.frontend.server.clientCaFiles" -> "config/ca.yaml";
      case "global.tls.frontend.hostOverrides.alt.example" -> "config/hosts.yaml";
      default -> null;
    };
    ConfigException e = null;
    try {
      new FrontendTls(frontend(tls(server.cert(), server.key(), List.of(notPem), true), Map.of(), null), onlyParents,
          null, null);
    } catch (ConfigException x) {
      e = x;
    }
    assertThat(e).isNotNull();
    assertThat(e.source()).isEqualTo("config/ca.yaml");
    try {
      new FrontendTls(frontend(serverTls(server, List.of(), false),
          Map.of("alt.example", tls(notPem, server.key(), List.of(), false)), null), onlyParents, null, null);
    } catch (ConfigException x) {
      e = x;
    }
    assertThat(e.key()).isEqualTo("global.tls.frontend.hostOverrides.alt.example.certFile");
    assertThat(e.source()).isEqualTo("config/hosts.yaml");
  }

  @Test
  void codecServerErrorsNameItsKeys() {
    ConfigException e = null;
    try {
      JdkServerTls.create(serverTls(server, List.of(), false), "1.0", "codecServer.tls", k -> "config/codec.yaml", null);
    } catch (ConfigException x) {
      e = x;
    }
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).startsWith("config/codec.yaml: codecServer.tls.minVersion: unknown TLS version");
  }

  private static void assertNoKeyMaterial(ConfigException e, String keyPem) {
    String body = keyPem.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
    for (int i = 0; i + 16 <= body.length(); i += 16) {
      assertThat(e.getMessage()).doesNotContain(body.substring(i, i + 16));
    }
    assertThat(e.getMessage().getBytes(StandardCharsets.UTF_8).length).isLessThan(600);
  }
}
