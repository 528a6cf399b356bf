package dev.gatehouse.auth;

import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.store.StoreChanges;
import dev.gatehouse.tls.NamespaceTrust;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's identities as the data plane uses them: API keys, namespace permissions and roles, and each
 * namespace's accepted client CAs, held in memory and kept current.
 *
 * <p>{@link #start} reads a snapshot, then follows {@link AccountStore#onChange}: on every move of the store's
 * version it reads {@link AccountStore#changesSince} (a whole snapshot when the store no longer holds the changes)
 * on its own thread, builds a new immutable directory and swaps it in. A call never touches the database and never
 * waits: {@link #apiKeyMapper()} and {@link #namespaceCertificateMapper()} answer from the directory in force, so a
 * disabled key, a removed permission or CA, a deleted user is refused from the first call after the change arrives
 * (on PostgreSQL, within a second on every replica).
 *
 * <p>When the store cannot be read, the last directory stays in force and the refresh is retried every second.
 * Metrics: gauge {@code gatehouse.store.identities.version} (compare replicas to see one lag), counter
 * {@code gatehouse.store.identities.refresh.failures}. Thread-safe.
 */
public final class StoreIdentities implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreIdentities.class);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration FLUSH_USES = Duration.ofSeconds(5);

  private final AccountStore store;
  private final PluginContext context;
  private final String namespaceDomain;
  private final ScheduledThreadPoolExecutor worker;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final Map<String, Long> uses = new ConcurrentHashMap<>();
  /** The highest access class each store principal used per namespace since the last flush, for access reviews. */
  private final Map<String, dev.gatehouse.store.NamespacePermission> accessUses = new ConcurrentHashMap<>();
  private final List<Consumer<NamespaceTrust>> trustListeners = new CopyOnWriteArrayList<>();
  private final ApiKeyMapper apiKeys;
  private final NamespaceCertificates certificates;
  private final Object versionMonitor = new Object();
  private volatile IdentityDirectory directory;
  private volatile AutoCloseable subscription;
  private volatile io.micrometer.core.instrument.Counter refreshFailures;

  private StoreIdentities(AccountStore store, ApiKeySecrets secrets, PluginContext context, String namespaceDomain) {
    this.store = store;
    this.context = context;
    this.namespaceDomain = namespaceDomain;
    this.worker = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "gatehouse-identities");
      t.setDaemon(true);
      return t;
    });
    worker.setRemoveOnCancelPolicy(true);
    this.apiKeys = new ApiKeyMapper(() -> directory, secrets, context.clock(), (id, at) -> uses.put(id, at));
    this.certificates = new NamespaceCertificates(() -> directory, context.clock());
  }

  /** {@link #start(AccountStore, ApiKeySecrets, PluginContext, String)} without namespace endpoints. */
  public static StoreIdentities start(AccountStore store, ApiKeySecrets secrets, PluginContext context) {
    return start(store, secrets, context, null);
  }

  /**
   * Loads the store's current state (blocking: call it at start, not on an event loop) and follows its changes.
   *
   * @param namespaceDomain {@code controlPlane.namespaceDomain}, or {@code null}: with it, a connection made to
   *     {@code <namespace>.<namespaceDomain>} trusts only that namespace's CAs and may call only in it
   * @throws dev.gatehouse.store.StoreException when the store cannot be read
   */
  public static StoreIdentities start(AccountStore store, ApiKeySecrets secrets, PluginContext context,
      String namespaceDomain) {
    StoreIdentities ids = new StoreIdentities(Objects.requireNonNull(store), Objects.requireNonNull(secrets),
        Objects.requireNonNull(context), namespaceDomain);
    ids.directory = IdentityDirectory.of(store.snapshot(), namespaceDomain, null);
    try {
      ids.subscription = store.onChange(v -> ids.refreshSoon());
    } catch (RuntimeException e) {
      ids.worker.shutdownNow();
      throw e;
    }
    ids.worker.scheduleWithFixedDelay(ids::flushUses, FLUSH_USES.toMillis(), FLUSH_USES.toMillis(),
        TimeUnit.MILLISECONDS);
    io.micrometer.core.instrument.Gauge.builder("gatehouse.store.identities.version", ids, StoreIdentities::version)
        .description("The store version the data plane's identities are at").register(context.meterRegistry());
    ids.refreshFailures = io.micrometer.core.instrument.Counter.builder("gatehouse.store.identities.refresh.failures")
        .description("Reads of the store's changes that failed (the previous identities stayed in force)")
        .register(context.meterRegistry());
    // A change made between the snapshot and the subscription is caught here.
    ids.refreshSoon();
    IdentityDirectory d = ids.directory;
    log.info("store identities loaded: {} namespaces, {} users, {} service accounts, {} API keys (version {})",
        d.namespaces.size(), d.users.size(), d.serviceAccounts.size(), d.keys.size(), d.version);
    return ids;
  }

  /**
   * The claim mapper of API keys ({@code claimMapper} name {@code apiKey}). Closing it does nothing; close this
   * object instead.
   */
  public ClaimMapper apiKeyMapper() {
    return apiKeys;
  }

  /**
   * The claim mapper of namespace client CAs ({@code claimMapper} name {@code namespaceCertificates}): a certificate
   * accepted by a namespace (its CAs, its filters, mTLS auth on) holds {@link Role#WRITER} there.
   */
  public ClaimMapper namespaceCertificateMapper() {
    return certificates;
  }

  /**
   * {@code authorizer}, refusing before it every namespace-scoped decision (the call's namespace and each other
   * namespace the request reaches into) on API-key claims in a namespace that does not have API-key auth on, or
   * that the store does not hold. So an Owner's key (system admin) is refused there too.
   */
  public Authorizer guard(Authorizer authorizer) {
    return new Guard(Objects.requireNonNull(authorizer));
  }

  /**
   * The namespace a connection made to {@code serverName} is bound to, or {@code null} when it is not a namespace
   * endpoint. A namespace of the store matches case-insensitively (SNI names are); an unknown one binds to the lower
   * case label, which matches no other namespace.
   */
  public String endpointNamespace(String serverName) {
    IdentityDirectory d = directory;
    String label = d.trust.endpointNamespace(serverName);
    if (label == null) {
      return null;
    }
    return d.endpointNames.getOrDefault(label, label);
  }

  /** The namespace CAs the frontend trusts, for {@code FrontendTls}. */
  public NamespaceTrust trust() {
    return directory.trust;
  }

  /** Calls {@code listener} with the namespace CAs after every change (on this object's thread). */
  public void onTrustChange(Consumer<NamespaceTrust> listener) {
    trustListeners.add(Objects.requireNonNull(listener));
  }

  /** The store version the directory in force was read at. */
  public long version() {
    return directory.version;
  }

  /**
   * Waits until the directory in force is at least at {@code version} (for tests and tools; never on an event loop).
   *
   * @throws TimeoutException when it is not within {@code timeout}
   */
  public void awaitVersion(long version, Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (versionMonitor) {
      while (directory.version < version) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("store identities at version " + directory.version + ", not " + version);
        }
        TimeUnit.NANOSECONDS.timedWait(versionMonitor, left);
      }
    }
  }

  /** Reads the store's changes now, on the caller's thread (for tests and tools). */
  public void refreshNow() {
    refresh();
  }

  private void refreshSoon() {
    if (refreshQueued.compareAndSet(false, true)) {
      try {
        worker.execute(() -> {
          refreshQueued.set(false);
          if (!refresh()) {
            worker.schedule(this::refreshSoon, RETRY.toMillis(), TimeUnit.MILLISECONDS);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        refreshQueued.set(false);
      }
    }
  }

  private synchronized boolean refresh() {
    IdentityDirectory current = directory;
    IdentityDirectory next;
    try {
      StoreChanges changes = store.changesSince(current.version);
      if (changes.complete() && changes.upserted().isEmpty() && changes.deleted().isEmpty()
          && changes.to() <= current.version) {
        return true;
      }
      next = changes.complete()
          ? current.apply(changes, namespaceDomain)
          : IdentityDirectory.of(store.snapshot(), namespaceDomain, current);
    } catch (RuntimeException e) {
      log.warn("store identities not refreshed, keeping version {}: {}", current.version, e.getMessage());
      if (refreshFailures != null) {
        refreshFailures.increment();
      }
      return false;
    }
    directory = next;
    if (next.trust != current.trust) {
      for (Consumer<NamespaceTrust> l : trustListeners) {
        try {
          l.accept(next.trust);
        } catch (RuntimeException e) {
          log.warn("namespace CA listener failed: {}", e.getClass().getName());
        }
      }
    }
    // Waiters see the version once the handshake trusts what it says too.
    synchronized (versionMonitor) {
      versionMonitor.notifyAll();
    }
    log.debug("store identities at version {}", next.version);
    return true;
  }

  private static dev.gatehouse.store.NamespacePermission used(ApiMethod.Access access) {
    return switch (access) {
      case READ -> dev.gatehouse.store.NamespacePermission.READ;
      case WRITE -> dev.gatehouse.store.NamespacePermission.WRITE;
      case ADMIN -> dev.gatehouse.store.NamespacePermission.ADMIN;
    };
  }

  private void flushAccessUses() {
    Instant now = context.clock().instant();
    for (String key : List.copyOf(accessUses.keySet())) {
      dev.gatehouse.store.NamespacePermission p = accessUses.remove(key);
      int nl = key.indexOf('\n');
      if (p == null || nl < 0) {
        continue;
      }
      try {
        store.recordAccessUse(key.substring(0, nl), key.substring(nl + 1), p, now);
      } catch (RuntimeException e) {
        log.debug("access use not recorded: {}", e.getClass().getName());
      }
    }
  }

  private void flushUses() {
    flushAccessUses();
    if (uses.isEmpty()) {
      return;
    }
    for (String id : List.copyOf(uses.keySet())) {
      Long at = uses.remove(id);
      if (at == null) {
        continue;
      }
      try {
        store.recordApiKeyUse(id, Instant.ofEpochMilli(at));
      } catch (RuntimeException e) {
        log.debug("API key use not recorded: {}", e.getClass().getName());
      }
    }
  }

  /** Stops following the store and records the last key uses; does not close the store. */
  @Override
  public void close() {
    AutoCloseable s = subscription;
    if (s != null) {
      try {
        s.close();
      } catch (Exception e) {
        log.debug("store subscription close failed: {}", e.getClass().getName());
      }
    }
    worker.shutdownNow();
    flushUses();
  }

  @Override
  public String toString() {
    return "StoreIdentities[version " + directory.version + "]";
  }

  private final class Guard implements Authorizer {
    private final Authorizer inner;

    Guard(Authorizer inner) {
      this.inner = inner;
    }

    @Override
    public Decision authorize(Claims claims, CallTarget target) {
      if (target.method().scope() == ApiMethod.Scope.NAMESPACE
          && claims.extensions().containsKey(StoreClaims.API_KEY_ID)) {
        IdentityDirectory.NamespacePolicy p = directory.policies.get(target.namespace());
        if (p == null || !p.namespace().apiKeyAuth()) {
          return Decision.deny("API keys are not accepted in namespace " + target.namespace());
        }
      }
      Decision d = inner.authorize(claims, target);
      if (d.allowed() && target.method().scope() == ApiMethod.Scope.NAMESPACE && target.namespace() != null) {
        Object principal = claims.extensions().get(StoreClaims.PRINCIPAL_ID);
        if (principal instanceof String id && accessUses.size() < 100_000) {
          // A map update per allowed call; the store writes only rises (access reviews: "wider than used").
          accessUses.merge(id + '\n' + target.namespace(), used(target.method().access()),
              dev.gatehouse.store.NamespacePermission::max);
        }
      }
      return d;
    }

    @Override
    public boolean admitsAnonymous() {
      return inner.admitsAnonymous();
    }

    @Override
    public void close() {
      inner.close();
    }

    @Override
    public String toString() {
      return inner.toString();
    }
  }
}
