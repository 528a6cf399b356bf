package dev.gatehouse.control;

import dev.gatehouse.config.Store;
import dev.gatehouse.store.AccountStore;
import java.nio.file.Path;
import java.time.Clock;

/** Access review campaigns on the default store: a SQLite file. */
class SqliteAccessReviewTest extends AccessReviewCampaignTest {
  @Override
  AccountStore store(Path dir) {
    return AccountStore.open(new Store(null, dir.resolve("store").toString(), null, null), Clock.systemUTC());
  }
}
