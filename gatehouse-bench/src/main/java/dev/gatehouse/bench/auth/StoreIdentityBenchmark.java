package dev.gatehouse.bench.auth;

import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.auth.StoreIdentities;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.Account;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.store.AsyncOperation;
import dev.gatehouse.store.Entities;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.StoreChanges;
import dev.gatehouse.store.StoreSnapshot;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.PeerCertificate;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-call authorization ({@link AccessController#check}: identify, authorize, metrics) with identities from the
 * store, 10,000 namespaces (each with its own client CA) and 100,000 API keys loaded, against static configuration
 * (a certificate rule of {@code global.authorization.certificateRules}) in the same run. The calls go to one
 * namespace among the 10,000; each API-key call verifies the key's keyed hash.
 *
 * <p>The heap the population takes (directory with parsed CAs, keys, principals) is printed at setup as
 * {@code population heap: ... MiB}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class StoreIdentityBenchmark {
  private static final String START = "/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution";

  @Param({"10000"})
  public int namespaces;

  @Param({"100000"})
  public int apiKeys;

  private ScheduledExecutorService scheduler;
  private StoreIdentities identities;
  private AccessController store;
  private AccessController statics;
  private AuthInfo keyCall;
  private AuthInfo storeCertCall;
  private AuthInfo staticCertCall;
  private String namespace;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    long before = usedHeap();
    int target = namespaces / 2;
    CertificateAuthority targetCa = null;
    List<Namespace> ns = new ArrayList<>(namespaces);
    for (int i = 0; i < namespaces; i++) {
      CertificateAuthority ca = CertificateAuthority.create("Namespace " + i + " CA",
          CertificateAuthority.KeyType.EC_P256, Duration.ofDays(2));
      if (i == target) {
        targetCa = ca;
      }
      ns.add(new Namespace("namespace-" + i, ca.certificatePem(), List.of(), true, true, null, 30, null));
    }
    PopulationStore population = new PopulationStore();
    ApiKeySecrets secrets = ApiKeySecrets.forStore(population);
    List<ServiceAccount> sas = new ArrayList<>(namespaces);
    for (int i = 0; i < namespaces; i++) {
      sas.add(new ServiceAccount("sa-" + i, "worker-" + i, "", new Access(AccountRole.NONE,
          Map.of("namespace-" + i, NamespacePermission.WRITE)), null, null, null));
    }
    List<ApiKey> keys = new ArrayList<>(apiKeys);
    Map<String, byte[]> hashes = new HashMap<>(apiKeys * 2);
    String token = null;
    Instant expiry = Instant.now().plus(Duration.ofDays(365));
    for (int i = 0; i < apiKeys; i++) {
      ApiKeySecrets.NewApiKey k = secrets.generate(ApiKeySecrets.newKeyId());
      int owner = i % namespaces;
      keys.add(new ApiKey(k.keyId(), "sa-" + owner, OwnerType.SERVICE_ACCOUNT, "key " + i, "", expiry, false, null,
          null));
      hashes.put(k.keyId(), k.secretHash());
      if (owner == target && token == null) {
        token = k.token();
      }
    }
    population.snapshot = new StoreSnapshot(1, ns, List.of(), List.of(), sas, keys, hashes);
    namespace = "namespace-" + target;

    PluginContext context = PluginContext.builder(Authorization.DEFAULT).scheduler(scheduler).build();
    identities = StoreIdentities.start(population, secrets, context);
    population.snapshot = null;
    ns = null;
    sas = null;
    keys = null;
    hashes = null;
    long after = usedHeap();
    System.out.printf("population heap: %.1f MiB (%d namespaces with a CA each, %d API keys, %d service accounts)%n",
        (after - before) / 1048576.0, namespaces, apiKeys, namespaces);

    Authorization noop = new Authorization(null, null, null, "default", "apiKey, namespaceCertificates", null, null,
        null);
    store = AccessController.builder(noop).scheduler(scheduler).storeIdentities(identities).build();
    keyCall = new AuthInfo("Bearer " + token, null, null, null, null);
    storeCertCall = new AuthInfo(null, null,
        PeerCertificate.of(targetCa.leaf("worker").clientAuth().issue().chain()), null, null);

    // Static configuration: the same namespace's CA as global.tls.frontend client CA and one certificate rule.
    String caData = Base64.getEncoder().encodeToString(targetCa.certificatePem().getBytes());
    RootTls tls = new RootTls(new GroupTls(new ServerTls(null, null, null, null, null, List.of(caData), false), null,
        null, null, null, null), null, null, null);
    Authorization rules = new Authorization(null, null, null, "default", "mtls", null, null, null,
        List.of(new CertificateRule("worker", null, null, null, Map.of(namespace, "write"), null)), false, false,
        null, null, null);
    statics = AccessController.builder(rules).scheduler(scheduler).tls(tls).build();
    staticCertCall = storeCertCall;
    check(store.check(keyCall, START, namespace, null));
    check(store.check(storeCertCall, START, namespace, null));
    check(statics.check(staticCertCall, START, namespace, null));
  }

  private static void check(AccessCheck c) {
    if (!c.allowed()) {
      throw new IllegalStateException("benchmark call refused: " + c.reason());
    }
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    statics.close();
    identities.close();
    scheduler.shutdownNow();
  }

  @Benchmark
  public AccessCheck staticCertificateRule() {
    return statics.check(staticCertCall, START, namespace, null);
  }

  @Benchmark
  public AccessCheck storeApiKey() {
    return store.check(keyCall, START, namespace, null);
  }

  @Benchmark
  public AccessCheck storeNamespaceCertificate() {
    return store.check(storeCertCall, START, namespace, null);
  }

  /** A store that only hands out one snapshot: the data plane reads nothing else per call. */
  static final class PopulationStore implements AccountStore {
    volatile StoreSnapshot snapshot;
    private final Map<String, byte[]> secrets = new HashMap<>();

    @Override
    public StoreSnapshot snapshot() {
      return snapshot;
    }

    @Override
    public StoreChanges changesSince(long version) {
      return new StoreChanges(version, 1, List.of(), Map.of(), Map.of(), true);
    }

    @Override
    public long version() {
      return 1;
    }

    @Override
    public AutoCloseable onChange(LongConsumer listener) {
      return () -> {};
    }

    @Override
    public synchronized void putSecret(String name, byte[] plaintext) {
      secrets.put(name, plaintext.clone());
    }

    @Override
    public synchronized Optional<byte[]> secret(String name) {
      return Optional.ofNullable(secrets.get(name));
    }

    @Override
    public void recordApiKeyUse(String keyId, Instant at) {}

    @Override
    public Optional<Account> account() {
      return Optional.empty();
    }

    @Override
    public Account initialise(String accountId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<Namespace> namespaces() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<User> users() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<UserGroup> userGroups() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<ServiceAccount> serviceAccounts() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<ApiKey> apiKeys() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<AsyncOperation> asyncOperations() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<dev.gatehouse.store.ElevatedGrant> elevatedGrants() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<dev.gatehouse.store.ReviewCampaign> reviewCampaigns() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Entities<dev.gatehouse.store.ReviewItem> reviewItems() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void recordAccessUse(String principalId, String namespace,
        dev.gatehouse.store.NamespacePermission used, java.time.Instant at) {}

    @Override
    public java.util.Map<String, java.util.Map<String, dev.gatehouse.store.NamespacePermission>> accessUses() {
      return java.util.Map.of();
    }

    @Override
    public ApiKey createApiKey(ApiKey key, byte[] secretHash) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<byte[]> apiKeySecretHash(String keyId) {
      return Optional.empty();
    }

    @Override
    public void close() {}
  }
}
