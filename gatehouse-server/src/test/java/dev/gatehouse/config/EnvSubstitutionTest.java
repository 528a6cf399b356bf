package dev.gatehouse.config;

import static dev.gatehouse.config.ConfigErrors.expectError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvSubstitutionTest {
  private final EnvSubstitution env = new EnvSubstitution(
      Map.of("HOST", "temporal", "PORT", "7233", "EMPTY", "", "SNEAKY", "${HOST}", "DOLLAR", "$")::get);

  @Test
  void replacesVariablesAnywhereInTheValue() {
    assertThat(env.apply("${HOST}:${PORT}", "f", "k")).isEqualTo("temporal:7233");
    assertThat(env.apply("dns:///${HOST}.svc:${PORT}/x", "f", "k")).isEqualTo("dns:///temporal.svc:7233/x");
  }

  @Test
  void defaultAppliesWhenUnsetOrEmpty() {
    assertThat(env.apply("${NOPE:-fallback}", "f", "k")).isEqualTo("fallback");
    assertThat(env.apply("${EMPTY:-fallback}", "f", "k")).isEqualTo("fallback");
    assertThat(env.apply("${HOST:-fallback}", "f", "k")).isEqualTo("temporal");
    assertThat(env.apply("${NOPE:-}", "f", "k")).isEmpty();
    assertThat(env.apply("${NOPE:-a:b-c}", "f", "k")).isEqualTo("a:b-c");
  }

  @Test
  void emptyButSetVariableWithoutDefaultIsEmpty() {
    assertThat(env.apply("x${EMPTY}y", "f", "k")).isEqualTo("xy");
  }

  @Test
  void replacementsAreNotScannedAgain() {
    assertThat(env.apply("${SNEAKY}", "f", "k")).isEqualTo("${HOST}");
    assertThat(env.apply("${DOLLAR}{HOST}", "f", "k")).isEqualTo("${HOST}");
  }

  @Test
  void doubleDollarWritesALiteralReference() {
    assertThat(env.apply("$${HOST}", "f", "k")).isEqualTo("${HOST}");
    assertThat(env.apply("^a$|b$", "f", "k")).isEqualTo("^a$|b$");
    assertThat(env.apply("cost: $5", "f", "k")).isEqualTo("cost: $5");
  }

  @Test
  void unsetVariableWithoutDefaultNamesFileKeyAndVariable() {
    ConfigException e = expectError(() -> env.apply("${TLS_DIR}/cert.pem", "config/base.yaml",
        "global.tls.frontend.server.certFile"), "config/base.yaml", "global.tls.frontend.server.certFile",
        "environment variable TLS_DIR is not set");
    assertThat(e.getMessage()).contains("${TLS_DIR:-default}");
  }

  @Test
  void errorsDoNotQuoteTheRestOfTheValue() {
    ConfigException e = expectError(() -> env.apply("SECRETPART${MISSING}", "f.yaml", "k"), "f.yaml", "k",
        "MISSING is not set");
    ConfigErrors.assertNotQuoted(e, "SECRETPART");
    e = expectError(() -> env.apply("SECRETPART${BROKEN", "f.yaml", "k"), "f.yaml", "k", "malformed");
    ConfigErrors.assertNotQuoted(e, "SECRETPART");
  }

  @ParameterizedTest
  @ValueSource(strings = {"${HOST", "${}", "${1ABC}", "${A-B}", "${ HOST}", "${HOST:default}"})
  void malformedReferencesAreErrors(String value) {
    expectError(() -> env.apply(value, "f.yaml", "upstream.address"), "f.yaml", "upstream.address",
        "write ${NAME} or ${NAME:-default}");
  }
}
