package dev.gatehouse.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;

/**
 * TEST-ONLY stand-in for the JDBC store (which lands on the store branch): the {@link AccountStore} contract in
 * memory, with a change counter, a change log for {@link #changesSince} and listeners called on a store thread.
 * {@link #compact()} drops the log so readers must take a new snapshot.
 */
public final class InMemoryAccountStore implements AccountStore {
  private final Map<Class<? extends Entity>, Kind<?>> kinds = new LinkedHashMap<>();
  private final Map<String, byte[]> hashes = new HashMap<>();
  private final Map<String, byte[]> secrets = new HashMap<>();
  private final Map<String, Instant> uses = new HashMap<>();
  // version -> (entity kind, id, deleted?)
  private final TreeMap<Long, Change> log = new TreeMap<>();
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "in-memory-store");
    t.setDaemon(true);
    return t;
  });
  private long version;
  private long compactedUpTo;
  private Account account;

  private record Change(Class<? extends Entity> kind, String id, boolean deleted) {}

  public InMemoryAccountStore() {
    kinds.put(Namespace.class, new Kind<Namespace>(Namespace.class));
    kinds.put(User.class, new Kind<User>(User.class));
    kinds.put(UserGroup.class, new Kind<UserGroup>(UserGroup.class));
    kinds.put(ServiceAccount.class, new Kind<ServiceAccount>(ServiceAccount.class));
    kinds.put(ApiKey.class, new Kind<ApiKey>(ApiKey.class));
    kinds.put(AsyncOperation.class, new Kind<AsyncOperation>(AsyncOperation.class));
    kinds.put(ReviewCampaign.class, new Kind<ReviewCampaign>(ReviewCampaign.class));
    kinds.put(ReviewItem.class, new Kind<ReviewItem>(ReviewItem.class));
    kinds.put(ElevatedGrant.class, new Kind<ElevatedGrant>(ElevatedGrant.class));
  }

  @SuppressWarnings("unchecked")
  private <T extends Entity> Kind<T> kind(Class<T> type) {
    return (Kind<T>) kinds.get(type);
  }

  private final class Kind<T extends Entity> implements Entities<T> {
    private final Class<T> type;
    private final TreeMap<String, T> byId = new TreeMap<>();

    Kind(Class<T> type) {
      this.type = type;
    }

    @Override
    public Optional<T> get(String id) {
      synchronized (InMemoryAccountStore.this) {
        return Optional.ofNullable(byId.get(id));
      }
    }

    @Override
    public Optional<T> byName(String uniqueName) {
      synchronized (InMemoryAccountStore.this) {
        return byId.values().stream().filter(e -> e.uniqueName().equalsIgnoreCase(uniqueName)).findFirst();
      }
    }

    @Override
    public Page<T> list(int pageSize, String pageToken) {
      synchronized (InMemoryAccountStore.this) {
        return new Page<>(new ArrayList<>(byId.values()), "");
      }
    }

    @Override
    public T create(T entity) {
      if (type == ApiKey.class) {
        throw new UnsupportedOperationException("use createApiKey");
      }
      return put(entity, true);
    }

    @SuppressWarnings("unchecked")
    T put(T entity, boolean create) {
      long v;
      T stored;
      synchronized (InMemoryAccountStore.this) {
        if (create && byId.containsKey(entity.id())) {
          throw new StoreException(StoreException.Reason.ALREADY_EXISTS, type.getSimpleName() + " " + entity.id());
        }
        if (!create && !byId.containsKey(entity.id())) {
          throw new StoreException(StoreException.Reason.NOT_FOUND, type.getSimpleName() + " " + entity.id());
        }
        v = ++version;
        Instant now = Instant.now();
        Meta before = create ? null : byId.get(entity.id()).meta();
        stored = (T) entity.withMeta(new Meta(Long.toString(v), before == null ? now : before.created(), now));
        byId.put(entity.id(), stored);
        log.put(v, new Change(type, entity.id(), false));
      }
      notifyListeners(v);
      return stored;
    }

    @Override
    public T update(T entity, String expectedVersion) {
      return put(entity, false);
    }

    @Override
    public void delete(String id, String expectedVersion) {
      long v;
      synchronized (InMemoryAccountStore.this) {
        if (byId.remove(id) == null) {
          throw new StoreException(StoreException.Reason.NOT_FOUND, type.getSimpleName() + " " + id);
        }
        if (type == ApiKey.class) {
          hashes.remove(id);
        }
        v = ++version;
        log.put(v, new Change(type, id, true));
      }
      notifyListeners(v);
    }

    @Override
    public long count() {
      synchronized (InMemoryAccountStore.this) {
        return byId.size();
      }
    }
  }

  private void notifyListeners(long v) {
    for (LongConsumer l : listeners) {
      notifier.execute(() -> l.accept(v));
    }
  }

  @Override
  public synchronized Optional<Account> account() {
    return Optional.ofNullable(account);
  }

  @Override
  public synchronized Account initialise(String accountId) {
    if (account == null) {
      account = new Account(accountId, Instant.now());
    }
    return account;
  }

  @Override
  public Entities<Namespace> namespaces() {
    return kind(Namespace.class);
  }

  @Override
  public Entities<User> users() {
    return kind(User.class);
  }

  @Override
  public Entities<UserGroup> userGroups() {
    return kind(UserGroup.class);
  }

  @Override
  public Entities<ServiceAccount> serviceAccounts() {
    return kind(ServiceAccount.class);
  }

  @Override
  public Entities<ApiKey> apiKeys() {
    return kind(ApiKey.class);
  }

  @Override
  public Entities<AsyncOperation> asyncOperations() {
    return kind(AsyncOperation.class);
  }

  @Override
  public Entities<ReviewCampaign> reviewCampaigns() {
    return kind(ReviewCampaign.class);
  }

  @Override
  public Entities<ReviewItem> reviewItems() {
    return kind(ReviewItem.class);
  }

  private final Map<String, Map<String, NamespacePermission>> accessUses = new HashMap<>();

  @Override
  public synchronized void recordAccessUse(String principalId, String namespace, NamespacePermission used,
      Instant at) {
    accessUses.computeIfAbsent(principalId, k -> new HashMap<>()).merge(namespace, used, NamespacePermission::max);
  }

  @Override
  public synchronized Map<String, Map<String, NamespacePermission>> accessUses() {
    Map<String, Map<String, NamespacePermission>> out = new HashMap<>();
    accessUses.forEach((p, m) -> out.put(p, Map.copyOf(m)));
    return out;
  }

  @Override
  public Entities<ElevatedGrant> elevatedGrants() {
    return kind(ElevatedGrant.class);
  }

  @Override
  public ApiKey createApiKey(ApiKey key, byte[] secretHash) {
    synchronized (this) {
      hashes.put(key.id(), secretHash.clone());
    }
    return kind(ApiKey.class).put(key, true);
  }

  @Override
  public synchronized Optional<byte[]> apiKeySecretHash(String keyId) {
    return Optional.ofNullable(hashes.get(keyId)).map(byte[]::clone);
  }

  @Override
  public synchronized void recordApiKeyUse(String keyId, Instant at) {
    uses.put(keyId, at);
  }

  /** When a key was last recorded as used. */
  public synchronized Optional<Instant> lastUse(String keyId) {
    return Optional.ofNullable(uses.get(keyId));
  }

  @Override
  public synchronized void putSecret(String name, byte[] plaintext) {
    secrets.put(name, plaintext.clone());
  }

  @Override
  public synchronized Optional<byte[]> secret(String name) {
    return Optional.ofNullable(secrets.get(name)).map(byte[]::clone);
  }

  @Override
  public synchronized long version() {
    return version;
  }

  @Override
  public synchronized StoreSnapshot snapshot() {
    return new StoreSnapshot(version, List.copyOf(kind(Namespace.class).byId.values()),
        List.copyOf(kind(User.class).byId.values()), List.copyOf(kind(UserGroup.class).byId.values()),
        List.copyOf(kind(ServiceAccount.class).byId.values()), List.copyOf(kind(ApiKey.class).byId.values()),
        Map.copyOf(hashes), List.copyOf(kind(ElevatedGrant.class).byId.values()));
  }

  @Override
  public synchronized StoreChanges changesSince(long from) {
    if (from < compactedUpTo) {
      return new StoreChanges(from, version, List.of(), Map.of(), Map.of(), false);
    }
    Map<String, Entity> upserted = new LinkedHashMap<>();
    Map<Class<? extends Entity>, List<String>> deleted = new HashMap<>();
    Map<String, byte[]> keyHashes = new HashMap<>();
    for (Change c : log.tailMap(from, false).values()) {
      String key = c.kind().getSimpleName() + "/" + c.id();
      Entity current = kinds.get(c.kind()).byId.get(c.id());
      if (current != null) {
        upserted.put(key, current);
        if (c.kind() == ApiKey.class && hashes.containsKey(c.id())) {
          keyHashes.put(c.id(), hashes.get(c.id()));
        }
      } else {
        upserted.remove(key);
        deleted.computeIfAbsent(c.kind(), k -> new ArrayList<>()).add(c.id());
      }
    }
    return new StoreChanges(from, version, List.copyOf(upserted.values()), keyHashes, deleted, true);
  }

  /** Forgets the change log, as a store that compacted it: readers behind must take a snapshot. */
  public synchronized void compact() {
    log.clear();
    compactedUpTo = version;
  }

  @Override
  public AutoCloseable onChange(LongConsumer listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    notifier.shutdownNow();
  }
}
