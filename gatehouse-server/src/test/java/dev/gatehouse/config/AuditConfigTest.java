package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditConfigTest {
  @TempDir Path dir;

  private LoadedConfig load(String yaml) throws Exception {
    Path f = dir.resolve("gatehouse.yaml");
    Files.writeString(f, yaml);
    LoadedConfig loaded = ConfigLoader.loadFile(f);
    ConfigValidator.validate(loaded);
    return loaded;
  }

  @Test
  void theWholeSectionBinds() throws Exception {
    Audit a = load("""
        audit:
          mode: buffered
          nodeId: gw-1
          dir: /var/lib/gatehouse/audit
          maxSegmentBytes: 1048576
          maxSegmentAge: 15m
          retention: 2160h
          stdout: true
          longPollSampleEvery: 10
          rules:
            - apis: ["Describe*", "temporal.api.workflowservice.v1.WorkflowService/Get*"]
              namespaces: ["dev-*"]
              level: none
            - access: [write, admin]
              faces: [grpc]
              level: request
          sinks:
            - type: syslog
              address: siem.example.com:6514
              facility: local0
        """).config().audit();
    assertThat(a.on()).isTrue();
    assertThat(a.mode()).isEqualTo("buffered");
    assertThat(a.maxSegmentAge()).isEqualTo(Duration.ofMinutes(15));
    assertThat(a.retention()).isEqualTo(Duration.ofDays(90));
    assertThat(a.rules()).hasSize(2);
    assertThat(a.rules().get(0).apis()).containsExactly("Describe*",
        "temporal.api.workflowservice.v1.WorkflowService/Get*");
    assertThat(a.rules().get(1).access()).containsExactly("write", "admin");
    assertThat(a.sinks()).singleElement().satisfies(s -> {
      assertThat(s.get("type")).isEqualTo("syslog");
      assertThat(s.get("address")).isEqualTo("siem.example.com:6514");
    });
  }

  @Test
  void absentMeansNoAuditLogAndEnabledFalseTurnsItOff() throws Exception {
    assertThat(load("listen:\n  grpcAddress: 127.0.0.1:0\n").config().audit()).isSameAs(Audit.ABSENT);
    Audit off = load("audit:\n  enabled: false\n").config().audit();
    assertThat(off.on()).isFalse();
    assertThat(off).isNotSameAs(Audit.ABSENT);
  }

  @Test
  void badValuesNameTheKey() {
    for (List<String> c : List.of(
        List.of("audit:\n  mode: blocking\n", "audit.dir"),
        List.of("audit:\n  dir: /tmp/a\n  mode: async\n", "audit.mode"),
        List.of("audit:\n  dir: /tmp/a\n  nodeId: \"../x\"\n", "audit.nodeId"),
        List.of("audit:\n  dir: /tmp/a\n  maxSegmentBytes: 10\n", "audit.maxSegmentBytes"),
        List.of("audit:\n  dir: /tmp/a\n  rules:\n    - level: everything\n", "audit.rules[0].level"),
        List.of("audit:\n  dir: /tmp/a\n  rules:\n    - level: none\n      faces: [smtp]\n", "audit.rules[0].faces"),
        List.of("audit:\n  dir: /tmp/a\n  sinks:\n    - url: http://x\n", "audit.sinks[0].type"),
        List.of("audit:\n  dir: /tmp/a\n  dirr: /tmp/b\n", "audit.dirr"))) {
      assertThatThrownBy(() -> load(c.get(0))).as(c.get(0)).isInstanceOf(ConfigException.class)
          .hasMessageContaining(c.get(1));
    }
  }
}
