package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SqliteAccountStoreTest extends AccountStoreContract {
  @Override
  Store settings() {
    return new Store(null, tmp.resolve("data").toString(), null, null);
  }

  @Override
  Store sameDatabase() {
    return settings();
  }

  @Override
  Store anotherDatabaseWithoutKey() {
    return new Store(null, tmp.resolve("another").toString(), null, null);
  }

  @Override
  Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("data").resolve("gatehouse.db"));
  }

  @Test
  void theDefaultMasterKeyIsMadeOnceOwnerOnly() throws Exception {
    Path key = tmp.resolve("data").resolve("master.key");
    assertThat(key).exists();
    assertThat(Files.getPosixFilePermissions(key))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Base64.getDecoder().decode(Files.readString(key).strip())).hasSize(32);
    assertThat(Files.getPosixFilePermissions(tmp.resolve("data").resolve("gatehouse.db")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    String before = Files.readString(key);
    store.close();
    open(settings()).close();
    assertThat(Files.readString(key)).isEqualTo(before);
  }

  @Test
  void aKeyFromTheEnvironmentOrARawFileWorks() throws Exception {
    byte[] raw = new byte[32];
    raw[5] = 7;
    Path rawFile = tmp.resolve("raw.key");
    Files.write(rawFile, raw);
    Path dir = tmp.resolve("env");
    JdbcAccountStore fromEnv = JdbcAccountStore.open(new Store(null, dir.toString(), null, "GH_KEY"),
        Clock.systemUTC(), name -> name.equals("GH_KEY") ? Base64.getEncoder().encodeToString(raw) : null);
    fromEnv.putSecret("x", new byte[] {1});
    fromEnv.close();
    JdbcAccountStore fromFile = JdbcAccountStore.open(new Store(null, dir.toString(), rawFile.toString(), null),
        Clock.systemUTC(), NO_ENV);
    assertThat(fromFile.secret("x")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    fromFile.close();
    assertThat(dir.resolve("master.key")).doesNotExist();
  }

  @Test
  void badKeySourcesAreRefusedClearly() throws Exception {
    String dir = tmp.resolve("bad").toString();
    Path shortKey = tmp.resolve("short.key");
    Files.writeString(shortKey, Base64.getEncoder().encodeToString(new byte[16]));
    assertThatThrownBy(() -> JdbcAccountStore.open(new Store(null, dir, shortKey.toString(), "X"),
        Clock.systemUTC(), NO_ENV)).isInstanceOf(StoreException.class).hasMessageContaining("both set");
    assertThatThrownBy(() -> JdbcAccountStore.open(new Store(null, dir, shortKey.toString(), null),
        Clock.systemUTC(), NO_ENV)).isInstanceOf(StoreException.class).hasMessageContaining("not 32");
    assertThatThrownBy(() -> JdbcAccountStore.open(new Store(null, dir, null, "GH_UNSET"),
        Clock.systemUTC(), NO_ENV)).isInstanceOf(StoreException.class).hasMessageContaining("GH_UNSET");
    assertThatThrownBy(() -> JdbcAccountStore.open(new Store(null, dir, null, "GH_KEY"),
        Clock.systemUTC(), n -> "not base64!")).isInstanceOf(StoreException.class)
        .hasMessageContaining("base64").hasMessageNotContaining("not base64!");
    assertThatThrownBy(() -> JdbcAccountStore.open(new Store("jdbc:mysql://db/x", null, null, null),
        Clock.systemUTC(), NO_ENV)).isInstanceOf(StoreException.class).hasMessageContaining("jdbc:postgresql:");
    assertThatThrownBy(() -> JdbcAccountStore.open(new Store("jdbc:postgresql://localhost:1/x", null, null, null),
        Clock.systemUTC(), NO_ENV)).isInstanceOf(StoreException.class)
        .hasMessageContaining("PostgreSQL store needs a master key");
  }

  @Test
  void aSqliteUrlKeepsItsKeyBesideTheFile() throws Exception {
    Path file = tmp.resolve("elsewhere").resolve("store.db");
    Files.createDirectories(file.getParent());
    JdbcAccountStore s = open(new Store("jdbc:sqlite:" + file, null, null, null));
    s.namespaces().create(namespace("a"));
    assertThat(file.getParent().resolve("master.key")).exists();
  }
}
