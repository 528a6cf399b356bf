package dev.gatehouse.codecserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.LoadedConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The codecServer section as an operator writes it in YAML, and what the codec server refuses to start with. */
class CodecServerConfigTest {
  @TempDir Path dir;

  @Test
  void everyKeyBindsFromYaml() throws Exception {
    Path keyring = dir.resolve("k.properties");
    Path payments = dir.resolve("p.properties");
    KeyringFiles.create(keyring, "a");
    KeyringFiles.create(payments, "b");
    LoadedConfig loaded = ConfigLoader.parse("""
        codecServer:
          address: 127.0.0.1:0
          allowedOrigins: [http://localhost:8233]
          allowCredentials: true
          maxBodyBytes: 1048576
          keyringFile: %s
          namespaceKeyrings:
            payments: %s
          refreshInterval: 30s
        """.formatted(keyring, payments), "codec.yaml");
    CodecServer c = loaded.config().codecServer();
    assertThat(c.allowedOrigins()).containsExactly("http://localhost:8233");
    assertThat(c.allowCredentials()).isTrue();
    assertThat(c.maxBodyBytes()).isEqualTo(1048576L);
    assertThat(c.namespaceKeyrings()).containsEntry("payments", payments.toString());
    assertThat(c.refreshInterval()).isEqualTo(Duration.ofSeconds(30));
    try (AccessController access = AccessController.builder(Authorization.DEFAULT).build();
        CodecHttpServer server = CodecHttpServer.builder(c, access).fileOfKey(loaded.origin()::fileOf).build()) {
      assertThat(server.endpoint().getScheme()).isEqualTo("http");
    }
  }

  @Test
  void theDefaultsAreSafe() {
    CodecServer c = new CodecServer("127.0.0.1:0", null, null, false, null, "k", null);
    assertThat(c.allowedOrigins()).isEmpty();
    assertThat(c.allowCredentials()).isFalse();
    assertThat(c.maxBodyBytes()).isEqualTo(4L * 1024 * 1024);
    assertThat(c.refreshInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(CodecServer.DISABLED.enabled()).isFalse();
  }

  @Test
  void errorsNameTheKeyAndTheFile() throws Exception {
    Path keyring = dir.resolve("k.properties");
    KeyringFiles.create(keyring, "a");
    LoadedConfig loaded = ConfigLoader.parse("""
        codecServer:
          address: 0.0.0.0:0
          keyringFile: %s
        """.formatted(keyring), "exposed.yaml");
    try (AccessController access = AccessController.builder(Authorization.DEFAULT).build()) {
      assertThatThrownBy(() -> CodecHttpServer.builder(loaded.config().codecServer(), access)
          .fileOfKey(loaded.origin()::fileOf).build())
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
              .contains("codecServer.tls.certFile").contains("exposed.yaml"));
      CodecServer zeroRefresh = new CodecServer("127.0.0.1:0", null, List.of(), false, null, keyring.toString(),
          null, Duration.ZERO);
      assertThatThrownBy(() -> CodecHttpServer.builder(zeroRefresh, access).build())
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
              .contains("codecServer.refreshInterval"));
    }
  }
}
