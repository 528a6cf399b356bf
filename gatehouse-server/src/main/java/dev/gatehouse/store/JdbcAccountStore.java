package dev.gatehouse.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.codec.KeyProvider;
import dev.gatehouse.config.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The store on JDBC: SQLite or PostgreSQL, one schema (Flyway migrations per database under
 * {@code db/migration}), a HikariCP pool.
 *
 * <p>Every write runs in one transaction that first moves the change counter (the single row of
 * {@code store_state}), so writes are serialized across every replica sharing the database, the counter's order is
 * the commit order, and a reader that saw version {@code v} sees every change up to {@code v}. The write appends
 * to {@code change_log} and, on PostgreSQL, notifies the {@code gatehouse_store} channel in the same transaction.
 */
final class JdbcAccountStore implements AccountStore {
  private static final Logger log = LoggerFactory.getLogger(AccountStore.class);
  static final String DATABASE_FILE = "gatehouse.db";
  static final Duration POLL = Duration.ofMillis(500);
  private static final Duration USE_FLUSH = Duration.ofSeconds(5);
  private static final String COLUMNS = "e.kind, e.id, e.body, e.resource_version, e.created, e.modified, u.last_used";
  private static final String FROM = " FROM entities e LEFT JOIN api_key_use u ON e.kind = 'apiKey' AND u.key_id = e.id";

  private final Dialect dialect;
  private final HikariDataSource pool;
  private final Clock clock;
  private final MasterKey masterKey;
  private final PageTokens pageTokens;
  private final Duration changeLogRetention;
  private final ChangeFeed feed;
  private final ApiKeyUses uses;
  private final ScheduledExecutorService background;
  private final PgListener listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<Kind<?>, View<?>> views = new HashMap<>();
  private final java.util.concurrent.ConcurrentHashMap<String, NamespacePermission> accessUsesSeen =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean pollFailing;

