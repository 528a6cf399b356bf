package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code controlPlane.grants}: binds with its defaults, and every bad value names its key. */
class AccessGrantsConfigTest {
  @TempDir Path dir;
  static final String HEAD = "store:\n  dir: /tmp/s\ncontrolPlane:\n  address: 127.0.0.1:7235\n  grants:\n";

  private LoadedConfig load(String yaml) throws Exception {
    Path f = dir.resolve("gatehouse.yaml");
    Files.writeString(f, yaml);
    LoadedConfig loaded = ConfigLoader.loadFile(f);
    ConfigValidator.validate(loaded);
    return loaded;
  }

  @Test
  void theSectionBindsWithItsDefaults() throws Exception {
    AccessGrants none = load("store:\n  dir: /tmp/s\ncontrolPlane:\n  address: 127.0.0.1:7235\n").config()
        .controlPlane().grants();
    assertThat(none.maxDuration()).isEqualTo(Duration.ofHours(8));
    assertThat(none.requestTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(none.protectedNamespaces()).isEmpty();
    assertThat(none.breakGlass()).isTrue();
    assertThat(none.webhook()).isNull();
    AccessGrants g = load(HEAD + """
            maxDuration: 4h
            requestTtl: 2h
            protectedNamespaces: [payments, ledger]
            breakGlass: false
            webhook: https://chat.example.com/hooks/gatehouse
            autoApprove:
              - name: on-call
                groups: [on-call]
                namespaces: [payments]
                maxPermission: write
                maxDuration: 2h
        """).config().controlPlane().grants();
    assertThat(g.maxDuration()).isEqualTo(Duration.ofHours(4));
    assertThat(g.protectedNamespaces()).containsExactly("payments", "ledger");
    assertThat(g.breakGlass()).isFalse();
    assertThat(g.autoApprove()).singleElement().satisfies(r -> {
      assertThat(r.name()).isEqualTo("on-call");
      assertThat(r.maxPermission()).isEqualTo("write");
      assertThat(r.maxDuration()).isEqualTo(Duration.ofHours(2));
    });
  }

  @Test
  void badValuesNameTheKey() {
    for (List<String> c : List.of(
        List.of("    maxDuration: 9h\n", "controlPlane.grants.maxDuration", "at most 8h"),
        List.of("    maxDuration: 0s\n", "controlPlane.grants.maxDuration", "positive"),
        List.of("    requestTtl: 0s\n", "controlPlane.grants.requestTtl", "positive"),
        List.of("    webhook: ftp://x\n", "controlPlane.grants.webhook", "http(s)"),
        List.of("    autoApprove:\n      - groups: [g]\n        namespaces: [n]\n",
            "controlPlane.grants.autoApprove[0].name", "required"),
        List.of("    autoApprove:\n      - name: r\n        namespaces: [n]\n",
            "controlPlane.grants.autoApprove[0].groups", "at least one"),
        List.of("    autoApprove:\n      - name: r\n        groups: [g]\n        namespaces: [n]\n"
            + "        maxPermission: owner\n", "controlPlane.grants.autoApprove[0].maxPermission", "read, write"),
        List.of("    autoApprove:\n      - name: r\n        groups: [g]\n        namespaces: [n]\n"
            + "        maxDuration: 9h\n", "controlPlane.grants.autoApprove[0].maxDuration", "at most"),
        List.of("    bogus: 1\n", "bogus", ""))) {
      assertThatThrownBy(() -> load(HEAD + c.get(0))).as(c.get(0)).isInstanceOf(ConfigException.class)
          .hasMessageContaining(c.get(1)).hasMessageContaining(c.get(2));
    }
  }
}
