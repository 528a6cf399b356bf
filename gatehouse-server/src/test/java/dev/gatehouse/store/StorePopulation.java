package dev.gatehouse.store;

import dev.gatehouse.config.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;

/**
 * Not a test: measures a SQLite store holding 10,000 namespaces and 100,000 API keys (file size, snapshot load time,
 * heap the snapshot holds). Run by hand: {@code java -cp <test classpath> dev.gatehouse.store.StorePopulation
 * [postgres]} (with {@code postgres}: on an embedded PostgreSQL).
 */
public final class StorePopulation {
  private StorePopulation() {}

  public static void main(String[] args) throws Exception {
    int namespaces = 10_000;
    int keys = 100_000;
    Path dir = Files.createTempDirectory("gatehouse-store-population");
    boolean postgres = args.length > 0 && args[0].equals("postgres");
    io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg =
        postgres ? io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start() : null;
    Path key = dir.resolve("master.key");
    Files.writeString(key, java.util.Base64.getEncoder().encodeToString(new byte[32]));
    String url = postgres ? "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres" : null;
    Store settings = postgres ? new Store(url, null, key.toString(), null, "postgres", null, null, null)
        : new Store(null, dir.toString(), null, null);
    JdbcAccountStore.open(settings, Clock.systemUTC(), n -> null).close();
    // Rows are written in one transaction straight to the tables: the point is reading them back.
    try (Connection c = postgres ? DriverManager.getConnection(url, "postgres", "")
        : DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("gatehouse.db"))) {
      c.setAutoCommit(false);
      long now = JdbcAccountStore.micros(Instant.now());
      try (PreparedStatement e = c.prepareStatement("INSERT INTO entities (kind, id, unique_name, resource_version,"
          + " body, created, modified) VALUES (?, ?, ?, '1', ?, ?, ?)");
          PreparedStatement h = c.prepareStatement("INSERT INTO api_key_hashes (key_id, hash) VALUES (?, ?)")) {
        for (int i = 0; i < namespaces; i++) {
          Namespace n = new Namespace("ns-" + i, "", java.util.List.of(), true, true, null, 30, null);
          add(e, Kind.NAMESPACE.name, n.id(), Kind.NAMESPACE.body(n), now);
        }
        for (int i = 0; i < 10_000; i++) {
          ServiceAccount sa = new ServiceAccount("sa-" + i, "sa-" + i, "", null, "ns-" + i,
              NamespacePermission.WRITE, null);
          add(e, Kind.SERVICE_ACCOUNT.name, sa.id(), Kind.SERVICE_ACCOUNT.body(sa), now);
        }
        ApiKeySecrets secrets = new ApiKeySecrets(new byte[32]);
        for (int i = 0; i < keys; i++) {
          String id = ApiKeySecrets.newKeyId();
          ApiKey k = new ApiKey(id, "sa-" + (i % 10_000), OwnerType.SERVICE_ACCOUNT, "key " + i, "",
              Instant.parse("2027-06-01T00:00:00Z"), false, null, null);
          add(e, Kind.API_KEY.name, id, Kind.API_KEY.body(k), now);
          h.setString(1, id);
          h.setBytes(2, secrets.generate(id).secretHash());
          h.addBatch();
        }
        e.executeBatch();
        h.executeBatch();
      }
      c.commit();
    }
    try (JdbcAccountStore store = JdbcAccountStore.open(settings, Clock.systemUTC(), n -> null)) {
      for (int round = 0; round < 3; round++) {
        System.gc();
        long heapBefore = usedHeap();
        long t0 = System.nanoTime();
        StoreSnapshot snapshot = store.snapshot();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.gc();
        long heapAfter = usedHeap();
        System.out.printf("snapshot %d: %d namespaces, %d service accounts, %d keys in %d ms, ~%d MiB held%n",
            round, snapshot.namespaces().size(), snapshot.serviceAccounts().size(), snapshot.apiKeys().size(),
            millis, (heapAfter - heapBefore) >> 20);
        System.out.printf("  (%d hashes)%n", snapshot.apiKeyHashes().size());
      }
    }
    if (pg != null) {
      pg.close();
    } else {
      System.out.printf("database file: %d MiB%n", Files.size(dir.resolve("gatehouse.db")) >> 20);
    }
  }

  private static void add(PreparedStatement e, String kind, String id, String body, long now) throws Exception {
    e.setString(1, kind);
    e.setString(2, id);
    e.setString(3, id);
    e.setString(4, body);
    e.setLong(5, now);
    e.setLong(6, now);
    e.addBatch();
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
