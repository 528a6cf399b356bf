package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigTextTest {
  private static final List<String> SERVER_KEYS = List.of("certFile", "keyFile", "certData", "keyData",
      "clientCaFiles", "clientCaData", "requireClientAuth");

  @Test
  void suggestsTheClosestKey() {
    assertThat(ConfigText.closest("certfile", SERVER_KEYS)).isEqualTo("certFile");
    assertThat(ConfigText.closest("clientCAFiles", SERVER_KEYS)).isEqualTo("clientCaFiles");
    assertThat(ConfigText.closest("requireClientAuthentication", SERVER_KEYS)).isNull();
    assertThat(ConfigText.closest("requireClientAut", SERVER_KEYS)).isEqualTo("requireClientAuth");
    assertThat(ConfigText.closest("perHostOverrides", List.of("server", "client", "hostOverrides", "minVersion")))
        .isEqualTo("hostOverrides");
    assertThat(ConfigText.closest("zzz", SERVER_KEYS)).isNull();
    assertThat(ConfigText.closest("x", List.of())).isNull();
  }

  @Test
  void printableKeepsMessagesOnOneLineAndShort() {
    assertThat(ConfigText.printable("a\nb\rc\u0000", 100)).isEqualTo("a\\u000ab\\u000dc\\u0000");
    assertThat(ConfigText.printable("abcdef", 3)).isEqualTo("abc...");
    assertThat(ConfigText.quoted("/etc/x.pem")).isEqualTo("\"/etc/x.pem\"");
  }
}
