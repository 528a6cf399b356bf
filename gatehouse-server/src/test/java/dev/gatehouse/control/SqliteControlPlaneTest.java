package dev.gatehouse.control;

import dev.gatehouse.config.Store;
import dev.gatehouse.store.AccountStore;
import java.nio.file.Path;
import java.time.Clock;

/** The Ops API suite on the default store: a SQLite file. */
class SqliteControlPlaneTest extends ControlPlaneTest {
  @Override
  AccountStore store(Path dir) {
    return AccountStore.open(new Store(null, dir.resolve("store").toString(), null, null), Clock.systemUTC());
  }
}
