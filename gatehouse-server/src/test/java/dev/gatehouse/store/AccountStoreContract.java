package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.config.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every store must do, run on SQLite and on PostgreSQL by the subclasses. Each test gets an empty store of its
 * own (a fresh file or database).
 */
abstract class AccountStoreContract {
  static final Function<String, String> NO_ENV = name -> null;

  @TempDir Path tmp;
  private final List<AutoCloseable> opened = new ArrayList<>();
  JdbcAccountStore store;

  /** Settings for this test's own empty store. */
  abstract Store settings() throws Exception;

  /** A plain connection to this test's database, to look at the rows themselves. */
  abstract Connection connect() throws SQLException;

  @BeforeEach
  void openStore() throws Exception {
    store = open(settings());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  JdbcAccountStore open(Store settings) {
    JdbcAccountStore s = JdbcAccountStore.open(settings, Clock.systemUTC(), NO_ENV);
    opened.add(s);
    return s;
  }

  Path keyFile(String name, byte[] key) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, Base64.getEncoder().encodeToString(key) + "\n");
    return f;
  }

  static Namespace namespace(String name) {
    return new Namespace(name, "", List.of(new CertificateFilter("client-*", null, null, null)), true, false,
        new CodecServerSpec("https://codec.example.com", true, false), 30, null);
  }

  static User user(String id, String email) {
    return new User(id, email, new Access(AccountRole.DEVELOPER, Map.of("ns1", NamespacePermission.WRITE)), null);
  }

  static ApiKey apiKey(String id, String owner) {
    return new ApiKey(id, owner, OwnerType.SERVICE_ACCOUNT, "ci key", "for CI",
        Instant.parse("2027-01-01T00:00:00Z"), false, null, null);
  }

  // ---- CRUD ----

  @Test
  void everyKindIsCreatedReadUpdatedAndDeleted() {
    Instant at = Instant.parse("2026-12-01T10:00:00Z");
    List<Entity> samples = List.of(
        namespace("payments"),
        user("u1", "Alice@Example.com"),
        new UserGroup("g1", "admins", new Access(AccountRole.ADMIN, Map.of()), Set.of("u1", "u2"), null),
        new ServiceAccount("sa1", "ci", "the CI", Access.NONE, "payments", NamespacePermission.WRITE, null),
        new AsyncOperation("op1", "fulfilled", "CreateNamespace", at, at.plusSeconds(1), null, null));
    for (Entity sample : samples) {
      crud(sample);
    }
    ApiKey key = store.createApiKey(apiKey("k1", "sa1"), new byte[] {1, 2, 3});
    assertThat(store.apiKeys().get("k1")).contains(key);
    ApiKey disabled = store.apiKeys().update(new ApiKey("k1", "sa1", OwnerType.SERVICE_ACCOUNT, "ci key", "",
        key.expiry(), true, null, null), key.meta().resourceVersion());
    assertThat(store.apiKeys().get("k1").orElseThrow().disabled()).isTrue();
    assertThat(store.apiKeySecretHash("k1")).hasValueSatisfying(h -> assertThat(h).containsExactly(1, 2, 3));
    store.apiKeys().delete("k1", disabled.meta().resourceVersion());
    assertThat(store.apiKeys().get("k1")).isEmpty();
    assertThat(store.apiKeySecretHash("k1")).isEmpty();
  }

  @SuppressWarnings("unchecked")
  private <T extends Entity> void crud(T sample) {
    Entities<T> entities = (Entities<T>) entitiesOf(sample);
    long before = store.version();
    T created = entities.create(sample);
    assertThat(created.meta().resourceVersion()).isNotNull();
    assertThat(created.meta().created()).isNotNull().isEqualTo(created.meta().modified());
    assertThat(store.version()).isEqualTo(before + 1);
    assertThat(entities.get(sample.id())).contains(created);
    assertThat(entities.byName(sample.uniqueName().toUpperCase(java.util.Locale.ROOT)).isPresent())
        .isEqualTo(sample instanceof User);
    assertThat(entities.byName(sample.uniqueName())).contains(created);
    assertThat(entities.count()).isEqualTo(1);
    T updated = entities.update(sample, created.meta().resourceVersion());
    assertThat(updated.meta().resourceVersion()).isNotEqualTo(created.meta().resourceVersion());
    assertThat(updated.meta().created()).isEqualTo(created.meta().created());
    assertThat(entities.get(sample.id())).contains(updated);
    entities.delete(sample.id(), updated.meta().resourceVersion());
    assertThat(entities.get(sample.id())).isEmpty();
    assertThat(entities.count()).isZero();
    assertThat(store.version()).isEqualTo(before + 3);
  }

  private Entities<?> entitiesOf(Entity e) {
    return switch (e) {
      case Namespace n -> store.namespaces();
      case User u -> store.users();
      case UserGroup g -> store.userGroups();
      case ServiceAccount s -> store.serviceAccounts();
      case ApiKey k -> store.apiKeys();
      case AsyncOperation o -> store.asyncOperations();
      case ReviewCampaign c -> store.reviewCampaigns();
      case ReviewItem i -> store.reviewItems();
      case ElevatedGrant g -> store.elevatedGrants();
    };
  }

  @Test
  void accessUsesOnlyRise() {
    Instant at = Instant.parse("2026-01-01T00:00:00Z");
    store.recordAccessUse("p1", "payments", NamespacePermission.WRITE, at);
    store.recordAccessUse("p1", "payments", NamespacePermission.READ, at.plusSeconds(1));
    store.recordAccessUse("p1", "orders", NamespacePermission.READ, at);
    store.flushAccessUses();
    assertThat(store.accessUses()).isEqualTo(Map.of("p1", Map.of("payments", NamespacePermission.WRITE,
        "orders", NamespacePermission.READ)));
    store.recordAccessUse("p1", "payments", NamespacePermission.ADMIN, at.plusSeconds(2));
    store.flushAccessUses();
    assertThat(store.accessUses().get("p1")).containsEntry("payments", NamespacePermission.ADMIN);
  }

  @Test
  void aReviewCampaignNameIsTakenOnce() {
    ReviewCampaign c = new ReviewCampaign("rc-1", "scheduled-2026-Q4", "scheduler", Instant.EPOCH,
        Instant.EPOCH.plusSeconds(60), ReviewCampaign.DeadlineAction.FLAG, ReviewCampaign.State.OPEN, null, null);
    store.reviewCampaigns().create(c);
    assertThatThrownBy(() -> store.reviewCampaigns().create(new ReviewCampaign("rc-2", c.name(), "scheduler",
        Instant.EPOCH, Instant.EPOCH, ReviewCampaign.DeadlineAction.FLAG, ReviewCampaign.State.OPEN, null, null)))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.ALREADY_EXISTS));
    ReviewItem item = store.reviewItems().create(new ReviewItem("rc-1.00001", "rc-1", ReviewItem.Subject.API_KEY,
        "k1", "key", "u1", null, "expires", "account", java.util.List.of("u9"), java.util.List.of("unused"),
        Instant.EPOCH, null, null, null, null, null));
    assertThat(store.reviewItems().get("rc-1.00001")).hasValueSatisfying(i -> {
      assertThat(i.lastUsed()).isEqualTo(Instant.EPOCH);
      assertThat(i.findings()).containsExactly("unused");
      assertThat(i.decision()).isEqualTo(ReviewItem.Decision.PENDING);
      assertThat(i.meta().resourceVersion()).isEqualTo(item.meta().resourceVersion());
    });
  }

  @Test
  void apiKeysAreMadeOnlyWithTheirHash() {
    assertThatThrownBy(() -> store.apiKeys().create(apiKey("k1", "sa1")))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> store.createApiKey(apiKey("k1", "sa1"), new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    store.createApiKey(apiKey("k1", "sa1"), new byte[] {9});
    assertThatThrownBy(() -> store.createApiKey(apiKey("k1", "sa2"), new byte[] {8}))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.ALREADY_EXISTS));
    assertThat(store.apiKeySecretHash("k1")).hasValueSatisfying(h -> assertThat(h).containsExactly(9));
    assertThat(store.apiKeySecretHash("nope")).isEmpty();
  }

  // ---- unique names, versions ----

  @Test
  void idsAndUniqueNamesAreUniqueAndEmailsCompareCaseInsensitively() {
    store.users().create(user("u1", "Alice@Example.com"));
    assertThat(reason(() -> store.users().create(user("u1", "other@example.com"))))
        .isEqualTo(StoreException.Reason.ALREADY_EXISTS);
    assertThatThrownBy(() -> store.users().create(user("u2", "alice@example.COM")))
        .isInstanceOf(StoreException.class).hasMessageContaining("email").hasMessageContaining("alice@example.com");
    assertThat(store.users().byName("ALICE@example.com")).isPresent();
    User bob = store.users().create(user("u2", "bob@example.com"));
    assertThat(reason(() -> store.users().update(user("u2", "ALICE@example.com"), bob.meta().resourceVersion())))
        .isEqualTo(StoreException.Reason.ALREADY_EXISTS);
    store.serviceAccounts().create(new ServiceAccount("sa1", "ci", null, null, null, null, null));
    assertThat(reason(() -> store.serviceAccounts().create(new ServiceAccount("sa2", "ci", null, null, null, null,
        null)))).isEqualTo(StoreException.Reason.ALREADY_EXISTS);
    store.namespaces().create(namespace("payments"));
    assertThat(reason(() -> store.namespaces().create(namespace("payments"))))
        .isEqualTo(StoreException.Reason.ALREADY_EXISTS);
    // Kinds do not share names.
    store.userGroups().create(new UserGroup("payments", "payments", null, null, null));
  }

  @Test
  void aStaleResourceVersionIsAConflictAndAMissingEntityNotFound() {
    Namespace v1 = store.namespaces().create(namespace("payments"));
    Namespace v2 = store.namespaces().update(namespace("payments"), v1.meta().resourceVersion());
    long version = store.version();
    assertThatThrownBy(() -> store.namespaces().update(namespace("payments"), v1.meta().resourceVersion()))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT))
        .hasMessageContaining("payments");
    assertThat(reason(() -> store.namespaces().delete("payments", v1.meta().resourceVersion())))
        .isEqualTo(StoreException.Reason.CONFLICT);
    assertThat(reason(() -> store.namespaces().update(namespace("nope"), null)))
        .isEqualTo(StoreException.Reason.NOT_FOUND);
    assertThat(reason(() -> store.namespaces().delete("nope", null))).isEqualTo(StoreException.Reason.NOT_FOUND);
    assertThat(store.version()).as("refused writes do not move the counter").isEqualTo(version);
    store.namespaces().update(namespace("payments"), null);
    store.namespaces().delete("payments", null);
    assertThat(v2.meta().resourceVersion()).isNotNull();
  }

  // ---- paging ----

  @Test
  void pagesWalkEverythingInIdOrderAndForgedTokensAreRefused() {
    for (int i = 24; i >= 0; i--) {
      store.namespaces().create(namespace(String.format("ns-%02d", i)));
    }
    store.users().create(user("u1", "a@example.com"));
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      Page<Namespace> page = store.namespaces().list(10, token);
      page.items().forEach(n -> seen.add(n.name()));
      token = page.nextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(25).isSorted().startsWith("ns-00").endsWith("ns-24");
    assertThat(store.namespaces().list(0, "").items()).hasSize(25);
    assertThat(store.namespaces().list(25, "").nextPageToken()).isEmpty();

    String real = store.namespaces().list(10, "").nextPageToken();
    assertThat(store.namespaces().list(10, real).items().getFirst().name()).isEqualTo("ns-10");
    byte[] raw = Base64.getUrlDecoder().decode(real);
    raw[raw.length - 1] ^= 1;
    String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    String forged = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("namespace\nns-20AAAAAAAAAAAAAAAA".getBytes(StandardCharsets.UTF_8));
    for (String bad : List.of(tampered, forged, "ns-10", "!!!", "x".repeat(5000))) {
      assertThatThrownBy(() -> store.namespaces().list(10, bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("page token");
    }
    assertThatThrownBy(() -> store.users().list(10, real)).as("another listing's token")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.namespaces().list(-1, "")).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- changes ----

  @Test
  void changesSinceHoldTheCurrentStateOfWhatWasWrittenAndWhatWasDeleted() {
    store.namespaces().create(namespace("kept"));
    long from = store.version();
    Namespace a = store.namespaces().create(namespace("a"));
    store.namespaces().create(namespace("b"));
    Namespace a2 = store.namespaces().update(namespace("a"), a.meta().resourceVersion());
    store.namespaces().delete("b", null);
    store.createApiKey(apiKey("k1", "sa1"), new byte[] {7});
    store.users().create(user("u1", "x@example.com"));
    store.users().delete("u1", null);

    StoreChanges changes = store.changesSince(from);
    assertThat(changes.complete()).isTrue();
    assertThat(changes.from()).isEqualTo(from);
    assertThat(changes.to()).isEqualTo(store.version()).isEqualTo(from + 7);
    assertThat(changes.upserted()).extracting(Entity::id).containsExactlyInAnyOrder("a", "k1");
    assertThat(changes.upserted()).contains(a2);
    assertThat(changes.apiKeyHashes()).containsOnlyKeys("k1");
    assertThat(changes.deleted()).containsOnlyKeys(Namespace.class, User.class);
    assertThat(changes.deleted().get(Namespace.class)).containsExactly("b");
    assertThat(changes.deleted().get(User.class)).containsExactly("u1");

    StoreChanges none = store.changesSince(store.version());
    assertThat(none.complete()).isTrue();
    assertThat(none.upserted()).isEmpty();
    assertThat(none.deleted()).isEmpty();
    assertThat(store.changesSince(store.version() + 5).complete()).as("a version from the future").isFalse();
  }

  @Test
  void compactedChangesAnswerIncompleteSoTheReaderTakesASnapshot() {
    long from = store.version();
    store.namespaces().create(namespace("a"));
    store.namespaces().create(namespace("b"));
    long through = store.compactChangeLog(Instant.now().plusSeconds(1));
    assertThat(through).isEqualTo(store.version());
    assertThat(store.changesSince(from).complete()).isFalse();
    assertThat(store.changesSince(from).upserted()).isEmpty();
    long now = store.version();
    store.namespaces().create(namespace("c"));
    StoreChanges after = store.changesSince(now);
    assertThat(after.complete()).isTrue();
    assertThat(after.upserted()).extracting(Entity::id).containsExactly("c");
    // Compacting nothing new keeps what was compacted.
    assertThat(store.compactChangeLog(Instant.EPOCH)).isEqualTo(through);
  }

  @Test
  void aSnapshotHoldsEverythingAtOneVersion() {
    store.namespaces().create(namespace("payments"));
    store.users().create(user("u1", "a@example.com"));
    store.userGroups().create(new UserGroup("g1", "admins", null, Set.of("u1"), null));
    store.serviceAccounts().create(new ServiceAccount("sa1", "ci", null, null, "payments",
        NamespacePermission.READ, null));
    store.createApiKey(apiKey("k1", "sa1"), new byte[] {5, 6});
    store.asyncOperations().create(new AsyncOperation("op", "fulfilled", "X", Instant.EPOCH, null, null, null));
    StoreSnapshot snapshot = store.snapshot();
    assertThat(snapshot.version()).isEqualTo(store.version());
    assertThat(snapshot.namespaces()).extracting(Namespace::name).containsExactly("payments");
    assertThat(snapshot.namespaces().getFirst()).isEqualTo(store.namespaces().get("payments").orElseThrow());
    assertThat(snapshot.users()).extracting(User::id).containsExactly("u1");
    assertThat(snapshot.userGroups().getFirst().memberIds()).containsExactly("u1");
    assertThat(snapshot.serviceAccounts().getFirst().scopedPermission()).isEqualTo(NamespacePermission.READ);
    assertThat(snapshot.apiKeys()).extracting(ApiKey::id).containsExactly("k1");
    assertThat(snapshot.apiKeyHashes().get("k1")).containsExactly(5, 6);
    // A snapshot plus the changes since its version is the current state.
    store.namespaces().create(namespace("later"));
    StoreChanges changes = store.changesSince(snapshot.version());
    assertThat(changes.upserted()).extracting(Entity::id).containsExactly("later");
  }

  @Test
  void kindsANewerReplicaWroteAreLeftOutOfSnapshotsAndChanges() throws Exception {
    long from = store.version();
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO entities (kind, id, unique_name, resource_version,"
          + " body, created, modified) VALUES ('futureThing', 'f1', 'f1', '1', '{}', 0, 0)")) {
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("UPDATE store_state SET version = version + 1")) {
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO change_log (seq, kind, id, deleted, at) VALUES (?, 'futureThing', 'f1', 0, 0)")) {
        s.setLong(1, from + 1);
        s.executeUpdate();
      }
      c.commit();
    }
    store.namespaces().create(namespace("payments"));
    assertThat(store.snapshot().namespaces()).hasSize(1);
    StoreChanges changes = store.changesSince(from);
    assertThat(changes.complete()).isTrue();
    assertThat(changes.upserted()).extracting(Entity::id).containsExactly("payments");
    assertThat(changes.deleted()).isEmpty();
  }

  // ---- secrets ----

  @Test
  void secretsAreEncryptedBoundToTheirNameAndReadBack() throws Exception {
    byte[] plain = "sink-password-0123456789".getBytes(StandardCharsets.UTF_8);
    store.putSecret("sinks.siem.password", plain);
    assertThat(store.secret("sinks.siem.password")).hasValueSatisfying(v -> assertThat(v).isEqualTo(plain));
    assertThat(store.secret("absent")).isEmpty();
    byte[] stored = ciphertext("sinks.siem.password");
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("sink-password");
    assertThat(stored.length).isEqualTo(1 + 12 + plain.length + 16);
    // A second write draws a new nonce.
    store.putSecret("sinks.siem.password", plain);
    assertThat(ciphertext("sinks.siem.password")).isNotEqualTo(stored);

    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement("INSERT INTO secrets (name, ciphertext) VALUES (?, ?)")) {
      s.setString(1, "sinks.other.password");
      s.setBytes(2, stored);
      s.executeUpdate();
    }
    assertThatThrownBy(() -> store.secret("sinks.other.password")).isInstanceOf(StoreException.class)
        .hasMessageContaining("does not decrypt").hasMessageNotContaining("sinks.");

    assertThat(store.putSecretIfAbsent("once", new byte[] {1})).isTrue();
    assertThat(store.putSecretIfAbsent("once", new byte[] {2})).isFalse();
    assertThat(store.secret("once")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    assertThatThrownBy(() -> store.putSecret("", plain)).isInstanceOf(IllegalArgumentException.class);
  }

  private byte[] ciphertext(String name) throws SQLException {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement("SELECT ciphertext FROM secrets WHERE name = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        assertThat(r.next()).isTrue();
        return r.getBytes(1);
      }
    }
  }

  @Test
  void anotherMasterKeyIsRefusedClearlyAtOpen() throws Exception {
    store.putSecret("signing.key", new byte[] {1, 2, 3});
    byte[] other = new byte[32];
    other[0] = 42;
    Store wrong = new Store(sameDatabase().url(), sameDatabase().dir(), keyFile("other.key", other).toString(), null,
        sameDatabase().user(), sameDatabase().password(), null, null);
    assertThatThrownBy(() -> open(wrong)).isInstanceOf(StoreException.class)
        .hasMessageContaining("master key is not the one").hasMessageNotContaining("signing");
  }

  /** Settings for another empty database with no master key set. */
  abstract Store anotherDatabaseWithoutKey() throws Exception;

  @Test
  void aKeyProviderWrapsTheMasterKeyTheStoreMakes() throws Exception {
    Store settings = anotherDatabaseWithoutKey();
    dev.gatehouse.codec.KeyProvider kms = dev.gatehouse.codec.KeyProvider.of(
        dev.gatehouse.codec.Keyring.of(dev.gatehouse.codec.Key.generate("kek-1")));
    JdbcAccountStore first = JdbcAccountStore.open(settings, Clock.systemUTC(), NO_ENV, JdbcAccountStore.POLL, kms);
    opened.add(first);
    first.putSecret("signing.key", new byte[] {1, 2});
    first.close();
    JdbcAccountStore again = JdbcAccountStore.open(settings, Clock.systemUTC(), NO_ENV, JdbcAccountStore.POLL, kms);
    opened.add(again);
    assertThat(again.secret("signing.key")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
    again.close();
    dev.gatehouse.codec.KeyProvider otherKms = dev.gatehouse.codec.KeyProvider.of(
        dev.gatehouse.codec.Keyring.of(dev.gatehouse.codec.Key.generate("kek-1")));
    assertThatThrownBy(() -> JdbcAccountStore.open(settings, Clock.systemUTC(), NO_ENV, JdbcAccountStore.POLL,
        otherKms)).isInstanceOf(StoreException.class).hasMessageContaining("key provider could not unwrap")
        .hasMessageNotContaining("signing");
    Store withFile = new Store(settings.url(), settings.dir(), keyFile("k", new byte[32]).toString(), null,
        settings.user(), settings.password(), null, null);
    assertThatThrownBy(() -> JdbcAccountStore.open(withFile, Clock.systemUTC(), NO_ENV, JdbcAccountStore.POLL, kms))
        .isInstanceOf(StoreException.class).hasMessageContaining("both given");
  }

  /** Settings for the database this test's store uses (not a new one). */
  abstract Store sameDatabase();

  // ---- API key secrets ----

  @Test
  void apiKeySecretsAreMadeOnceAndHashWhatCreateApiKeyStores() {
    ApiKeySecrets secrets = ApiKeySecrets.forStore(store);
    ApiKeySecrets again = ApiKeySecrets.forStore(open(sameDatabase()));
    String keyId = ApiKeySecrets.newKeyId();
    ApiKeySecrets.NewApiKey key = secrets.generate(keyId);
    store.createApiKey(apiKey(keyId, "sa1"), key.secretHash());
    ApiKeySecrets.ParsedApiKey parsed = again.parse(key.token()).orElseThrow();
    assertThat(parsed.keyId()).isEqualTo(keyId);
    assertThat(java.security.MessageDigest.isEqual(again.hash(parsed.secret()),
        store.apiKeySecretHash(keyId).orElseThrow())).isTrue();
    assertThat(key.toString()).doesNotContain(key.token());
  }

  @Test
  void keyUsesAreCoalescedWrittenLaterAndDoNotMoveTheVersion() {
    store.createApiKey(apiKey("k1", "sa1"), new byte[] {1});
    long version = store.version();
    Instant t1 = Instant.parse("2026-12-01T10:00:00.123456Z");
    store.recordApiKeyUse("k1", t1);
    store.recordApiKeyUse("k1", t1.minusSeconds(5));
    store.recordApiKeyUse("gone", t1);
    store.flushApiKeyUses();
    assertThat(store.apiKeys().get("k1").orElseThrow().lastUsed()).isEqualTo(t1);
    store.recordApiKeyUse("k1", t1.plusSeconds(1));
    store.close();
    JdbcAccountStore reopened = open(sameDatabase());
    assertThat(reopened.apiKeys().get("k1").orElseThrow().lastUsed()).as("written at close")
        .isEqualTo(t1.plusSeconds(1));
    assertThat(reopened.version()).isEqualTo(version);
    assertThat(reopened.snapshot().apiKeys().getFirst().lastUsed()).isEqualTo(t1.plusSeconds(1));
  }

  // ---- replicas, restart, migrations ----

  @Test
  void aWriteThroughOneStoreReachesTheOthersListenersWithinASecond() throws Exception {
    JdbcAccountStore other = open(sameDatabase());
    AtomicLong heard = new AtomicLong();
    AtomicLong heardHere = new AtomicLong();
    other.onChange(heard::set);
    AutoCloseable handle = store.onChange(heardHere::set);
    Thread caller = Thread.currentThread();
    List<Thread> listenerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    store.onChange(v -> listenerThreads.add(Thread.currentThread()));
    for (int i = 0; i < 3; i++) {
      store.namespaces().create(namespace("ns-" + i));
      long version = store.version();
      await().atMost(Duration.ofSeconds(1)).until(() -> heard.get() >= version);
      await().atMost(Duration.ofSeconds(1)).until(() -> heardHere.get() >= version);
    }
    assertThat(other.changesSince(0).upserted()).hasSize(3);
    assertThat(listenerThreads).isNotEmpty().doesNotContain(caller);
    handle.close();
    long before = heardHere.get();
    store.namespaces().create(namespace("after-close"));
    long version = store.version();
    await().atMost(Duration.ofSeconds(1)).until(() -> heard.get() >= version);
    assertThat(heardHere.get()).as("a closed handle hears nothing").isEqualTo(before);
  }

  @Test
  void concurrentWritersOnTwoStoresAllLandAndEachMovesTheCounterOnce() throws Exception {
    JdbcAccountStore other = open(sameDatabase());
    long before = store.version();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        JdbcAccountStore s = t % 2 == 0 ? store : other;
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            Namespace n = s.namespaces().create(namespace("ns-" + thread + "-" + i));
            s.initialise("acct");
            s.namespaces().update(n, n.meta().resourceVersion());
          }
        }));
      }
      for (var f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.namespaces().count()).isEqualTo(40);
    assertThat(other.version()).isEqualTo(before + 80);
    assertThat(store.changesSince(before).upserted()).hasSize(40);
  }

  @Test
  void dataOutlivesARestartAndMigrationsRunOnce() throws Exception {
    store.initialise("acct-1");
    store.namespaces().create(namespace("payments"));
    store.putSecret("s", new byte[] {4});
    long version = store.version();
    store.close();
    JdbcAccountStore again = open(sameDatabase());
    assertThat(again.account()).hasValueSatisfying(a -> assertThat(a.id()).isEqualTo("acct-1"));
    assertThat(again.initialise("acct-2").id()).isEqualTo("acct-1");
    assertThat(again.namespaces().get("payments")).isPresent();
    assertThat(again.secret("s")).hasValueSatisfying(v -> assertThat(v).containsExactly(4));
    assertThat(again.version()).isEqualTo(version);
    int migrations = appliedMigrations();
    open(sameDatabase()).close();
    // Every migration ran once (V1 to V4 at least) and reopening runs none again.
    assertThat(migrations).isGreaterThanOrEqualTo(4);
    assertThat(appliedMigrations()).isEqualTo(migrations);
  }

  private int appliedMigrations() throws Exception {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT COUNT(*), COUNT(DISTINCT version) FROM gatehouse_schema_history"
                + " WHERE success = true AND version IS NOT NULL");
        ResultSet r = s.executeQuery()) {
      r.next();
      assertThat(r.getInt(1)).as("each version once").isEqualTo(r.getInt(2));
      return r.getInt(1);
    }
  }

  @Test
  void aClosedStoreRefusesCallsAsUnavailable() {
    store.close();
    assertThat(reason(() -> store.namespaces().get("x"))).isEqualTo(StoreException.Reason.UNAVAILABLE);
    store.close();
  }

  static StoreException.Reason reason(Runnable call) {
    try {
      call.run();
    } catch (StoreException e) {
      return e.reason();
    }
    throw new AssertionError("no StoreException");
  }

}
