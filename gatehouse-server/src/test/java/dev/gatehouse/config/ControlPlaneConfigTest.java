package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneConfigTest {
  @TempDir Path dir;

  private LoadedConfig load(String yaml) throws Exception {
    Path f = dir.resolve("gatehouse.yaml");
    Files.writeString(f, yaml);
    LoadedConfig loaded = ConfigLoader.loadFile(f);
    ConfigValidator.validate(loaded);
    return loaded;
  }

  @Test
  void theSectionBindsWithItsDefaults() throws Exception {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    ControlPlane cp = load("""
        store:
          dir: /var/lib/gatehouse
        controlPlane:
          address: 0.0.0.0:7235
          tls:
            certFile: %s
            keyFile: %s
        """.formatted(cert, cert)).config().controlPlane();
    assertThat(cp.enabled()).isTrue();
    assertThat(cp.minVersion()).isEqualTo("1.3");
    assertThat(cp.apiKeysPerOwner()).isEqualTo(10);
    ControlPlane tuned = load("""
        store:
          dir: /var/lib/gatehouse
        controlPlane:
          address: 127.0.0.1:7235
          minVersion: "1.2"
          apiKeysPerOwner: 3
        """).config().controlPlane();
    assertThat(tuned.minVersion()).isEqualTo("1.2");
    assertThat(tuned.apiKeysPerOwner()).isEqualTo(3);
    assertThat(load("listen:\n  grpcAddress: 127.0.0.1:0\n").config().controlPlane().enabled()).isFalse();
  }

  @Test
  void badValuesNameTheKey() throws Exception {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    String tls = "  tls:\n    certFile: " + cert + "\n    keyFile: " + cert + "\n";
    for (List<String> c : List.of(
        List.of("controlPlane:\n  address: 127.0.0.1:7235\n", "controlPlane.address", "needs a store"),
        List.of("store:\n  dir: /tmp/s\ncontrolPlane:\n  address: 0.0.0.0:7235\n", "controlPlane.tls.certFile",
            "needs TLS"),
        List.of("store:\n  dir: /tmp/s\ncontrolPlane:\n  address: nonsense\n", "controlPlane.address", "host:port"),
        List.of("store:\n  dir: /tmp/s\ncontrolPlane:\n  address: 0.0.0.0:7235\n" + tls
            + "    clientCaFiles: [" + cert + "]\n", "controlPlane.tls.clientCaFiles", "server-only"),
        List.of("store:\n  dir: /tmp/s\ncontrolPlane:\n  address: 127.0.0.1:7235\n  minVersion: \"1.1\"\n",
            "controlPlane.minVersion", "unknown TLS version"),
        List.of("store:\n  dir: /tmp/s\ncontrolPlane:\n  address: 127.0.0.1:7235\n  apiKeysPerOwner: 0\n",
            "controlPlane.apiKeysPerOwner", "1 to 1000"),
        List.of("store:\n  dir: /tmp/s\nlisten:\n  grpcAddress: 127.0.0.1:7235\ncontrolPlane:\n"
            + "  address: 127.0.0.1:7235\n", "controlPlane.address", "same port"),
        List.of("store:\n  dir: /tmp/s\ncontrolPlane:\n  address: 127.0.0.1:7235\n  bogus: 1\n", "bogus", ""))) {
      assertThatThrownBy(() -> load(c.get(0))).as(c.get(0)).isInstanceOf(ConfigException.class)
          .hasMessageContaining(c.get(1)).hasMessageContaining(c.get(2));
    }
  }
}
