package dev.gatehouse.config;

import static dev.gatehouse.config.ConfigErrors.expectError;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreConfigTest {
  @TempDir Path dir;

  private LoadedConfig load(String yaml) throws Exception {
    Path f = dir.resolve("gatehouse.yaml");
    Files.writeString(f, yaml);
    LoadedConfig loaded = ConfigLoader.loadFile(f);
    ConfigValidator.validate(loaded);
    return loaded;
  }

  private String file() {
    return dir.resolve("gatehouse.yaml").toString();
  }

  @Test
  void theSectionBinds() throws Exception {
    Path key = dir.resolve("master.key");
    Files.writeString(key, "x");
    Store store = load("""
        store:
          url: jdbc:postgresql://db.example.com:5432/gatehouse
          masterKeyFile: %s
          user: gatehouse
          password: s3cret
          maxPoolSize: 8
          changeLogRetention: 2h
        """.formatted(key)).config().store();
    assertThat(store.postgres()).isTrue();
    assertThat(store.maxPoolSize()).isEqualTo(8);
    assertThat(store.changeLogRetention()).isEqualTo(Duration.ofHours(2));
    assertThat(store.toString()).doesNotContain("s3cret");
    Store sqlite = load("store:\n  dir: /var/lib/gatehouse\n").config().store();
    assertThat(sqlite.configured()).isTrue();
    assertThat(sqlite.postgres()).isFalse();
    assertThat(sqlite.maxPoolSize()).isEqualTo(4);
    assertThat(load("listen:\n  grpcAddress: 127.0.0.1:0\n").config().store().configured()).isFalse();
  }

  @Test
  void badValuesNameTheKey() throws Exception {
    Path key = dir.resolve("master.key");
    Files.writeString(key, "x");
    for (List<String> c : List.of(
        List.of("store:\n  url: jdbc:mysql://db/gatehouse\n", "store.url", "jdbc:postgresql:"),
        List.of("store:\n  url: postgresql://db/gatehouse\n", "store.url", "jdbc:sqlite:"),
        List.of("store:\n  dir: /tmp/s\n  masterKeyFile: " + key + "\n  masterKeyEnv: GH_KEY\n",
            "store.masterKeyEnv", "both set"),
        List.of("store:\n  dir: /tmp/s\n  masterKeyEnv: \"abc-def=\"\n", "store.masterKeyEnv", "variable name"),
        List.of("store:\n  dir: /tmp/s\n  masterKeyFile: " + dir.resolve("absent.key") + "\n",
            "store.masterKeyFile", "not found"),
        List.of("store:\n  url: jdbc:postgresql://db/gatehouse\n", "store.masterKeyFile", "openssl rand"),
        List.of("store:\n  dir: /tmp/s\n  user: me\n", "store.user", "PostgreSQL"),
        List.of("store:\n  masterKeyEnv: GH_KEY\n", "store.dir", "store.url"),
        List.of("store:\n  dir: /tmp/s\n  maxPoolSize: 0\n", "store.maxPoolSize", "at least 1"),
        List.of("store:\n  dir: /tmp/s\n  changeLogRetention: 0s\n", "store.changeLogRetention", "positive"),
        List.of("store:\n  dir: /tmp/s\n  folder: /tmp/b\n", "store.folder", "unknown"))) {
      expectError(() -> load(c.get(0)), file(), c.get(1), c.get(2));
    }
  }
}
