package dev.gatehouse.control;

import dev.gatehouse.config.Store;
import dev.gatehouse.store.AccountStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Access review campaigns on a shared store: a real (embedded) PostgreSQL, a database per test. */
class PostgresAccessReviewTest extends AccessReviewCampaignTest {
  private static EmbeddedPostgres postgres;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  AccountStore store(Path dir) throws Exception {
    String database = "review_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
    Path key = dir.resolve("master.key");
    Files.writeString(key, Base64.getEncoder().encodeToString(new byte[32]));
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return AccountStore.open(new Store("jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database, null,
        key.toString(), null, "postgres", null, 3, null), Clock.systemUTC());
  }
}
