package dev.gatehouse.config;

import static dev.gatehouse.config.ConfigErrors.assertNotQuoted;
import static dev.gatehouse.config.ConfigErrors.expectError;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final Function<String, String> NO_ENV = name -> null;

  @TempDir Path dir;

  private Path write(String name, String yaml) {
    try {
      return Files.writeString(dir.resolve(name), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private LoadedConfig load(String env, String zone) {
    return ConfigLoader.load(dir, env, zone, NO_ENV);
  }

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  // ---- files and merge order ----

  @Test
  void mergesBaseThenEnvThenZone() {
    write("base.yaml", """
        listen:
          grpcAddress: 0.0.0.0:7233
          httpAddress: 127.0.0.1:9090
        upstream:
          address: base:7233
          connectTimeout: 1s
        """);
    write("production.yaml", """
        upstream:
          address: env:7233
        listen:
          shutdownGracePeriod: 10s
        """);
    write("production_eu1.yaml", """
        upstream:
          address: zone:7233
        """);

    LoadedConfig loaded = load("production", "eu1");

    GatehouseConfig config = loaded.config();
    assertThat(config.upstream().address()).isEqualTo("zone:7233");
    assertThat(config.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.listen().grpcAddress()).isEqualTo("0.0.0.0:7233");
    assertThat(config.listen().httpAddress()).isEqualTo("127.0.0.1:9090");
    assertThat(config.listen().shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(10));

    ConfigOrigin origin = loaded.origin();
    assertThat(origin.fileOf("upstream.address")).isEqualTo(file("production_eu1.yaml"));
    assertThat(origin.fileOf("upstream.connectTimeout")).isEqualTo(file("base.yaml"));
    assertThat(origin.fileOf("listen.shutdownGracePeriod")).isEqualTo(file("production.yaml"));
    assertThat(origin.fileOf("listen.grpcAddress")).isEqualTo(file("base.yaml"));
  }

  @Test
  void laterFileWinsInOrderEvenWithoutZone() {
    write("base.yaml", "upstream:\n  address: base:1\n");
    write("staging.yaml", "upstream:\n  address: env:1\n");
    write("staging_eu1.yaml", "upstream:\n  address: zone:1\n");

    assertThat(load("staging", null).config().upstream().address()).isEqualTo("env:1");
    assertThat(load("staging", "  ").config().upstream().address()).isEqualTo("env:1");
    assertThat(load("staging", "eu1").config().upstream().address()).isEqualTo("zone:1");
  }

  @Test
  void blankEnvMeansDevelopment() {
    write("development.yaml", "upstream:\n  address: dev:7233\n");

    assertThat(load("", null).config().upstream().address()).isEqualTo("dev:7233");
    assertThat(load(null, null).config().upstream().address()).isEqualTo("dev:7233");
  }

  @Test
  void eachFileIsOptionalAsLongAsOneExists() {
    write("production_eu1.yaml", "upstream:\n  address: zone:7233\n");

    LoadedConfig loaded = load("production", "eu1");

    assertThat(loaded.config().upstream().address()).isEqualTo("zone:7233");
    assertThat(loaded.origin().fileOf("listen.grpcAddress")).isEqualTo(file("production_eu1.yaml"));
  }

  @Test
  void noFileAtAllNamesTheDirectoryAndTheFilesLookedFor() {
    write("prod.yaml", "{}\n");

    ConfigException e = expectError(() -> load("production", "eu1"), dir.toString(), null, "create base.yaml");
    assertThat(e.getMessage()).contains("base.yaml, production.yaml, production_eu1.yaml");
  }

  @Test
  void missingDirectoryIsAnError() {
    Path missing = dir.resolve("nope");

    expectError(() -> ConfigLoader.load(missing, "production", null), missing.toString(), null,
        "config directory not found");
  }

  @Test
  void envAndZoneCannotLeaveTheDirectory() {
    write("base.yaml", "{}\n");

    expectError(() -> load("../etc/x", null), dir.toString(), null, "cannot be part of a file name");
    expectError(() -> load("production", "../../x"), dir.toString(), null, "cannot be part of a file name");
    expectError(() -> load("prod..x", null), dir.toString(), null, "cannot be part of a file name");
  }

  @Test
  void listsAreReplacedNotAppended() {
    write("base.yaml", """
        global:
          tls:
            frontend:
              server:
                clientCaFiles: [/ca/a.pem, /ca/b.pem]
                requireClientAuth: true
        codecServer:
          allowedOrigins:
            - http://a.example
            - http://b.example
        """);
    write("development.yaml", """
        global:
          tls:
            frontend:
              server:
                clientCaFiles:
                  - /ca/c.pem
        """);

    LoadedConfig loaded = load(null, null);

    ServerTls server = loaded.config().global().tls().frontend().server();
    assertThat(server.clientCaFiles()).containsExactly("/ca/c.pem");
    assertThat(server.requireClientAuth()).isTrue();
    assertThat(loaded.config().codecServer().allowedOrigins()).containsExactly("http://a.example", "http://b.example");
    assertThat(loaded.origin().fileOf("global.tls.frontend.server.clientCaFiles[0]"))
        .isEqualTo(file("development.yaml"));
    assertThat(loaded.origin().fileOf("global.tls.frontend.server.requireClientAuth")).isEqualTo(file("base.yaml"));
  }

  @Test
  void mapEntriesMergeByNameAndEachEntryIsReplacedWhole() {
    // As Temporal's YAML decoding does for map[string]ServerTLS: a later file's entry replaces the whole entry,
    // so switching an override from files to inline data does not leave a file+data conflict behind.
    write("base.yaml", """
        global:
          tls:
            frontend:
              hostOverrides:
                a.example.com:
                  certFile: /a.pem
                  keyFile: /a.key
                b.example.com:
                  certFile: /b.pem
                  keyFile: /b.key
        """);
    write("development.yaml", """
        global:
          tls:
            frontend:
              hostOverrides:
                a.example.com:
                  certData: Y2VydA==
                  keyData: a2V5
        """);

    LoadedConfig loaded = load(null, null);

    Map<String, ServerTls> overrides = loaded.config().global().tls().frontend().hostOverrides();
    assertThat(overrides).containsOnlyKeys("a.example.com", "b.example.com");
    assertThat(overrides.get("a.example.com").certFile()).isNull();
    assertThat(overrides.get("a.example.com").certData()).isEqualTo("Y2VydA==");
    assertThat(overrides.get("b.example.com").certFile()).isEqualTo("/b.pem");
    ConfigOrigin origin = loaded.origin();
    assertThat(origin.fileOf("global.tls.frontend.hostOverrides.a.example.com.certData"))
        .isEqualTo(file("development.yaml"));
    // The replaced entry's old keys are gone: an unset key now resolves through its parent, the new entry.
    assertThat(origin.fileOf("global.tls.frontend.hostOverrides.a.example.com.certFile"))
        .isEqualTo(file("development.yaml"));
    assertThat(origin.fileOf("global.tls.frontend.hostOverrides.b.example.com.certFile"))
        .isEqualTo(file("base.yaml"));
  }

  @Test
  void aNullInALaterFileResetsTheKey() {
    write("base.yaml", "listen:\n  httpAddress: 127.0.0.1:9090\n");
    write("development.yaml", "listen:\n  httpAddress:\n");

    assertThat(load(null, null).config().listen().httpAddress()).isNull();
  }

  // ---- origin ----

  @Test
  void originOfAnUnsetKeyIsTheMostSpecificFileThatSetItsNearestParent() {
    write("base.yaml", """
        global:
          tls:
            frontend:
              server:
                certFile: /f.pem
                keyFile: /f.key
        upstream:
          address: base:7233
        """);
    write("development.yaml", """
        global:
          tls:
            frontend:
              server:
                requireClientAuth: false
        """);

    ConfigOrigin origin = load(null, null).origin();

    assertThat(origin.fileOf("global.tls.frontend.server.certFile")).isEqualTo(file("base.yaml"));
    assertThat(origin.fileOf("global.tls.frontend.server.clientCaFiles")).isEqualTo(file("development.yaml"));
    assertThat(origin.fileOf("global.tls.frontend.server.clientCaFiles[3]")).isEqualTo(file("development.yaml"));
    assertThat(origin.fileOf("upstream.connectTimeout")).isEqualTo(file("base.yaml"));
    assertThat(origin.fileOf("codecServer.address")).isEqualTo(file("development.yaml"));
    assertThat(origin.fileOf("")).isEqualTo(file("development.yaml"));
    assertThat(origin.fileOf(null)).isEqualTo(file("development.yaml"));
  }

  @Test
  void configBuiltInCodeHasCodeAsItsOrigin() {
    GatehouseConfig config = new GatehouseConfig(null, new Listen("127.0.0.1:0", null, null), null, null);

    LoadedConfig loaded = ConfigLoader.of(config);

    assertThat(loaded.config()).isSameAs(config);
    assertThat(loaded.origin().fileOf("listen.grpcAddress")).isEqualTo("<code>");
  }

  @Test
  void loadFileReadsOneFile() {
    Path single = write("gatehouse.yaml", "upstream:\n  address: single:7233\n");

    LoadedConfig loaded = ConfigLoader.loadFile(single, NO_ENV);

    assertThat(loaded.config().upstream().address()).isEqualTo("single:7233");
    assertThat(loaded.origin().fileOf("upstream.address")).isEqualTo(single.toString());
    expectError(() -> ConfigLoader.loadFile(dir.resolve("missing.yaml")), file("missing.yaml"), null,
        "file not found");
  }

  @Test
  void emptyFileIsAnEmptyConfig() {
    write("base.yaml", "# nothing yet\n");

    assertThat(load(null, null).config()).isEqualTo(new GatehouseConfig(null, null, null, null));
  }

  @Test
  void oversizedFileIsRefused() throws IOException {
    Files.write(dir.resolve("base.yaml"), new byte[ConfigBinding.MAX_FILE_BYTES + 1]);

    expectError(() -> load(null, null), file("base.yaml"), null, "file too large");
  }

  @Test
  void nonUtf8FileIsRefused() throws IOException {
    Files.write(dir.resolve("base.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'});

    expectError(() -> load(null, null), file("base.yaml"), null, "save the file as UTF-8");
  }

  // ---- ${VAR} ----

  @Test
  void substitutesEnvironmentVariablesInValues() {
    Map<String, String> env = new HashMap<>();
    env.put("TLS_DIR", "/etc/tls");
    env.put("MTLS", "true");
    env.put("REFRESH", "45s");
    env.put("MAX_BODY", "1024");
    write("base.yaml", """
        global:
          tls:
            refreshInterval: ${REFRESH}
            frontend:
              server:
                certFile: ${TLS_DIR}/frontend.pem
                keyFile: "${TLS_DIR}/frontend.key"
                requireClientAuth: ${MTLS}
                clientCaFiles:
                  - ${TLS_DIR}/ca.pem
                  - ${CA_EXTRA:-/etc/extra-ca.pem}
        upstream:
          address: ${UPSTREAM:-temporal:7233}
        codecServer:
          maxBodyBytes: ${MAX_BODY}
          address: $${NOT_A_VAR}
        """);

    GatehouseConfig config = ConfigLoader.load(dir, null, null, env::get).config();

    ServerTls server = config.global().tls().frontend().server();
    assertThat(server.certFile()).isEqualTo("/etc/tls/frontend.pem");
    assertThat(server.keyFile()).isEqualTo("/etc/tls/frontend.key");
    assertThat(server.requireClientAuth()).isTrue();
    assertThat(server.clientCaFiles()).containsExactly("/etc/tls/ca.pem", "/etc/extra-ca.pem");
    assertThat(config.global().tls().refreshInterval()).isEqualTo(Duration.ofSeconds(45));
    assertThat(config.upstream().address()).isEqualTo("temporal:7233");
    assertThat(config.codecServer().maxBodyBytes()).isEqualTo(1024L);
    assertThat(config.codecServer().address()).isEqualTo("${NOT_A_VAR}");
  }

  @Test
  void keysAreNotSubstituted() {
    write("base.yaml", """
        codecServer:
          namespaceKeyrings:
            ${NS}: /keys/ns.json
        """);

    assertThat(ConfigLoader.load(dir, null, null, Map.of("NS", "payments")::get).config()
        .codecServer().namespaceKeyrings()).containsOnlyKeys("${NS}");
  }

  @Test
  void unsetVariableNamesTheFileTheKeyAndTheVariable() {
    write("base.yaml", "upstream:\n  address: temporal:7233\n");
    write("production.yaml", """
        global:
          tls:
            frontend:
              server:
                clientCaFiles:
                  - /ca/a.pem
                  - ${EXTRA_CA}
        """);

    ConfigException e = expectError(() -> load("production", null), file("production.yaml"),
        "global.tls.frontend.server.clientCaFiles[1]", "environment variable EXTRA_CA is not set");
    assertThat(e.getMessage()).contains("${EXTRA_CA:-default}");
  }

  // ---- unknown keys and types ----

  @Test
  void unknownKeyNamesFileAndFullKeyAndSuggestsTheClosestKnownKey() {
    write("base.yaml", """
        global:
          tls:
            frontend:
              server:
                certfile: /x.pem
        """);

    expectError(() -> load(null, null), file("base.yaml"), "global.tls.frontend.server.certfile",
        "did you mean certFile?");
  }

  @Test
  void unknownKeyInALaterFileNamesThatFile() {
    write("base.yaml", "listen:\n  grpcAddress: 0.0.0.0:7233\n");
    write("development.yaml", """
        global:
          tls:
            frontend:
              server:
                clientCAFiles: [/ca.pem]
        """);

    expectError(() -> load(null, null), file("development.yaml"), "global.tls.frontend.server.clientCAFiles",
        "did you mean clientCaFiles?");
  }

  @Test
  void unknownKeyWithoutACloseMatchListsTheKnownKeys() {
    write("base.yaml", "upstream:\n  somethingElse: 1\n");

    expectError(() -> load(null, null), file("base.yaml"), "upstream.somethingElse",
        "known keys here: address, connectTimeout");
  }

  @Test
  void unknownTopLevelSectionSuggestsTheRealOne() {
    write("base.yaml", "listn:\n  grpcAddress: 0.0.0.0:7233\n");

    expectError(() -> load(null, null), file("base.yaml"), "listn", "did you mean listen?");
  }

  @Test
  void temporalOnlyKeysSaySoInsteadOfGuessing() {
    write("base.yaml", """
        global:
          tls:
            systemWorker:
              certFile: /w.pem
        """);

    expectError(() -> load(null, null), file("base.yaml"), "global.tls.systemWorker",
        "which Gatehouse does not use (remove it");
  }

  @Test
  void typeErrorsNameFileAndKey() {
    write("base.yaml", "global:\n  tls:\n    frontend:\n      server:\n        requireClientAuth: maybe\n");
    expectError(() -> load(null, null), file("base.yaml"), "global.tls.frontend.server.requireClientAuth",
        "expected true or false");

    write("base.yaml", "global:\n  tls:\n    frontend:\n      server:\n        requireClientAuth: 1\n");
    expectError(() -> load(null, null), file("base.yaml"), "global.tls.frontend.server.requireClientAuth",
        "expected true or false");

    write("base.yaml", "codecServer:\n  maxBodyBytes: 4MB\n");
    expectError(() -> load(null, null), file("base.yaml"), "codecServer.maxBodyBytes", "expected a whole number");

    write("base.yaml", "codecServer:\n  maxBodyBytes: 1.5\n");
    expectError(() -> load(null, null), file("base.yaml"), "codecServer.maxBodyBytes", "expected a whole number");

    write("base.yaml", "global:\n  tls:\n    internode:\n      client:\n        rootCaFiles: /ca.pem\n");
    expectError(() -> load(null, null), file("base.yaml"), "global.tls.internode.client.rootCaFiles",
        "expected a list");

    write("base.yaml", "global:\n  tls: on\n");
    expectError(() -> load(null, null), file("base.yaml"), "global.tls", "expected a section of keys");

    write("base.yaml", "upstream:\n  address: [a, b]\n");
    expectError(() -> load(null, null), file("base.yaml"), "upstream.address", "expected a single value");

    write("base.yaml", "codecServer:\n  namespaceKeyrings: [a]\n");
    expectError(() -> load(null, null), file("base.yaml"), "codecServer.namespaceKeyrings", "expected a map");

    write("base.yaml", "global:\n  tls:\n    frontend:\n      server:\n        clientCaFiles: [/a.pem, ~]\n");
    expectError(() -> load(null, null), file("base.yaml"), "global.tls.frontend.server.clientCaFiles[1]",
        "empty list item");
  }

  @Test
  void booleansAreTrueOrFalseAndYamlOneOneWordsStayStrings() {
    write("base.yaml", "global:\n  tls:\n    frontend:\n      server:\n        requireClientAuth: yes\n");
    expectError(() -> load(null, null), file("base.yaml"), "global.tls.frontend.server.requireClientAuth",
        "expected true or false");

    write("base.yaml", "global:\n  tls:\n    internode:\n      client:\n        serverName: on\n");
    assertThat(load(null, null).config().global().tls().internode().client().serverName()).isEqualTo("on");
  }

  @Test
  void emptyMapEntryIsAnError() {
    write("base.yaml", "codecServer:\n  namespaceKeyrings:\n    payments:\n");

    expectError(() -> load(null, null), file("base.yaml"), "codecServer", "empty list item or map entry");
  }

  @Test
  void typeErrorOnADataKeyNeverEchoesTheValue() {
    write("base.yaml", """
        global:
          tls:
            frontend:
              server:
                keyData:
                  SUPERSECRETKEYMATERIAL: x
        """);

    ConfigException e = expectError(() -> load(null, null), file("base.yaml"), "global.tls.frontend.server.keyData",
        "expected a single value");
    assertNotQuoted(e, "SUPERSECRETKEYMATERIAL");
  }

  @Test
  void typeErrorNeverEchoesTheValueEvenInItsCause() {
    // Jackson's own message would read: Cannot deserialize value of type `boolean` from String "<value>".
    write("base.yaml", "global:\n  tls:\n    frontend:\n      server:\n        requireClientAuth: SECRETVALUE\n");
    ConfigException e = expectError(() -> load(null, null), file("base.yaml"),
        "global.tls.frontend.server.requireClientAuth", "expected true or false");
    assertNotQuoted(e, "SECRETVALUE");

    write("base.yaml", "codecServer:\n  maxBodyBytes: 99999999999999999999\n");
    e = expectError(() -> load(null, null), file("base.yaml"), "codecServer.maxBodyBytes", "number out of range");
    assertNotQuoted(e, "99999999999999999999");
  }

  @Test
  void keysAreCaseSensitive() {
    write("base.yaml", "Upstream:\n  address: x:1\n");

    expectError(() -> load(null, null), file("base.yaml"), "Upstream", "did you mean upstream?");
  }

  // ---- durations ----

  @Test
  void durationsInGoSyntax() {
    write("base.yaml", """
        global:
          tls:
            refreshInterval: 1h30m
            expirationChecks:
              warningWindow: 720h
              errorWindow: 168h
              checkInterval: 500ms
            frontend:
              refreshInterval: PT1M
          authorization:
            jwtKeyProvider:
              refreshInterval: 1.5m
        listen:
          shutdownGracePeriod: 0
        """);

    GatehouseConfig config = load(null, null).config();

    RootTls tls = config.global().tls();
    assertThat(tls.refreshInterval()).isEqualTo(Duration.ofMinutes(90));
    assertThat(tls.expirationChecks().warningWindow()).isEqualTo(Duration.ofDays(30));
    assertThat(tls.expirationChecks().errorWindow()).isEqualTo(Duration.ofDays(7));
    assertThat(tls.expirationChecks().checkInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(tls.refreshIntervalFor(tls.frontend())).isEqualTo(Duration.ofMinutes(1));
    assertThat(tls.refreshIntervalFor(tls.internode())).isEqualTo(Duration.ofMinutes(90));
    assertThat(config.global().authorization().jwtKeyProvider().refreshInterval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.listen().shutdownGracePeriod()).isZero();
  }

  @Test
  void badDurationNamesTheKeyAndShowsValidExamples() {
    write("base.yaml", "global:\n  tls:\n    expirationChecks:\n      warningWindow: 30d\n");
    ConfigException e = expectError(() -> load(null, null), file("base.yaml"),
        "global.tls.expirationChecks.warningWindow", "not a duration");
    assertThat(e.getMessage()).contains("720h for 30 days").contains("30s, 1m, 1h30m");

    write("base.yaml", "upstream:\n  connectTimeout: 5\n");
    expectError(() -> load(null, null), file("base.yaml"), "upstream.connectTimeout", "a duration needs a unit");

    write("base.yaml", "upstream:\n  connectTimeout: soon\n");
    expectError(() -> load(null, null), file("base.yaml"), "upstream.connectTimeout", "not a duration");
  }

  // ---- YAML itself ----

  @Test
  void yamlSyntaxErrorNamesFileAndLineButNotTheContent() {
    write("base.yaml", """
        global:
          tls:
            frontend:
              server:
                keyData: TOPSECRET: nope
        """);

    ConfigException e = expectError(() -> load(null, null), file("base.yaml"), null, "not valid YAML at line 5");
    // SnakeYAML's own message quotes the offending line.
    assertNotQuoted(e, "TOPSECRET");
  }

  @Test
  void duplicateKeyInOneFileIsAnError() {
    write("base.yaml", """
        upstream:
          address: a:1
          address: b:1
        """);

    expectError(() -> load(null, null), file("base.yaml"), "upstream.address", "key set twice");
  }

  @Test
  void aliasesAreRefusedRatherThanMisread() {
    write("base.yaml", """
        listen:
          grpcAddress: &addr 0.0.0.0:7233
        upstream:
          address: *addr
        """);

    expectError(() -> load(null, null), file("base.yaml"), "upstream.address", "aliases are not supported");
  }

  @Test
  void aSecondDocumentIsAnErrorNotDropped() {
    write("base.yaml", "upstream:\n  address: a:1\n---\nupstream:\n  address: b:1\n");

    expectError(() -> load(null, null), file("base.yaml"), null, "a second YAML document starts at line 4");
  }

  @Test
  void aLeadingDocumentMarkerIsFine() {
    write("base.yaml", "---\nupstream:\n  address: a:1\n");

    assertThat(load(null, null).config().upstream().address()).isEqualTo("a:1");
  }

  @Test
  void topLevelMustBeAMap() {
    write("base.yaml", "- global\n- listen\n");

    expectError(() -> load(null, null), file("base.yaml"), null, "the top level must be a map");
  }

  // ---- Temporal's own sections ----

  @Test
  void temporalDocsTlsAndAuthorizationSectionsParseUnchanged() {
    // global.tls: the "fully secured cluster" example of Temporal's configuration reference; global.authorization:
    // its JWT example, both verbatim.
    String yaml = """
        global:
          tls:
            internode:
              server:
                certFile: /path/to/internode/cert/file
                keyFile: /path/to/internode/key/file
                requireClientAuth: true
                clientCaFiles:
                  - /path/to/internode/serverCa
              client:
                serverName: dnsSanInInternodeCertificate
                rootCaFiles:
                  - /path/to/internode/serverCa
            frontend:
              server:
                certFile: /path/to/frontend/cert/file
                keyFile: /path/to/frontend/key/file
                requireClientAuth: true
                clientCaFiles:
                  - /path/to/internode/serverCa
                  - /path/to/sdkClientPool1/ca
                  - /path/to/sdkClientPool2/ca
              client:
                serverName: dnsSanInFrontendCertificate
                rootCaFiles:
                  - /path/to/frontend/serverCa
            refreshInterval: "30s"
            expirationChecks:
              warningWindow: "720h"
              errorWindow: "24h"
              checkInterval: "24h"
          authorization:
            jwtKeyProvider:
              keySourceURIs:
                - https://idp.example.com/.well-known/jwks.json
              refreshInterval: 1m
            permissionsClaimName: permissions
            authorizer: default
            claimMapper: default
            audience: temporal-frontend
        """;

    LoadedConfig loaded = ConfigLoader.parse(yaml, "temporal.yaml", NO_ENV);

    RootTls tls = loaded.config().global().tls();
    assertThat(tls.internode().server().certFile()).isEqualTo("/path/to/internode/cert/file");
    assertThat(tls.internode().server().requireClientAuth()).isTrue();
    assertThat(tls.internode().client().serverName()).isEqualTo("dnsSanInInternodeCertificate");
    assertThat(tls.internode().client().rootCaFiles()).containsExactly("/path/to/internode/serverCa");
    assertThat(tls.frontend().server().clientCaFiles()).containsExactly(
        "/path/to/internode/serverCa", "/path/to/sdkClientPool1/ca", "/path/to/sdkClientPool2/ca");
    assertThat(tls.frontend().client().serverName()).isEqualTo("dnsSanInFrontendCertificate");
    assertThat(tls.refreshInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(tls.expirationChecks()).isEqualTo(
        new ExpirationChecks(Duration.ofDays(30), Duration.ofDays(1), Duration.ofDays(1)));
    Authorization auth = loaded.config().global().authorization();
    assertThat(auth.jwtKeyProvider().keySourceURIs()).containsExactly("https://idp.example.com/.well-known/jwks.json");
    assertThat(auth.jwtKeyProvider().refreshInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(auth.authorizer()).isEqualTo("default");
    assertThat(auth.claimMapper()).isEqualTo("default");
    assertThat(auth.audience()).isEqualTo("temporal-frontend");
    assertThat(auth.permissionsClaimName()).isEqualTo("permissions");
    assertThat(loaded.origin().fileOf("global.tls.frontend.server.certFile")).isEqualTo("temporal.yaml");
  }

  // ---- the example config shipped in the README ----

  @Test
  void exampleConfigLoadsAndValidates() throws Exception {
    Path example = Path.of(getClass().getResource("/config/example/base.yaml").toURI()).getParent();
    Path tlsDir = Files.createDirectories(dir.resolve("tls"));
    Path keyDir = Files.createDirectories(dir.resolve("keys"));
    for (String name : List.of("frontend.pem", "frontend.key", "clients-ca.pem", "temporal.example.com.pem",
        "temporal.example.com.key", "partner-ca.pem", "internode.pem", "internode.key", "internode-ca.pem",
        "codec.pem", "codec.key")) {
      Files.writeString(tlsDir.resolve(name), "placeholder\n");
    }
    Files.writeString(keyDir.resolve("default-keyring.json"), "{}\n");
    Files.writeString(keyDir.resolve("payments-keyring.json"), "{}\n");
    Path uiDir = Files.createDirectories(dir.resolve("ui"));
    Files.writeString(uiDir.resolve("index.html"), "<!doctype html>\n");
    Map<String, String> env = Map.of("GATEHOUSE_TLS_DIR", tlsDir.toString(), "GATEHOUSE_KEY_DIR", keyDir.toString(),
        "GATEHOUSE_UI_DIR", uiDir.toString());

    LoadedConfig loaded = ConfigLoader.load(example, "production", null, env::get);
    ConfigValidator.validate(loaded);

    GatehouseConfig config = loaded.config();
    String base = example.resolve("base.yaml").toString();
    assertThat(loaded.origin().fileOf("upstream.address")).isEqualTo(base);
    RootTls tls = config.global().tls();
    assertThat(tls.frontend().server().certFile()).isEqualTo(tlsDir.resolve("frontend.pem").toString());
    assertThat(tls.frontend().server().requireClientAuth()).isTrue();
    assertThat(tls.frontend().hostOverrides()).containsOnlyKeys("temporal.example.com");
    assertThat(tls.frontend().minVersion()).isEqualTo("1.3");
    assertThat(tls.internode().client().serverName()).isEqualTo("temporal-frontend.internal");
    assertThat(tls.refreshInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.global().authorization().authorizer()).isEqualTo("default");
    assertThat(config.upstream().address()).isEqualTo("temporal-frontend.internal:7233");
    assertThat(config.codecServer().enabled()).isTrue();
    assertThat(config.codecServer().namespaceKeyrings())
        .containsEntry("payments", keyDir.resolve("payments-keyring.json").toString());
    assertThat(config.webUi().enabled()).isTrue();
    assertThat(config.webUi().oidc().clientSecret()).isNull();
  }
}