  private JdbcAccountStore(Dialect dialect, HikariDataSource pool, Clock clock, MasterKey masterKey,
      Duration changeLogRetention, PgListener.Connector listenConnector, Duration poll) {
    this.dialect = dialect;
    this.pool = pool;
    this.clock = clock;
    this.masterKey = masterKey;
    this.pageTokens = new PageTokens(masterKey.pageTokenKey());
    this.changeLogRetention = changeLogRetention;
    for (Kind<?> kind : Kind.ALL) {
      views.put(kind, new View<>(kind));
    }
    checkMasterKey();
    this.feed = new ChangeFeed(version());
    this.uses = new ApiKeyUses(clock, this::writeUses);
    this.background = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "gatehouse-store");
      t.setDaemon(true);
      return t;
    });
    background.scheduleWithFixedDelay(this::poll, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
    background.scheduleWithFixedDelay(() -> uses.flush(false), USE_FLUSH.toMillis(), USE_FLUSH.toMillis(),
        TimeUnit.MILLISECONDS);
    long compactEvery = Math.max(60_000L, Math.min(changeLogRetention.toMillis() / 4, 600_000L));
    background.scheduleWithFixedDelay(this::compactQuietly, compactEvery, compactEvery, TimeUnit.MILLISECONDS);
    if (listenConnector != null) {
      this.listener = new PgListener(listenConnector, feed);
      listener.start();
    } else {
      this.listener = null;
    }
  }

  /** {@link AccountStore#open}, with the environment to read {@code masterKeyEnv} from. */
  static JdbcAccountStore open(Store settings, Clock clock, Function<String, String> env) {
    return open(settings, clock, env, POLL);
  }

  /** {@link #open(Store, Clock, Function)} polling the change counter every {@code poll}. */
  static JdbcAccountStore open(Store settings, Clock clock, Function<String, String> env, Duration poll) {
    return open(settings, clock, env, poll, null);
  }

  /**
   * Opens the store; with {@code provider} set, the master key is one the store makes on first open and keeps
   * wrapped by the provider (envelope encryption), instead of one from {@code masterKeyFile} or {@code masterKeyEnv}.
   */
  static JdbcAccountStore open(Store settings, Clock clock, Function<String, String> env, Duration poll,
      KeyProvider provider) {
    String url = settings.url() == null || settings.url().isBlank() ? null : settings.url();
    Path dir = settings.dir() == null || settings.dir().isBlank() ? null : Path.of(settings.dir());
    if (url == null && dir == null) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE,
          "no store is configured: set store.dir (SQLite) or store.url");
    }
    Dialect dialect = url == null ? Dialect.SQLITE : Dialect.of(url);
    Path keyDir = null;
    if (dialect == Dialect.SQLITE) {
      if (url == null) {
        createDirectories(dir);
        createOwnerOnly(dir.resolve(DATABASE_FILE));
        url = "jdbc:sqlite:" + dir.resolve(DATABASE_FILE);
      }
      keyDir = dir != null ? dir : sqliteFolder(url);
      if (provider == null && keyDir == null && blank(settings.masterKeyFile()) && blank(settings.masterKeyEnv())) {
        throw new StoreException(StoreException.Reason.UNAVAILABLE, "this SQLite store has no folder for its"
            + " master key: set store.masterKeyFile or store.masterKeyEnv");
      }
    }
    if (provider != null && (!blank(settings.masterKeyFile()) || !blank(settings.masterKeyEnv()))) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE, "a key provider and store.masterKeyFile or"
          + " store.masterKeyEnv are both given: keep one");
    }
    MasterKey fromSettings = provider == null ? MasterKey.load(settings, keyDir, env) : null;
    HikariDataSource pool = pool(dialect, url, settings);
    try {
      migrate(pool, dialect);
      MasterKey masterKey = fromSettings != null ? fromSettings : wrappedMasterKey(pool, provider);
      PgListener.Connector connector = null;
      if (dialect == Dialect.POSTGRESQL) {
        String listenUrl = url;
        Properties props = credentials(settings);
        connector = () -> DriverManager.getConnection(listenUrl, props);
      }
      JdbcAccountStore store = new JdbcAccountStore(dialect, pool, clock, masterKey, settings.changeLogRetention(),
          connector, poll);
      log.info("store: opened {} at {} (version {})", dialect == Dialect.SQLITE ? "SQLite" : "PostgreSQL",
          redact(url), store.feed.seen());
      return store;
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** Makes the database file owner-only before SQLite opens it (its WAL and shared-memory files follow it). */
  private static void createOwnerOnly(Path file) {
    if (Files.exists(file)) {
      return;
    }
    try {
      Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    } catch (java.nio.file.FileAlreadyExistsException | UnsupportedOperationException e) {
      // made by another process, or a file system without POSIX permissions
    } catch (IOException e) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE,
          "cannot make the store's file " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The master key kept wrapped in {@code store_state}, made and wrapped by {@code provider} on first open. */
  private static MasterKey wrappedMasterKey(HikariDataSource pool, KeyProvider provider) {
    byte[] fresh = new byte[32];
    new java.security.SecureRandom().nextBytes(fresh);
    String keyId;
    byte[] wrapped;
    try {
      keyId = provider.activeKeyId();
      wrapped = provider.wrapKey(keyId, fresh);
    } catch (RuntimeException e) {
      throw providerFailed("wrap", e);
    } finally {
      java.util.Arrays.fill(fresh, (byte) 0);
    }
    String[] storedId = new String[1];
    byte[][] storedKey = new byte[1][];
    try (Connection c = pool.getConnection()) {
      try (PreparedStatement s = c.prepareStatement("UPDATE store_state SET wrapped_key_id = ?, wrapped_key = ?"
          + " WHERE singleton = 1 AND wrapped_key IS NULL")) {
        s.setString(1, keyId);
        s.setBytes(2, wrapped);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement(
          "SELECT wrapped_key_id, wrapped_key FROM store_state WHERE singleton = 1");
          ResultSet r = s.executeQuery()) {
        r.next();
        storedId[0] = r.getString(1);
        storedKey[0] = r.getBytes(2);
      }
      c.commit();
    } catch (SQLException e) {
      log.warn("store: reading the wrapped master key failed (SQLState {})", e.getSQLState());
      throw new StoreException(StoreException.Reason.UNAVAILABLE, "the store's database is unavailable or failed");
    }
    byte[] key;
    try {
      // Unwrapped even when this open made it: a provider that cannot unwrap what it wrapped fails now, not later.
      key = provider.unwrapKey(storedId[0], storedKey[0]);
    } catch (RuntimeException e) {
      throw providerFailed("unwrap", e);
    }
    if (key == null || key.length != 32) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE,
          "the key provider unwrapped the store's master key to something other than 32 bytes");
    }
    try {
      return MasterKey.of(key);
    } finally {
      java.util.Arrays.fill(key, (byte) 0);
    }
  }

  private static StoreException providerFailed(String what, RuntimeException e) {
    return new StoreException(StoreException.Reason.UNAVAILABLE, "the key provider could not " + what
        + " the store's master key (" + e.getClass().getSimpleName() + ")");
  }

  private static Path sqliteFolder(String url) {
    String path = url.substring("jdbc:sqlite:".length());
    int query = path.indexOf('?');
    path = query >= 0 ? path.substring(0, query) : path;
    if (path.startsWith("file:")) {
      path = path.substring("file:".length());
    }
    if (path.isEmpty() || path.startsWith(":memory:")) {
      return null;
    }
    Path parent = Path.of(path).toAbsolutePath().getParent();
    return parent;
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE,
          "cannot make the store's folder " + dir + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static Properties credentials(Store settings) {
    Properties props = new Properties();
    if (settings.user() != null) {
      props.setProperty("user", settings.user());
    }
    if (settings.password() != null) {
      props.setProperty("password", settings.password());
    }
    return props;
  }

  private static HikariDataSource pool(Dialect dialect, String url, Store settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("gatehouse-store");
    config.setAutoCommit(false);
    config.setMaximumPoolSize(settings.maxPoolSize());
    config.setMinimumIdle(1);
    config.setConnectionTimeout(10_000);
    if (dialect == Dialect.SQLITE) {
      SQLiteConfig sqlite = new SQLiteConfig();
      sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
      sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
      sqlite.setBusyTimeout(10_000);
      sqlite.enforceForeignKeys(true);
      SQLiteDataSource ds = new SQLiteDataSource(sqlite);
      ds.setUrl(url);
      config.setDataSource(ds);
    } else {
      config.setJdbcUrl(url);
      config.setDataSourceProperties(credentials(settings));
    }
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      log.warn("store: cannot connect to {}: {}", redact(url), rootCause(e));
      throw new StoreException(StoreException.Reason.UNAVAILABLE,
          "cannot connect to the store's database at " + redact(url) + " (see the log)");
    }
  }

  private static void migrate(HikariDataSource pool, Dialect dialect) {
    try {
      Flyway.configure()
          .dataSource(pool)
          .locations("classpath:db/migration/" + dialect.folder)
          .table("gatehouse_schema_history")
          .load()
          .migrate();
    } catch (FlywayException e) {
      log.error("store: migrating the schema failed: {}", e.getMessage());
      throw new StoreException(StoreException.Reason.UNAVAILABLE,
          "migrating the store's schema failed (see the log)");
    }
  }

  /** The URL without its query (which may carry a password). */
  static String redact(String url) {
    int query = url.indexOf('?');
    String bare = query >= 0 ? url.substring(0, query) : url;
    int at = bare.indexOf('@');
    int scheme = bare.indexOf("//");
    return at > scheme && scheme >= 0 ? bare.substring(0, scheme + 2) + "***@" + bare.substring(at + 1) : bare;
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof SQLException s ? "SQLState " + s.getSQLState() : t.getClass().getSimpleName();
  }

  // ---- the account ----

  @Override
  public Optional<Account> account() {
    return read(c -> readAccount(c));
  }

  @Override
  public Account initialise(String accountId) {
    if (accountId == null || accountId.isBlank()) {
      throw new IllegalArgumentException("an account id is required");
    }
    return transaction(false, c -> {
      // The write comes first: a SQLite transaction that read before writing could not take the write lock.
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO account (singleton, id, created) VALUES (1, ?, ?) ON CONFLICT (singleton) DO NOTHING")) {
        s.setString(1, accountId);
        s.setLong(2, micros(now()));
        s.executeUpdate();
      }
      return readAccount(c).orElseThrow();
    });
  }

  private static Optional<Account> readAccount(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT id, created FROM account WHERE singleton = 1");
        ResultSet r = s.executeQuery()) {
      return r.next() ? Optional.of(new Account(r.getString(1), instant(r.getLong(2)))) : Optional.empty();
    }
  }

  // ---- entities ----

  @Override
  public Entities<Namespace> namespaces() {
    return view(Kind.NAMESPACE);
  }

  @Override
  public Entities<User> users() {
    return view(Kind.USER);
  }

  @Override
  public Entities<UserGroup> userGroups() {
    return view(Kind.USER_GROUP);
  }

  @Override
  public Entities<ServiceAccount> serviceAccounts() {
    return view(Kind.SERVICE_ACCOUNT);
  }

  @Override
  public Entities<ApiKey> apiKeys() {
    return view(Kind.API_KEY);
  }

  @Override
  public Entities<AsyncOperation> asyncOperations() {
    return view(Kind.ASYNC_OPERATION);
  }

  @Override
  public Entities<ReviewCampaign> reviewCampaigns() {
    return view(Kind.REVIEW_CAMPAIGN);
  }

  @Override
  public Entities<ReviewItem> reviewItems() {
    return view(Kind.REVIEW_ITEM);
  }

  @Override
  public void recordAccessUse(String principalId, String namespace, NamespacePermission used, Instant at) {
    if (principalId == null || namespace == null || used == null || at == null || closed.get()) {
      return;
    }
    // Only a rise is written, so a busy principal costs a map lookup per call and at most three writes per namespace.
    String key = principalId + '\n' + namespace;
    NamespacePermission was = accessUsesSeen.get(key);
    if (was != null && was.compareTo(used) >= 0) {
      return;
    }
    if (was == null && accessUsesSeen.size() >= 1_000_000) {
      return;
    }
    accessUsesSeen.merge(key, used, NamespacePermission::max);
    try {
      background.execute(() -> writeAccessUse(principalId, namespace, used, at));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void writeAccessUse(String principalId, String namespace, NamespacePermission used, Instant at) {
    try {
      transaction(false, c -> {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO principal_access_use"
            + " (principal_id, namespace, highest, last_used) VALUES (?, ?, ?, ?) ON CONFLICT (principal_id, namespace)"
            + " DO UPDATE SET highest = " + dialect.greatest() + "(principal_access_use.highest, excluded.highest),"
            + " last_used = " + dialect.greatest() + "(principal_access_use.last_used, excluded.last_used)")) {
          s.setString(1, principalId);
          s.setString(2, namespace);
          s.setInt(3, used.ordinal());
          s.setLong(4, micros(at));
          s.executeUpdate();
        }
        return null;
      });
    } catch (StoreException e) {
      accessUsesSeen.remove(principalId + '\n' + namespace); // written again on the next use
    }
  }

  @Override
  public Map<String, Map<String, NamespacePermission>> accessUses() {
    return read(c -> {
      Map<String, Map<String, NamespacePermission>> out = new HashMap<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT principal_id, namespace, highest FROM principal_access_use");
          ResultSet r = s.executeQuery()) {
        NamespacePermission[] classes = NamespacePermission.values();
        while (r.next()) {
          int highest = r.getInt(3);
          if (highest >= 0 && highest < classes.length) {
            out.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getString(2), classes[highest]);
          }
        }
      }
      return out;
    });
  }

  /** Waits for the access uses handed to the background thread to be written (tests). */
  void flushAccessUses() {
    try {
      background.submit(() -> { }).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Entities<ElevatedGrant> elevatedGrants() {
    return view(Kind.ELEVATED_GRANT);
  }

  @SuppressWarnings("unchecked")
  private <T extends Entity> View<T> view(Kind<T> kind) {
    return (View<T>) views.get(kind);
  }

  @Override
  public ApiKey createApiKey(ApiKey key, byte[] secretHash) {
    if (secretHash == null || secretHash.length == 0) {
      throw new IllegalArgumentException("an API key needs its secret's hash");
    }
    return view(Kind.API_KEY).insert(key, secretHash);
  }

  @Override
  public Optional<byte[]> apiKeySecretHash(String keyId) {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT hash FROM api_key_hashes WHERE key_id = ?")) {
        s.setString(1, keyId);
        try (ResultSet r = s.executeQuery()) {
          return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public void recordApiKeyUse(String keyId, Instant at) {
    if (keyId != null && at != null && !closed.get()) {
      uses.record(keyId, at);
    }
  }

  private void writeUses(Map<String, Instant> batch) {
    transaction(false, c -> {
      try (PreparedStatement s = c.prepareStatement(dialect.recordUse())) {
        for (Map.Entry<String, Instant> e : batch.entrySet()) {
          s.setString(1, e.getKey());
          s.setLong(2, micros(e.getValue()));
          s.setString(3, e.getKey());
          s.addBatch();
        }
        s.executeBatch();
      }
      return null;
    });
  }

  /** Writes the coalesced key uses now (the background does it about once a minute per key). */
  void flushApiKeyUses() {
    uses.flush(true);
  }

  // ---- secrets ----

  @Override
  public void putSecret(String name, byte[] plaintext) {
    checkSecretName(name);
    byte[] sealed = masterKey.seal(name, plaintext);
    transaction(false, c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO secrets (name, ciphertext) VALUES (?, ?)"
          + " ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext")) {
        s.setString(1, name);
        s.setBytes(2, sealed);
        s.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public boolean putSecretIfAbsent(String name, byte[] plaintext) {
    checkSecretName(name);
    byte[] sealed = masterKey.seal(name, plaintext);
    return transaction(false, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO secrets (name, ciphertext) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
        s.setString(1, name);
        s.setBytes(2, sealed);
        return s.executeUpdate() == 1;
      }
    });
  }

  @Override
  public Optional<byte[]> secret(String name) {
    checkSecretName(name);
    Optional<byte[]> sealed = read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT ciphertext FROM secrets WHERE name = ?")) {
        s.setString(1, name);
        try (ResultSet r = s.executeQuery()) {
          return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
        }
      }
    });
    return sealed.map(value -> masterKey.open(name, value));
  }

  private static void checkSecretName(String name) {
    if (name == null || name.isBlank() || name.length() > 256 || name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("a secret's name is 1 to 256 printable characters");
    }
  }

  private void checkMasterKey() {
    transaction(false, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE store_state SET key_check = ? WHERE singleton = 1 AND key_check IS NULL")) {
        s.setBytes(1, masterKey.check());
        s.executeUpdate();
      }
      byte[] stored;
      try (PreparedStatement s = c.prepareStatement("SELECT key_check FROM store_state WHERE singleton = 1");
          ResultSet r = s.executeQuery()) {
        stored = r.next() ? r.getBytes(1) : null;
      }
      if (stored == null || !masterKey.matches(stored)) {
        throw new StoreException(StoreException.Reason.UNAVAILABLE, "the master key is not the one this store's"
            + " secrets were encrypted with: configure the store's own key (store.masterKeyFile or"
            + " store.masterKeyEnv)");
      }
      return null;
    });
  }

  // ---- versions and changes ----

  @Override
  public long version() {
    return read(JdbcAccountStore::readVersion);
  }

  private static long readVersion(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT version FROM store_state WHERE singleton = 1");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getLong(1);
    }
  }

  @Override
  public StoreSnapshot snapshot() {
    return transaction(true, c -> {
      long version = readVersion(c);
      Map<Kind<?>, List<Entity>> byKind = new HashMap<>();
      for (Kind<?> kind : Kind.ALL) {
        byKind.put(kind, new ArrayList<>());
      }
      try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + FROM + " ORDER BY e.kind, e.id")) {
        // PostgreSQL streams the rows in batches instead of holding the whole result twice.
        s.setFetchSize(1000);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            Kind<?> kind = Kind.named(r.getString(1));
            if (kind != null) {
              byKind.get(kind).add(entity(kind, r));
            }
          }
        }
      }
      Map<String, byte[]> hashes = new HashMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT key_id, hash FROM api_key_hashes");
          ResultSet r = s.executeQuery()) {
        while (r.next()) {
          hashes.put(r.getString(1), r.getBytes(2));
        }
      }
      return new StoreSnapshot(version, cast(byKind.get(Kind.NAMESPACE)), cast(byKind.get(Kind.USER)),
          cast(byKind.get(Kind.USER_GROUP)), cast(byKind.get(Kind.SERVICE_ACCOUNT)),
          cast(byKind.get(Kind.API_KEY)), hashes, cast(byKind.get(Kind.ELEVATED_GRANT)));
    });
  }

  @SuppressWarnings("unchecked")
  private static <T extends Entity> List<T> cast(List<Entity> entities) {
    return (List<T>) (List<?>) List.copyOf(entities);
  }

  @Override
  public StoreChanges changesSince(long from) {
    return transaction(true, c -> {
      long to;
      long compactedThrough;
      try (PreparedStatement s = c.prepareStatement(
          "SELECT version, compacted_through FROM store_state WHERE singleton = 1");
          ResultSet r = s.executeQuery()) {
        r.next();
        to = r.getLong(1);
        compactedThrough = r.getLong(2);
      }
      if (from < compactedThrough || from > to) {
        return new StoreChanges(from, to, List.of(), Map.of(), Map.of(), false);
      }
      List<Entity> upserted = new ArrayList<>();
      Map<String, byte[]> hashes = new HashMap<>();
      Map<Class<? extends Entity>, List<String>> deleted = new LinkedHashMap<>();
      if (from < to) {
        try (PreparedStatement s = c.prepareStatement("SELECT c.kind, c.id, e.body, e.resource_version, e.created,"
            + " e.modified, u.last_used, h.hash"
            + " FROM (SELECT DISTINCT kind, id FROM change_log WHERE seq > ?) c"
            + " LEFT JOIN entities e ON e.kind = c.kind AND e.id = c.id"
            + " LEFT JOIN api_key_use u ON c.kind = 'apiKey' AND u.key_id = c.id"
            + " LEFT JOIN api_key_hashes h ON c.kind = 'apiKey' AND h.key_id = c.id"
            + " ORDER BY c.kind, c.id")) {
          s.setLong(1, from);
          try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
              Kind<?> kind = Kind.named(r.getString(1));
              String id = r.getString(2);
              if (kind == null) {
                continue;
              }
              if (r.getString(3) == null) {
                deleted.computeIfAbsent(kind.type, k -> new ArrayList<>()).add(id);
              } else {
                upserted.add(entity(kind, r));
                byte[] hash = r.getBytes(8);
                if (hash != null) {
                  hashes.put(id, hash);
                }
              }
            }
          }
        }
      }
      Map<Class<? extends Entity>, List<String>> frozen = new LinkedHashMap<>();
      deleted.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
      return new StoreChanges(from, to, List.copyOf(upserted), Map.copyOf(hashes),
          java.util.Collections.unmodifiableMap(frozen), true);
    });
  }

  @Override
  public AutoCloseable onChange(LongConsumer listener) {
    return feed.add(listener);
  }

  private void poll() {
    try {
      feed.announce(version());
      if (pollFailing) {
        pollFailing = false;
        log.info("store: the database answers again");
      }
    } catch (StoreException e) {
      if (!pollFailing) {
        pollFailing = true;
        log.warn("store: cannot read the change counter; retrying every {} ms", POLL.toMillis());
      }
    } catch (RuntimeException e) {
      log.warn("store: polling the change counter failed: {}", e.getClass().getName());
    }
  }

  /**
   * Drops change-log entries written before {@code before}; {@link #changesSince} a version they covered then
   * answers {@code complete=false}.
   *
   * @return the version the log is compacted through
   */
  long compactChangeLog(Instant before) {
    return transaction(false, c -> {
      // Moving compacted_through first takes the write lock (the store_state row) before anything is read.
      try (PreparedStatement s = c.prepareStatement("UPDATE store_state SET compacted_through = "
          + dialect.greatest() + "(compacted_through, COALESCE((SELECT MAX(seq) FROM change_log WHERE at < ?), 0))"
          + " WHERE singleton = 1")) {
        s.setLong(1, micros(before));
        s.executeUpdate();
      }
      long through;
      try (PreparedStatement s = c.prepareStatement("SELECT compacted_through FROM store_state WHERE singleton = 1");
          ResultSet r = s.executeQuery()) {
        r.next();
        through = r.getLong(1);
      }
      try (PreparedStatement s = c.prepareStatement("DELETE FROM change_log WHERE seq <= ?")) {
        s.setLong(1, through);
        s.executeUpdate();
      }
      return through;
    });
  }

  private void compactQuietly() {
    try {
      compactChangeLog(now().minus(changeLogRetention));
    } catch (RuntimeException e) {
      log.warn("store: compacting the change log failed: {}", e.getClass().getName());
    }
  }

  // ---- plumbing ----

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (listener != null) {
      listener.close();
    }
    background.shutdownNow();
    try {
      background.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      uses.flush(true);
    } catch (RuntimeException e) {
      log.warn("store: could not write the last API key uses at close: {}", e.getClass().getName());
    }
    feed.close();
    pool.close();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  static Instant instant(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  private <T extends Entity> T entity(Kind<T> kind, ResultSet r) throws SQLException {
    Meta meta = new Meta(r.getString(4), instant(r.getLong(5)), instant(r.getLong(6)));
    long lastUsed = r.getLong(7);
    Instant used = r.wasNull() ? null : instant(lastUsed);
    return kind.read(r.getString(3), meta, used);
  }

  private interface Work<R> {
    R run(Connection c) throws SQLException;
  }

  private <R> R read(Work<R> work) {
    return transaction(false, work);
  }

  /**
   * Runs {@code work} in one transaction; {@code snapshot} reads see one state of the database throughout
   * (PostgreSQL: REPEATABLE READ; SQLite's transactions already do).
   */
  private <R> R transaction(boolean snapshot, Work<R> work) {
    if (pool.isClosed()) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE, "the store is closed");
    }
    try (Connection c = pool.getConnection()) {
      if (snapshot && dialect == Dialect.POSTGRESQL) {
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      }
      try {
        R result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the pool drops it
        }
        throw e;
      }
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private StoreException unavailable(SQLException e) {
    // SQL messages may quote values; the log gets the state and code only, the caller a plain sentence.
    log.warn("store: a database operation failed (SQLState {}, error code {})", e.getSQLState(), e.getErrorCode());
    log.debug("store: database failure", e);
    return new StoreException(StoreException.Reason.UNAVAILABLE, "the store's database is unavailable or failed");
  }

  /** Moves the change counter, taking the store-wide write lock until commit; returns the new version. */
  private long bump(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE store_state SET version = version + 1 WHERE singleton = 1");
    }
    return readVersion(c);
  }

  private void logChange(Connection c, long version, Kind<?> kind, String id, boolean deleted, Instant at)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO change_log (seq, kind, id, deleted, at) VALUES (?, ?, ?, ?, ?)")) {
      s.setLong(1, version);
      s.setString(2, kind.name);
      s.setString(3, id);
      s.setInt(4, deleted ? 1 : 0);
      s.setLong(5, micros(at));
      s.executeUpdate();
    }
    if (dialect == Dialect.POSTGRESQL) {
      try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
        s.setString(1, PgListener.CHANNEL);
        s.setString(2, Long.toString(version));
        s.execute();
      }
    }
  }

  /** The entities of one kind. */
  private final class View<T extends Entity> implements Entities<T> {
    private final Kind<T> kind;

    View(Kind<T> kind) {
      this.kind = kind;
    }

    @Override
    public Optional<T> get(String id) {
      if (id == null) {
        return Optional.empty();
      }
      return one("e.id = ?", id);
    }

    @Override
    public Optional<T> byName(String uniqueName) {
      if (uniqueName == null) {
        return Optional.empty();
      }
      return one("e.unique_name = ?", kind.normalize(uniqueName));
    }

    private Optional<T> one(String where, String value) {
      return read(c -> {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + FROM + " WHERE e.kind = ? AND " + where)) {
          s.setString(1, kind.name);
          s.setString(2, value);
          try (ResultSet r = s.executeQuery()) {
            return r.next() ? Optional.of(entity(kind, r)) : Optional.empty();
          }
        }
      });
    }

    @Override
    public Page<T> list(int pageSize, String pageToken) {
      if (pageSize < 0) {
        throw new IllegalArgumentException("page size must not be negative (1 to 1000, or 0 for 100)");
      }
      int size = pageSize == 0 ? 100 : Math.min(pageSize, 1000);
      String after = pageTokens.read(kind, pageToken);
      return read(c -> {
        String sql = "SELECT " + COLUMNS + FROM + " WHERE e.kind = ?" + (after == null ? "" : " AND e.id > ?")
            + " ORDER BY e.id LIMIT ?";
        try (PreparedStatement s = c.prepareStatement(sql)) {
          int i = 1;
          s.setString(i++, kind.name);
          if (after != null) {
            s.setString(i++, after);
          }
          s.setInt(i, size + 1);
          List<T> items = new ArrayList<>();
          boolean more = false;
          try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
              if (items.size() == size) {
                more = true;
                break;
              }
              items.add(entity(kind, r));
            }
          }
          return new Page<>(items, more ? pageTokens.issue(kind, items.get(items.size() - 1).id()) : "");
        }
      });
    }

    @Override
    public T create(T entity) {
      if (kind == Kind.API_KEY) {
        throw new UnsupportedOperationException("create API keys with AccountStore.createApiKey, which stores the"
            + " secret's hash with the key");
      }
      return insert(entity, null);
    }

    T insert(T entity, byte[] secretHash) {
      String id = checkIds(entity);
      String name = kind.normalize(entity.uniqueName());
      Instant now = now();
      long[] version = new long[1];
      T created = transaction(false, c -> {
        long v = bump(c);
        if (exists(c, "id", id)) {
          throw new StoreException(StoreException.Reason.ALREADY_EXISTS, kind.noun + " " + quoted(id)
              + " already exists");
        }
        if (!name.equals(id) && exists(c, "unique_name", name)) {
          throw taken(entity.uniqueName());
        }
        T stored = kind.type.cast(entity.withMeta(new Meta(Long.toString(v), now, now)));
        try (PreparedStatement s = c.prepareStatement("INSERT INTO entities"
            + " (kind, id, unique_name, resource_version, body, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
          s.setString(1, kind.name);
          s.setString(2, id);
          s.setString(3, name);
          s.setString(4, Long.toString(v));
          s.setString(5, kind.body(stored));
          s.setLong(6, micros(now));
          s.setLong(7, micros(now));
          s.executeUpdate();
        } catch (SQLException e) {
          // A replica that raced this one to the same id or name: the constraint decides.
          if (dialect.uniqueViolation(e)) {
            throw taken(entity.uniqueName());
          }
          throw e;
        }
        if (secretHash != null) {
          try (PreparedStatement s = c.prepareStatement("INSERT INTO api_key_hashes (key_id, hash) VALUES (?, ?)")) {
            s.setString(1, id);
            s.setBytes(2, secretHash);
            s.executeUpdate();
          }
        }
        logChange(c, v, kind, id, false, now);
        version[0] = v;
        return stored;
      });
      feed.announce(version[0]);
      return created;
    }

    @Override
    public T update(T entity, String expectedVersion) {
      String id = checkIds(entity);
      String name = kind.normalize(entity.uniqueName());
      Instant now = now();
      long[] version = new long[1];
      T updated = transaction(false, c -> {
        long v = bump(c);
        Instant created = current(c, id, expectedVersion);
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM entities WHERE kind = ? AND unique_name = ?")) {
          s.setString(1, kind.name);
          s.setString(2, name);
          try (ResultSet r = s.executeQuery()) {
            if (r.next() && !r.getString(1).equals(id)) {
              throw taken(entity.uniqueName());
            }
          }
        }
        T stored = kind.type.cast(entity.withMeta(new Meta(Long.toString(v), created, now)));
        try (PreparedStatement s = c.prepareStatement("UPDATE entities SET unique_name = ?, resource_version = ?,"
            + " body = ?, modified = ? WHERE kind = ? AND id = ?")) {
          s.setString(1, name);
          s.setString(2, Long.toString(v));
          s.setString(3, kind.body(stored));
          s.setLong(4, micros(now));
          s.setString(5, kind.name);
          s.setString(6, id);
          s.executeUpdate();
        } catch (SQLException e) {
          if (dialect.uniqueViolation(e)) {
            throw taken(entity.uniqueName());
          }
          throw e;
        }
        logChange(c, v, kind, id, false, now);
        version[0] = v;
        return stored;
      });
      feed.announce(version[0]);
      return updated;
    }

    @Override
    public void delete(String id, String expectedVersion) {
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("an id is required");
      }
      Instant now = now();
      long version = transaction(false, c -> {
        long v = bump(c);
        current(c, id, expectedVersion);
        try (PreparedStatement s = c.prepareStatement("DELETE FROM entities WHERE kind = ? AND id = ?")) {
          s.setString(1, kind.name);
          s.setString(2, id);
          s.executeUpdate();
        }
        logChange(c, v, kind, id, true, now);
        return v;
      });
      feed.announce(version);
    }

    @Override
    public long count() {
      return read(c -> {
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM entities WHERE kind = ?")) {
          s.setString(1, kind.name);
          try (ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
          }
        }
      });
    }

    /** Checks that {@code id} exists at {@code expectedVersion} (when given); returns when it was created. */
    private Instant current(Connection c, String id, String expectedVersion) throws SQLException {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT resource_version, created FROM entities WHERE kind = ? AND id = ?")) {
        s.setString(1, kind.name);
        s.setString(2, id);
        try (ResultSet r = s.executeQuery()) {
          if (!r.next()) {
            throw new StoreException(StoreException.Reason.NOT_FOUND, kind.noun + " " + quoted(id) + " not found");
          }
          if (expectedVersion != null && !expectedVersion.equals(r.getString(1))) {
            throw new StoreException(StoreException.Reason.CONFLICT, kind.noun + " " + quoted(id)
                + " has changed since resource version " + quoted(expectedVersion)
                + " was read (read it again and retry)");
          }
          return instant(r.getLong(2));
        }
      }
    }

    private boolean exists(Connection c, String column, String value) throws SQLException {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT 1 FROM entities WHERE kind = ? AND " + column + " = ?")) {
        s.setString(1, kind.name);
        s.setString(2, value);
        try (ResultSet r = s.executeQuery()) {
          return r.next();
        }
      }
    }

    private String checkIds(T entity) {
      if (entity == null) {
        throw new IllegalArgumentException("no " + kind.noun + " given");
      }
      String id = entity.id();
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("a " + kind.noun + " needs an id");
      }
      String name;
      try {
        name = entity.uniqueName();
      } catch (NullPointerException e) {
        name = null;
      }
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a " + kind.noun + " needs a " + kind.nameField);
      }
      return id;
    }

    private StoreException taken(String name) {
      return new StoreException(StoreException.Reason.ALREADY_EXISTS, "a " + kind.noun + " with " + kind.nameField
          + " " + quoted(name) + " already exists");
    }
  }

  private static String quoted(String s) {
    String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
  }
}
