package dev.gatehouse.config;

import static dev.gatehouse.config.ConfigErrors.expectError;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** {@code controlPlane.namespaceDomain} must be a plain DNS name namespace endpoints can live under. */
class NamespaceDomainConfigTest {
  private static void validate(String domain) {
    ConfigValidator.validate(ConfigLoader.parse("controlPlane:\n  namespaceDomain: \"" + domain + "\"\n",
        "gatehouse.yaml", name -> null));
  }

  @Test
  void aDnsNameIsAccepted() {
    assertThatCode(() -> validate("ns.temporal.example.com")).doesNotThrowAnyException();
    assertThatCode(() -> validate("example.com.")).doesNotThrowAnyException();
  }

  @Test
  void wildcardsPortsSingleLabelsAndJunkAreRefused() {
    for (String bad : new String[] {"*.example.com", "example.com:7233", "localhost", "", "-a.example.com",
        "a..example.com", "exa mple.com", "https://example.com", "a".repeat(64) + ".com"}) {
      expectError(() -> validate(bad), "gatehouse.yaml", "controlPlane.namespaceDomain", "DNS name");
    }
  }
}
