package dev.gatehouse.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.LoadedConfig;
import dev.gatehouse.config.WebUi;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The webUi section as an operator writes it in YAML, and what validation refuses, naming the key. */
class WebUiConfigTest {
  @TempDir Path dir;

  String yaml(String webUi) {
    return "webUi:\n" + webUi.indent(2);
  }

  LoadedConfig load(String webUi) {
    return ConfigLoader.parse(yaml(webUi), "ui.yaml");
  }

  @Test
  void everyKeyBindsFromYaml() throws Exception {
    Path build = WebUiFixtures.build(dir);
    LoadedConfig loaded = load("""
        address: 127.0.0.1:8233
        assetsDir: %s
        oidc:
          issuer: https://login.example.com/realms/t
          clientId: temporal-ui
          clientSecret: s3cret
          scopes: [openid, email]
          audience: gatehouse
          redirectUrl: https://temporal.example.com/auth/sso/callback
        defaultNamespace: payments
        codec:
          endpoint: https://codec.example.com/
          passAccessToken: false
          includeCredentials: true
        sessionMaxAge: 2h
        """.formatted(build));
    ConfigValidator.validate(loaded);
    WebUi ui = loaded.config().webUi();
    assertThat(ui.enabled()).isTrue();
    assertThat(ui.oidc().clientId()).isEqualTo("temporal-ui");
    assertThat(ui.oidc().scopes()).containsExactly("openid", "email");
    assertThat(ui.oidc().audience()).isEqualTo("gatehouse");
    assertThat(ui.oidc().toString()).doesNotContain("s3cret");
    assertThat(ui.defaultNamespace()).isEqualTo("payments");
    assertThat(ui.codec().passAccessToken()).isFalse();
    assertThat(ui.codec().includeCredentials()).isTrue();
    assertThat(ui.sessionMaxAge()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void theDefaultsAreSafe() {
    WebUi ui = new WebUi("127.0.0.1:0", "x");
    assertThat(ui.codec().passAccessToken()).isTrue();
    assertThat(ui.codec().includeCredentials()).isFalse();
    assertThat(ui.defaultNamespace()).isEqualTo("default");
    assertThat(WebUi.DISABLED.enabled()).isFalse();
    assertThat(new WebUi.Oidc("https://i", "c", null, null, null, "https://h/auth/sso/callback").scopes())
        .contains("openid");
  }

  @Test
  void badValuesNameTheirKey() throws Exception {
    Path build = WebUiFixtures.build(dir);
    String oidc = """
        oidc:
          issuer: %s
          clientId: %s
          redirectUrl: %s
        """;
    assertRefused("address: 127.0.0.1:8233\n", "webUi.assetsDir");
    assertRefused("address: 127.0.0.1:8233\nassetsDir: " + dir.resolve("nowhere") + "\n", "webUi.assetsDir");
    assertRefused("address: 127.0.0.1:8233\nassetsDir: " + build + "\n"
        + oidc.formatted("http://login.example.com", "c", "https://t.example.com/auth/sso/callback"),
        "webUi.oidc.issuer");
    assertRefused("address: 127.0.0.1:8233\nassetsDir: " + build + "\n"
        + oidc.formatted("https://login.example.com", "''", "https://t.example.com/auth/sso/callback"),
        "webUi.oidc.clientId");
    assertRefused("address: 127.0.0.1:8233\nassetsDir: " + build + "\n"
        + oidc.formatted("https://login.example.com", "c", "https://t.example.com/callback"),
        "webUi.oidc.redirectUrl");
    assertRefused("address: 127.0.0.1:8233\nassetsDir: " + build + "\ntls: {clientCaFiles: [/x]}\n", "webUi.tls");
    assertRefused("address: 127.0.0.1:8233\nassetsDir: " + build + "\nsessionMaxAge: 0s\n", "webUi.sessionMaxAge");
    assertRefused("address: nowhere\nassetsDir: " + build + "\n", "webUi.address");
    assertThatThrownBy(() -> load("address: 127.0.0.1:1\nbogus: 1\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("bogus");
  }

  void assertRefused(String webUi, String key) {
    assertThatThrownBy(() -> ConfigValidator.validate(load(webUi))).as(webUi)
        .isInstanceOf(ConfigException.class).hasMessageContaining(key);
  }
}
