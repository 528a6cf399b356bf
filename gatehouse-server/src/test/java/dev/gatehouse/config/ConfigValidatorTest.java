package dev.gatehouse.config;

import static dev.gatehouse.config.ConfigErrors.assertNotQuoted;
import static dev.gatehouse.config.ConfigErrors.expectError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigValidatorTest {
  private static final String SOURCE = "gatehouse.yaml";
  private static final String PEM_B64 = Base64.getEncoder().encodeToString(
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".getBytes());

  @TempDir Path dir;

  /** An existing file in the temp dir (validation checks presence, not content), as a YAML-safe path. */
  private String file(String name) {
    try {
      Path path = dir.resolve(name);
      if (!Files.exists(path)) {
        Files.writeString(path, "placeholder\n");
      }
      return path.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String missing(String name) {
    return dir.resolve("missing").resolve(name).toString();
  }

  private static void validate(String yaml) {
    ConfigValidator.validate(ConfigLoader.parse(yaml, SOURCE, name -> null));
  }

  private static ConfigException invalid(String yaml, String key, String hint) {
    return expectError(() -> validate(yaml), SOURCE, key, hint);
  }

  /** A frontend server section with the given extra keys, indented to fit. */
  private static String frontendServer(String keys) {
    return "global:\n  tls:\n    frontend:\n      server:\n" + keys.indent(8);
  }

  private String certAndKey() {
    return "certFile: " + file("cert.pem") + "\nkeyFile: " + file("key.pem") + "\n";
  }

  @Test
  void defaultsAreValid() {
    assertThatCode(() -> ConfigValidator.validate(ConfigLoader.of(new GatehouseConfig(null, null, null, null))))
        .doesNotThrowAnyException();
    assertThatCode(() -> validate("{}\n")).doesNotThrowAnyException();
  }

  @Test
  void aCompleteMutualTlsSetupIsValid() {
    String yaml = """
        global:
          tls:
            refreshInterval: 1m
            frontend:
              minVersion: TLSv1.2
              server:
                certFile: %1$s
                keyFile: %2$s
                requireClientAuth: true
                clientCaFiles: [%3$s]
              hostOverrides:
                api.example.com:
                  certData: %4$s
                  keyData: %4$s
            internode:
              server:
                certFile: %1$s
                keyFile: %2$s
              client:
                serverName: temporal
                rootCaData: [%4$s]
          authorization:
            jwtKeyProvider:
              keySourceURIs: [https://idp.example.com/jwks.json, "file:%5$s"]
              issuers: [https://idp.example.com, https://local.example]
            permissionsRegex: '^(?P<namespace>[\\w-]+):(?P<role>\\w+)$'
        listen:
          grpcAddress: "[::1]:0"
          httpAddress: :9090
        upstream:
          address: temporal_frontend:7233
        codecServer:
          address: 127.0.0.1:8081
          tls:
            certFile: %1$s
            keyFile: %2$s
          allowedOrigins: [http://localhost:8233, "https://[::1]:8443"]
          keyringFile: %6$s
          namespaceKeyrings:
            payments: %6$s
        """.formatted(file("cert.pem"), file("key.pem"), file("ca.pem"), PEM_B64, file("jwks.json"),
        file("keyring.json"));

    assertThatCode(() -> validate(yaml)).doesNotThrowAnyException();
  }

  // ---- a File and its Data ----

  @Test
  void certFileAndCertDataTogetherAreAnError() {
    invalid(frontendServer(certAndKey() + "certData: " + PEM_B64), "global.tls.frontend.server.certData",
        "certFile and certData are both set (keep one");
  }

  @Test
  void keyFileAndKeyDataTogetherAreAnError() {
    String yaml = "global:\n  tls:\n    internode:\n      server:\n"
        + (certAndKey() + "keyData: " + PEM_B64).indent(8);
    invalid(yaml, "global.tls.internode.server.keyData", "keyFile and keyData are both set (keep one");
  }

  @Test
  void clientCaFilesAndClientCaDataTogetherAreAnErrorInAHostOverride() {
    String yaml = """
        global:
          tls:
            frontend:
              hostOverrides:
                api.example.com:
                  certFile: %s
                  keyFile: %s
                  clientCaFiles: [%s]
                  clientCaData: [%s]
        """.formatted(file("c.pem"), file("k.pem"), file("ca.pem"), PEM_B64);
    invalid(yaml, "global.tls.frontend.hostOverrides.api.example.com.clientCaData",
        "clientCaFiles and clientCaData are both set (keep one");
  }

  @Test
  void rootCaFilesAndRootCaDataTogetherAreAnError() {
    String yaml = """
        global:
          tls:
            internode:
              client:
                rootCaFiles: [%s]
                rootCaData: [%s]
        """.formatted(file("ca.pem"), PEM_B64);
    invalid(yaml, "global.tls.internode.client.rootCaData", "rootCaFiles and rootCaData are both set (keep one");
  }

  @Test
  void fileAndDataTogetherInTheCodecServerTls() {
    String yaml = """
        codecServer:
          address: 127.0.0.1:8081
          tls:
            certFile: %s
            keyFile: %s
            certData: %s
        """.formatted(file("c.pem"), file("k.pem"), PEM_B64);
    invalid(yaml, "codecServer.tls.certData", "certFile and certData are both set (keep one");
  }

  @Test
  void fileAndDataMessagesNeverEchoTheData() {
    String secret = Base64.getEncoder().encodeToString("-----BEGIN PRIVATE KEY-----SECRET".getBytes());
    ConfigException e = invalid(frontendServer(certAndKey() + "keyData: " + secret),
        "global.tls.frontend.server.keyData", "keyFile and keyData are both set");
    assertNotQuoted(e, secret);
  }

  // ---- certificate without key ----

  @Test
  void certFileWithoutKeyFile() {
    invalid(frontendServer("certFile: " + file("c.pem")), "global.tls.frontend.server.certFile",
        "certFile is set without keyFile (set keyFile to");
  }

  @Test
  void keyFileWithoutCertFile() {
    invalid(frontendServer("keyFile: " + file("k.pem")), "global.tls.frontend.server.keyFile",
        "keyFile is set without certFile (set certFile to");
  }

  @Test
  void certDataWithoutKeyData() {
    invalid(frontendServer("certData: " + PEM_B64), "global.tls.frontend.server.certData",
        "certData is set without keyData (set keyData to");
  }

  @Test
  void keyDataWithoutCertData() {
    String yaml = "codecServer:\n  address: 127.0.0.1:8081\n  tls:\n    keyData: " + PEM_B64 + "\n";
    invalid(yaml, "codecServer.tls.keyData", "keyData is set without certData (set certData to");
  }

  @Test
  void certFileWithKeyDataIsNotAPair() {
    invalid(frontendServer("certFile: " + file("c.pem") + "\nkeyData: " + PEM_B64),
        "global.tls.frontend.server.certFile", "certFile is set without keyFile");
  }

  // ---- referenced files ----

  @Test
  void missingCertFile() {
    String path = missing("cert.pem");
    ConfigException e = invalid(frontendServer("certFile: " + path + "\nkeyFile: " + file("k.pem")),
        "global.tls.frontend.server.certFile", "file not found: \"" + path + "\" (fix the path");
    assertThat(e.getMessage()).endsWith(")");
  }

  @Test
  void missingKeyFile() {
    invalid(frontendServer("certFile: " + file("c.pem") + "\nkeyFile: " + missing("key.pem")),
        "global.tls.frontend.server.keyFile", "file not found");
  }

  @Test
  void missingClientCaFileNamesItsIndex() {
    invalid(frontendServer(certAndKey() + "requireClientAuth: true\nclientCaFiles:\n  - " + file("ca.pem")
        + "\n  - " + missing("ca2.pem")), "global.tls.frontend.server.clientCaFiles[1]", "file not found");
  }

  @Test
  void missingRootCaFile() {
    String yaml = "global:\n  tls:\n    internode:\n      client:\n        rootCaFiles: [" + missing("ca.pem") + "]\n";
    invalid(yaml, "global.tls.internode.client.rootCaFiles[0]", "file not found");
  }

  @Test
  void missingKeyringFile() {
    invalid("codecServer:\n  address: 127.0.0.1:8081\n  keyringFile: " + missing("k.json") + "\n",
        "codecServer.keyringFile", "file not found");
  }

  @Test
  void missingNamespaceKeyring() {
    String yaml = "codecServer:\n  address: 127.0.0.1:8081\n  namespaceKeyrings:\n    payments: "
        + missing("p.json") + "\n    orders: " + file("o.json") + "\n";
    invalid(yaml, "codecServer.namespaceKeyrings.payments", "file not found");
  }

  @Test
  void aDirectoryIsNotAFile() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("certs"));
    invalid(frontendServer("certFile: " + sub + "\nkeyFile: " + file("k.pem")),
        "global.tls.frontend.server.certFile", "not a regular file");
  }

  @Test
  void unreadableFile() throws IOException {
    Path key = Path.of(file("locked.pem"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("---------"));
    assumeFalse(Files.isReadable(key), "running as a user who can read anything (root)");
    invalid(frontendServer("certFile: " + file("c.pem") + "\nkeyFile: " + key),
        "global.tls.frontend.server.keyFile", "file not readable");
  }

  @Test
  void fileKeySourceMustExist() {
    String yaml = "global:\n  authorization:\n    jwtKeyProvider:\n      keySourceURIs: [\"file:"
        + missing("jwks.json") + "\"]\n";
    invalid(yaml, "global.authorization.jwtKeyProvider.keySourceURIs[0]", "file not found");
  }

  // ---- data values ----

  @Test
  void invalidBase64DataIsAnErrorThatDoesNotEchoTheValue() {
    String notBase64 = "-----BEGIN-PRIVATE-KEY-----SECRETSECRET";
    ConfigException e = invalid(frontendServer("certData: " + PEM_B64 + "\nkeyData: \"" + notBase64 + "\""),
        "global.tls.frontend.server.keyData", "not valid base64 (");
    assertNotQuoted(e, "SECRETSECRET");
  }

  @Test
  void base64DataMayBeWrappedOverLines() {
    String wrapped = PEM_B64.substring(0, 20) + "\n" + PEM_B64.substring(20);
    String yaml = frontendServer("certData: |\n" + wrapped.indent(2) + "keyData: " + PEM_B64);
    assertThatCode(() -> validate(yaml)).doesNotThrowAnyException();
  }

  // ---- client auth ----

  @Test
  void requireClientAuthWithoutClientCas() {
    invalid(frontendServer(certAndKey() + "requireClientAuth: true"), "global.tls.frontend.server.requireClientAuth",
        "no client CA is set (add clientCaFiles or clientCaData");
  }

  @Test
  void requireClientAuthWithoutClientCasInAHostOverride() {
    String yaml = """
        global:
          tls:
            frontend:
              hostOverrides:
                api.example.com:
                  certFile: %s
                  keyFile: %s
                  requireClientAuth: true
        """.formatted(file("c.pem"), file("k.pem"));
    invalid(yaml, "global.tls.frontend.hostOverrides.api.example.com.requireClientAuth", "no client CA is set");
  }

  @Test
  void requireClientAuthWithoutAServerCertificate() {
    invalid(frontendServer("requireClientAuth: true\nclientCaFiles: [" + file("ca.pem") + "]"),
        "global.tls.frontend.server.requireClientAuth", "no server certificate is set (add certFile and keyFile");
  }

  // ---- TLS versions ----

  @ParameterizedTest
  @ValueSource(strings = {"\"1.2\"", "\"1.3\"", "1.2", "1.3", "TLSv1.2", "TLSv1.3", "tlsv1.3"})
  void knownTlsVersionsAreAccepted(String version) {
    String yaml = "global:\n  tls:\n    frontend:\n      minVersion: " + version + "\n";
    assertThatCode(() -> validate(yaml)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1", "1.0", "TLSv1.1", "1.4", "SSLv3", "TLS1.3", "v1.3"})
  void unknownTlsVersionListsTheValidOnes(String version) {
    invalid("global:\n  tls:\n    internode:\n      minVersion: " + version + "\n",
        "global.tls.internode.minVersion", "(use one of 1.2, 1.3, TLSv1.2, TLSv1.3)");
  }

  // ---- addresses ----

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "listen.grpcAddress | localhost | not host:port",
    "listen.grpcAddress | http://0.0.0.0:7233 | drop the scheme",
    "listen.grpcAddress | 0.0.0.0:99999 | port out of range",
    "listen.grpcAddress | ::1:7233 | must be in brackets",
    "listen.grpcAddress | 0.0.0.0:72a3 | not host:port",
    "listen.grpcAddress | bad..host:7233 | not a valid host",
    "listen.httpAddress | 127.0.0.1 | not host:port",
    "upstream.address | :7233 | no host",
    "upstream.address | temporal:0 | port must be 1-65535",
    "upstream.address | temporal: | not host:port",
    "upstream.address | [::1 | not host:port",
    "codecServer.address | codec | not host:port",
  })
  void malformedAddresses(String key, String value, String problem) {
    String[] parts = key.split("\\.");
    String yaml = parts[0] + ":\n  " + parts[1] + ": \"" + value + "\"\n";
    ConfigException e = invalid(yaml, key, problem);
    assertThat(e.getMessage()).contains("(use host:port, e.g.");
  }

  @ParameterizedTest
  @ValueSource(strings = {":0", "0.0.0.0:7233", "[::]:7233", "[fe80::1%eth0]:7233", "localhost:1", "a-b.c_d:65535"})
  void wellFormedListenAddresses(String value) {
    assertThatCode(() -> validate("listen:\n  grpcAddress: \"" + value + "\"\n")).doesNotThrowAnyException();
  }

  @Test
  void listenersNeedTheirOwnPorts() {
    invalid("listen:\n  grpcAddress: 0.0.0.0:7233\n  httpAddress: 127.0.0.1:7233\n", "listen.httpAddress",
        "uses the same port as listen.grpcAddress (give each listener its own port)");
    invalid("listen:\n  grpcAddress: 127.0.0.1:7233\ncodecServer:\n  address: 127.0.0.1:7233\n",
        "codecServer.address", "uses the same port as listen.grpcAddress");
    assertThatCode(() -> validate("listen:\n  grpcAddress: 127.0.0.1:0\n  httpAddress: 127.0.0.1:0\n"))
        .doesNotThrowAnyException();
  }

  // ---- durations ----

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "global/  tls/    refreshInterval: 0s | global.tls.refreshInterval | remove the key to disable reloading",
    "global/  tls/    frontend/      refreshInterval: -1m | global.tls.frontend.refreshInterval | e.g. 30s",
    "global/  tls/    expirationChecks/      warningWindow: 0 | global.tls.expirationChecks.warningWindow | e.g. 720h",
    "global/  tls/    internode/      expirationChecks/        checkInterval: -1h"
        + " | global.tls.internode.expirationChecks.checkInterval | e.g. 1h",
    "global/  authorization/    jwtKeyProvider/      refreshInterval: 0s"
        + " | global.authorization.jwtKeyProvider.refreshInterval | e.g. 1m",
    "upstream/  connectTimeout: 0ms | upstream.connectTimeout | e.g. 5s",
  })
  void durationsThatMustBePositive(String lines, String key, String hint) {
    // "/" separates lines: "global/  tls/..." is global:, then tls: indented below it, and so on.
    String yaml = lines.replace("/", ":\n") + "\n";
    ConfigException e = invalid(yaml, key, hint);
    assertThat(e.getMessage()).contains("must be a positive duration (");
  }

  @Test
  void theDataPlanesHttp2BoundsHaveSafeDefaultsAndMustBePositive() {
    GatehouseConfig parsed = ConfigLoader.parse("""
        listen:
          maxHeaderListBytes: 32768
          maxConcurrentCallsPerConnection: 50
          maxRstFramesPerWindow: 100
          rstFramesWindow: 30s
        """, SOURCE, name -> null).config();
    assertThat(parsed.listen().maxHeaderListBytes()).isEqualTo(32768);
    assertThat(parsed.listen().maxConcurrentCallsPerConnection()).isEqualTo(50);
    assertThat(parsed.listen().maxRstFramesPerWindow()).isEqualTo(100);
    assertThat(parsed.listen().rstFramesWindow()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(Listen.DEFAULT.maxRstFramesPerWindow()).isEqualTo(200);
    assertThat(Listen.DEFAULT.rstFramesWindow()).isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(Listen.DEFAULT.maxConcurrentCallsPerConnection()).isEqualTo(1000);
    assertThat(Listen.DEFAULT.maxHeaderListBytes()).isEqualTo(65536);
    invalid("listen:\n  maxHeaderListBytes: 100\n", "listen.maxHeaderListBytes", "must be at least 8192");
    invalid("listen:\n  maxConcurrentCallsPerConnection: 0\n", "listen.maxConcurrentCallsPerConnection",
        "must be at least 1");
    invalid("listen:\n  maxRstFramesPerWindow: 0\n", "listen.maxRstFramesPerWindow", "must be at least 1");
    invalid("listen:\n  rstFramesWindow: 500ms\n", "listen.rstFramesWindow", "whole number of seconds");
  }

  @Test
  void shutdownGracePeriodMayBeZeroButNotNegative() {
    assertThatCode(() -> validate("listen:\n  shutdownGracePeriod: 0s\n")).doesNotThrowAnyException();
    invalid("listen:\n  shutdownGracePeriod: -5s\n", "listen.shutdownGracePeriod", "must not be negative (");
  }

  @Test
  void refreshIntervalMayBeAbsent() {
    LoadedConfig loaded = ConfigLoader.parse(frontendServer(certAndKey()), SOURCE, name -> null);
    ConfigValidator.validate(loaded);
    RootTls tls = loaded.config().global().tls();
    assertThat(tls.refreshIntervalFor(tls.frontend())).isNull();
  }

  // ---- authorization ----

  @Test
  void permissionsRegexMustCompile() {
    invalid("global:\n  authorization:\n    permissionsRegex: '(?P<namespace>[a-z+'\n",
        "global.authorization.permissionsRegex", "not a valid regular expression");
  }

  @Test
  void permissionsRegexNeedsNamespaceAndRoleGroups() {
    invalid("global:\n  authorization:\n    permissionsRegex: '^(?<ns>\\w+):(?<role>\\w+)$'\n",
        "global.authorization.permissionsRegex", "needs the named groups namespace and role");
  }

  @Test
  void permissionsRegexInGoSyntaxIsReadAsJava() {
    LoadedConfig loaded = ConfigLoader.parse(
        "global:\n  authorization:\n    permissionsRegex: '^temporal:(?P<namespace>[\\w-]+):(?P<role>\\w+)$'\n",
        SOURCE, name -> null);
    ConfigValidator.validate(loaded);
    var matcher = loaded.config().global().authorization().permissionsPattern().matcher("temporal:pay-ments:write");
    assertThat(matcher.matches()).isTrue();
    assertThat(matcher.group("namespace")).isEqualTo("pay-ments");
    assertThat(matcher.group("role")).isEqualTo("write");
    // An escaped parenthesis is not a group and is left alone.
    assertThat(new Authorization(null, null, "\\(?P<x>", null, null, null, null, null).permissionsPattern().pattern())
        .isEqualTo("\\(?P<x>");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "ftp://idp.example.com/jwks.json | unsupported scheme (use https://, http:// or file:)",
    "idp.example.com/jwks.json | unsupported scheme",
    "https:///jwks.json | has no host (e.g. https://",
    "http://exa mple.com/ | not a valid URI (e.g.",
    "file: | not a valid URI",
  })
  void keySourcesMustBeHttpsHttpOrFile(String uri, String hint) {
    invalid("global:\n  authorization:\n    jwtKeyProvider:\n      keySourceURIs: [\"" + uri + "\"]\n",
        "global.authorization.jwtKeyProvider.keySourceURIs[0]", hint);
  }

  @Test
  void authHeaderNameMustBeAMetadataKey() {
    invalid("global:\n  authorization:\n    authHeaderName: 'my header'\n", "global.authorization.authHeaderName",
        "not a valid gRPC metadata key");
    invalid("global:\n  authorization:\n    authExtraHeaderName: token-bin\n",
        "global.authorization.authExtraHeaderName", "not a valid gRPC metadata key");
  }

  // ---- codec server and host overrides ----

  @ParameterizedTest
  @ValueSource(strings = {"*", "http://localhost:8233/", "localhost:8233", "https://*.example.com",
      "http://localhost:99999", "null"})
  void allowedOriginsAreExactOrigins(String value) {
    invalid("codecServer:\n  address: 127.0.0.1:8081\n  allowedOrigins: [\"" + value + "\"]\n",
        "codecServer.allowedOrigins[0]", "no wildcard, e.g. http://localhost:8233");
  }

  @Test
  void theCodecBodyBudgetHoldsOneBodyAndTheReadTimeoutIsPositive() {
    invalid("codecServer:\n  address: 127.0.0.1:8081\n  maxBodyBytes: 1048576\n  maxInFlightBodyBytes: 1000\n",
        "codecServer.maxInFlightBodyBytes", "must be at least codecServer.maxBodyBytes");
    invalid("codecServer:\n  address: 127.0.0.1:8081\n  bodyReadTimeout: 0s\n", "codecServer.bodyReadTimeout",
        "must be a positive duration");
    assertThatCode(() -> validate("codecServer:\n  address: 127.0.0.1:8081\n  maxInFlightBodyBytes: 8388608\n"
        + "  bodyReadTimeout: 10s\n")).doesNotThrowAnyException();
  }

  @Test
  void maxBodyBytesMustBePositive() {
    invalid("codecServer:\n  address: 127.0.0.1:8081\n  maxBodyBytes: 0\n", "codecServer.maxBodyBytes",
        "must be positive (");
  }

  @Test
  void disabledCodecServerIsNotChecked() {
    assertThatCode(() -> validate("codecServer:\n  address: \"\"\n  keyringFile: " + missing("k.json") + "\n"))
        .doesNotThrowAnyException();
  }

  @Test
  void hostOverridesNeedHostNamesThatDoNotCollide() {
    String entry = "\n          certFile: " + file("c.pem") + "\n          keyFile: " + file("k.pem");
    invalid("global:\n  tls:\n    frontend:\n      hostOverrides:\n        \"*.example.com\":" + entry + "\n",
        "global.tls.frontend.hostOverrides.*.example.com", "no wildcards");
    invalid("global:\n  tls:\n    frontend:\n      hostOverrides:\n        API.example.com:" + entry
        + "\n        api.example.com:" + entry + "\n",
        "global.tls.frontend.hostOverrides.api.example.com", "host names are case-insensitive; keep one entry");
  }

  @Test
  void hostOverrideMustPresentACertificate() {
    invalid("global:\n  tls:\n    frontend:\n      hostOverrides:\n        api.example.com:\n"
        + "          clientCaFiles: [" + file("ca.pem") + "]\n",
        "global.tls.frontend.hostOverrides.api.example.com", "sets no certificate (an override exists to present");
  }

  // ---- messages name the file that set the key ----

  @Test
  void errorNamesTheFileThatSetTheKey() throws IOException {
    Files.writeString(dir.resolve("base.yaml"), frontendServer(certAndKey()));
    Files.writeString(dir.resolve("production.yaml"), frontendServer("certFile: " + missing("prod.pem")));
    LoadedConfig loaded = ConfigLoader.load(dir, "production", null, name -> null);

    expectError(() -> ConfigValidator.validate(loaded), dir.resolve("production.yaml").toString(),
        "global.tls.frontend.server.certFile", "file not found");
  }

  @Test
  void errorForAnUnsetKeyNamesTheFileOfItsSection() throws IOException {
    Files.writeString(dir.resolve("base.yaml"), "upstream:\n  address: temporal:7233\n");
    Files.writeString(dir.resolve("staging.yaml"), frontendServer(certAndKey() + "requireClientAuth: true"));
    LoadedConfig loaded = ConfigLoader.load(dir, "staging", null, name -> null);

    ConfigException e = expectError(() -> ConfigValidator.validate(loaded), dir.resolve("staging.yaml").toString(),
        "global.tls.frontend.server.requireClientAuth", "no client CA");
    assertThat(loaded.origin().fileOf("global.tls.frontend.server.clientCaFiles")).isEqualTo(e.source());
  }

  @Test
  void codeConfigsAreValidatedToo() {
    ServerTls server = new ServerTls("/nope/cert.pem", "/nope/key.pem", null, null, null, null, false);
    GroupTls frontend = new GroupTls(server, null, Map.of(), null, null, null);
    GatehouseConfig config = new GatehouseConfig(new Global(new RootTls(frontend, null, null, null), null),
        null, null, null);

    expectError(() -> ConfigValidator.validate(ConfigLoader.of(config)), "<code>",
        "global.tls.frontend.server.certFile", "file not found");
  }
}
