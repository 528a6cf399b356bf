package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.config.Store;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract on a real PostgreSQL: one server for the class, a database per test. */
class PostgresAccountStoreTest extends AccountStoreContract {
  private static EmbeddedPostgres postgres;
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private String database;
  private Path key;

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
  Store settings() throws Exception {
    database = "store_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
    key = keyFile("master-" + database + ".key", new byte[32]);
    return sameDatabase();
  }

  @Override
  Store anotherDatabaseWithoutKey() throws Exception {
    String another = "store_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + another);
    }
    return new Store("jdbc:postgresql://localhost:" + postgres.getPort() + "/" + another, null, null, null,
        "postgres", null, 2, null);
  }

  @Override
  Store sameDatabase() {
    return new Store(url(), null, key.toString(), null, "postgres", null, 3, null);
  }

  private String url() {
    return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
  }

  @Override
  Connection connect() throws SQLException {
    return postgres.getDatabase("postgres", database).getConnection();
  }

  @Test
  void notificationsAloneCarryAChangeToAnotherReplica() throws Exception {
    // The poll is set out of reach, so only LISTEN/NOTIFY can bring the change.
    JdbcAccountStore quiet = JdbcAccountStore.open(sameDatabase(), Clock.systemUTC(), NO_ENV, Duration.ofHours(1));
    try {
      java.util.concurrent.atomic.AtomicLong heard = new java.util.concurrent.atomic.AtomicLong();
      quiet.onChange(heard::set);
      // The listening connection may still be starting: write until one notification has come through.
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        store.namespaces().create(namespace("warm-" + System.nanoTime()));
        return heard.get() > 0;
      });
      store.namespaces().create(namespace("payments"));
      long version = store.version();
      await().atMost(Duration.ofSeconds(1)).until(() -> heard.get() >= version);
    } finally {
      quiet.close();
    }
  }

  @Test
  void anUnreachableDatabaseIsUnavailableWithoutDetails() {
    Store unreachable = new Store("jdbc:postgresql://localhost:1/x?password=hunter2", null, key.toString(), null);
    assertThatThrownBy(() -> JdbcAccountStore.open(unreachable, Clock.systemUTC(), NO_ENV))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.UNAVAILABLE))
        .hasMessageContaining("cannot connect").hasMessageNotContaining("hunter2");
  }

  @Test
  void twoReplicasRacingToOneNameGetOneCreateAndOneAlreadyExists() throws Exception {
    JdbcAccountStore other = open(sameDatabase());
    var results = new java.util.concurrent.ConcurrentLinkedQueue<String>();
    Thread a = new Thread(() -> results.add(attempt(store, "u1")));
    Thread b = new Thread(() -> results.add(attempt(other, "u2")));
    a.start();
    b.start();
    a.join();
    b.join();
    assertThat(results).containsExactlyInAnyOrder("created", "ALREADY_EXISTS");
  }

  private static String attempt(JdbcAccountStore s, String id) {
    try {
      s.users().create(user(id, "same@example.com"));
      return "created";
    } catch (StoreException e) {
      return e.reason().name();
    }
  }
}
