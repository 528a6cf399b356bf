package dev.gatehouse.access;

import dev.gatehouse.config.Store;
import dev.gatehouse.store.AccountStore;
import java.nio.file.Path;
import java.time.Clock;

/** Elevated grants on the default store: a SQLite file (a second replica opens the same file). */
class SqliteElevatedGrantsTest extends ElevatedGrantsContract {
  @Override
  AccountStore store(Path dir, boolean second) {
    return AccountStore.open(new Store(null, dir.resolve("store").toString(), null, null), Clock.systemUTC());
  }
}
