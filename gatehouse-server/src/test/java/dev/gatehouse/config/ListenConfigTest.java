package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code listen} keys that choose an implementation: {@code tlsEngine} and {@code forwarder}. */
class ListenConfigTest {
  @TempDir Path dir;

  private Listen load(String yaml) throws Exception {
    Path f = dir.resolve("gatehouse.yaml");
    Files.writeString(f, yaml);
    LoadedConfig loaded = ConfigLoader.loadFile(f);
    ConfigValidator.validate(loaded);
    return loaded.config().listen();
  }

  @Test
  void boringSslByDefaultJdkWhenAskedAndNothingElse() throws Exception {
    assertThat(load("listen:\n  grpcAddress: 127.0.0.1:0\n").tlsEngine()).isEqualTo("boringssl");
    assertThat(load("listen:\n  tlsEngine: jdk\n").tlsEngine()).isEqualTo("jdk");
    assertThatThrownBy(() -> load("listen:\n  tlsEngine: openssl\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listen.tlsEngine").hasMessageContaining("boringssl or jdk");
  }

  @Test
  void grpcOrFramesAndNothingElse() throws Exception {
    assertThat(load("listen:\n  forwarder: grpc\n").forwarder()).isEqualTo("grpc");
    assertThat(load("listen:\n  forwarder: frames\n").framesForwarder()).isTrue();
    assertThatThrownBy(() -> load("listen:\n  forwarder: netty\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listen.forwarder").hasMessageContaining("grpc or frames");
  }

  @Test
  void unsetTheJvmPropertyDecidesElseGrpc() throws Exception {
    // The suite runs once as is and once with -Dgatehouse.forwarder=frames: the default follows the property.
    String expected = System.getProperty(Listen.FORWARDER_PROPERTY, "grpc");
    assertThat(load("listen:\n  grpcAddress: 127.0.0.1:0\n").forwarder()).isEqualTo(expected);
    assertThat(Listen.DEFAULT.forwarder()).isEqualTo(expected);
  }
}
