package dev.gatehouse.control;

import dev.gatehouse.store.Account;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.AsyncOperation;
import dev.gatehouse.store.Entities;
import dev.gatehouse.store.Entity;
import dev.gatehouse.store.Meta;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.StoreChanges;
import dev.gatehouse.store.StoreException;
import dev.gatehouse.store.StoreSnapshot;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * TEST-ONLY: an in-memory {@link AccountStore} with the store contract's semantics (resource versions, unique names,
 * paging), for the control plane's tests until the JDBC store lands; not for production use.
 */
public final class InMemoryAccountStore implements AccountStore {
  private final Clock clock;
  private Account account;
  private long version;
  private final Map<String, byte[]> hashes = new HashMap<>();
  private final Map<String, byte[]> secrets = new HashMap<>();
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final Kind<Namespace> namespaces = new Kind<>("namespace");
  private final Kind<User> users = new Kind<>("user");
  private final Kind<UserGroup> groups = new Kind<>("user group");
  private final Kind<ServiceAccount> serviceAccounts = new Kind<>("service account");
  private final Kind<ApiKey> apiKeys = new Kind<>("API key");
  private final Kind<AsyncOperation> operations = new Kind<>("async operation");

  public InMemoryAccountStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Optional<Account> account() {
    return Optional.ofNullable(account);
  }

  @Override
  public synchronized Account initialise(String accountId) {
    if (account == null) {
      account = new Account(accountId, clock.instant());
      moved();
    }
    return account;
  }

  @Override
  public Entities<Namespace> namespaces() {
    return namespaces;
  }

  @Override
  public Entities<User> users() {
    return users;
  }

  @Override
  public Entities<UserGroup> userGroups() {
    return groups;
  }

  @Override
  public Entities<ServiceAccount> serviceAccounts() {
    return serviceAccounts;
  }

  @Override
  public Entities<ApiKey> apiKeys() {
    return apiKeys;
  }

  @Override
  public Entities<AsyncOperation> asyncOperations() {
    return operations;
  }

  @Override
  public synchronized ApiKey createApiKey(ApiKey key, byte[] secretHash) {
    ApiKey created = apiKeys.insert(key);
    hashes.put(key.id(), secretHash.clone());
    return created;
  }

  @Override
  public synchronized Optional<byte[]> apiKeySecretHash(String keyId) {
    return Optional.ofNullable(hashes.get(keyId)).map(byte[]::clone);
  }

  @Override
  public void recordApiKeyUse(String keyId, Instant at) {}

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
    return new StoreSnapshot(version, namespaces.all(), users.all(), groups.all(), serviceAccounts.all(),
        apiKeys.all(), Map.copyOf(hashes));
  }

  @Override
  public StoreChanges changesSince(long from) {
    return new StoreChanges(from, version(), List.of(), Map.of(), Map.of(), false);
  }

  @Override
  public AutoCloseable onChange(LongConsumer listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {}

  private void moved() {
    version++;
    long v = version;
    listeners.forEach(l -> l.accept(v));
  }

  private final class Kind<T extends Entity> implements Entities<T> {
    private final String name;
    private final TreeMap<String, T> byId = new TreeMap<>();

    Kind(String name) {
      this.name = name;
    }

    List<T> all() {
      synchronized (InMemoryAccountStore.this) {
        return List.copyOf(byId.values());
      }
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
        if (pageSize < 0 || pageSize > 1000) {
          throw new IllegalArgumentException("page size");
        }
        int size = pageSize == 0 ? 100 : pageSize;
        String after = "";
        if (!pageToken.isEmpty()) {
          if (!pageToken.startsWith("t:")) {
            throw new IllegalArgumentException("not a page token");
          }
          after = pageToken.substring(2);
        }
        List<T> items = new ArrayList<>(
            (after.isEmpty() ? byId : byId.tailMap(after, false)).values().stream().limit(size + 1).toList());
        String next = "";
        if (items.size() > size) {
          items.remove(size);
          next = "t:" + items.get(size - 1).id();
        }
        return new Page<>(items, next);
      }
    }

    @Override
    public T create(T entity) {
      if (entity instanceof ApiKey) {
        throw new UnsupportedOperationException("use createApiKey");
      }
      return insert(entity);
    }

    T insert(T entity) {
      synchronized (InMemoryAccountStore.this) {
        if (byId.containsKey(entity.id()) || byName(entity.uniqueName()).isPresent()) {
          throw new StoreException(StoreException.Reason.ALREADY_EXISTS,
              name + " " + entity.uniqueName() + " already exists");
        }
        Instant now = clock.instant();
        @SuppressWarnings("unchecked")
        T stored = (T) entity.withMeta(new Meta(Long.toString(version + 1), now, now));
        byId.put(stored.id(), stored);
        moved();
        return stored;
      }
    }

    @Override
    public T update(T entity, String expectedVersion) {
      synchronized (InMemoryAccountStore.this) {
        T current = byId.get(entity.id());
        if (current == null) {
          throw new StoreException(StoreException.Reason.NOT_FOUND, name + " " + entity.id() + " not found");
        }
        if (expectedVersion != null && !expectedVersion.equals(current.meta().resourceVersion())) {
          throw new StoreException(StoreException.Reason.CONFLICT, name + " " + entity.id()
              + " has changed: resource_version " + expectedVersion + " is not the current one");
        }
        Optional<T> named = byName(entity.uniqueName());
        if (named.isPresent() && !named.get().id().equals(entity.id())) {
          throw new StoreException(StoreException.Reason.ALREADY_EXISTS,
              name + " " + entity.uniqueName() + " already exists");
        }
        @SuppressWarnings("unchecked")
        T stored = (T) entity.withMeta(new Meta(Long.toString(version + 1), current.meta().created(),
            clock.instant()));
        byId.put(stored.id(), stored);
        moved();
        return stored;
      }
    }

    @Override
    public void delete(String id, String expectedVersion) {
      synchronized (InMemoryAccountStore.this) {
        T current = byId.get(id);
        if (current == null) {
          throw new StoreException(StoreException.Reason.NOT_FOUND, name + " " + id + " not found");
        }
        if (expectedVersion != null && !expectedVersion.equals(current.meta().resourceVersion())) {
          throw new StoreException(StoreException.Reason.CONFLICT, name + " " + id
              + " has changed: resource_version " + expectedVersion + " is not the current one");
        }
        byId.remove(id);
        hashes.remove(id);
        moved();
      }
    }

    @Override
    public long count() {
      synchronized (InMemoryAccountStore.this) {
        return byId.size();
      }
    }
  }
}
