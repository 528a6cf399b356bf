package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.MutableClock;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.store.CertificateFilter;
import dev.gatehouse.store.InMemoryAccountStore;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.NamespaceTrust;
import dev.gatehouse.tls.PeerCertificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link StoreIdentities}: API keys, roles from users, groups and service accounts, namespace CAs, endpoints. */
class StoreIdentitiesTest {
  private static final String WF = "/temporal.api.workflowservice.v1.WorkflowService/";
  private static final CertificateAuthority CA_A =
      CertificateAuthority.create("Orders Clients CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
  private static final CertificateAuthority CA_B =
      CertificateAuthority.create("Billing Clients CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));

  private final InMemoryAccountStore store = new InMemoryAccountStore();
  private final MutableClock clock = new MutableClock(Instant.now());
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private ApiKeySecrets secrets;
  private StoreIdentities ids;

  @BeforeEach
  void setUp() {
    secrets = ApiKeySecrets.forStore(store);
    store.namespaces().create(namespace("orders", CA_A.certificatePem(), true, true));
    store.namespaces().create(namespace("billing", CA_B.certificatePem(), true, true));
    store.namespaces().create(namespace("legacy", "", false, false));
  }

  @AfterEach
  void tearDown() {
    if (ids != null) {
      ids.close();
    }
    store.close();
    scheduler.shutdownNow();
  }

  private static Namespace namespace(String name, String ca, boolean mtls, boolean apiKeys,
      CertificateFilter... filters) {
    return new Namespace(name, ca, List.of(filters), mtls, apiKeys, null, 30, null);
  }

  private StoreIdentities start() {
    ids = StoreIdentities.start(store, secrets,
        PluginContext.builder(null).scheduler(scheduler).clock(clock).build(), "ns.example.com");
    return ids;
  }

  /** Waits (no sleep) until the identities have read everything the store holds. */
  private void caughtUp() throws Exception {
    ids.awaitVersion(store.version(), Duration.ofSeconds(5));
  }

  private ServiceAccount serviceAccount(String id, Access access) {
    return store.serviceAccounts().create(new ServiceAccount(id, id + "-name", "", access, null, null, null));
  }

  private String key(String ownerId, OwnerType type, Instant expiry) {
    ApiKeySecrets.NewApiKey k = secrets.generate(ApiKeySecrets.newKeyId());
    store.createApiKey(new ApiKey(k.keyId(), ownerId, type, "k", "", expiry, false, null, null), k.secretHash());
    return k.token();
  }

  private String key(String ownerId) {
    return key(ownerId, OwnerType.SERVICE_ACCOUNT, clock.instant().plus(Duration.ofDays(30)));
  }

  private static AuthInfo bearer(String token) {
    return new AuthInfo("Bearer " + token, null, null, null, null);
  }

  private static Access access(AccountRole role, Map<String, NamespacePermission> ns) {
    return new Access(role, ns);
  }

  // --- access uses (for access reviews) ---

  @Test
  void allowedNamespaceCallsRecordTheHighestAccessClassUsedAndDeniedOnesNothing() throws Exception {
    serviceAccount("sa-1", access(AccountRole.DEVELOPER, Map.of("orders", NamespacePermission.ADMIN)));
    String token = key("sa-1");
    start();
    caughtUp();
    Claims c = ids.apiKeyMapper().getClaims(bearer(token));
    Authorizer allowAll = (claims, target) -> Decision.allow();
    Authorizer denyAll = (claims, target) -> Decision.deny("no");
    ids.guard(allowAll).authorize(c, CallTarget.of(WF + "DescribeNamespace", "orders"));
    ids.guard(allowAll).authorize(c, CallTarget.of(WF + "StartWorkflowExecution", "orders"));
    ids.guard(denyAll).authorize(c, CallTarget.of(WF + "DeleteWorkflowExecution", "orders"));
    ids.guard(denyAll).authorize(c, CallTarget.of(WF + "StartWorkflowExecution", "billing"));
    ids.close();
    ids = null;
    assertThat(store.accessUses()).isEqualTo(Map.of("sa-1", Map.of("orders", NamespacePermission.WRITE)));
  }

  // --- API keys ---

  @Test
  void anApiKeyIdentifiesItsServiceAccountWithItsPermissions() throws Exception {
    serviceAccount("sa-1", access(AccountRole.DEVELOPER, Map.of("orders", NamespacePermission.WRITE,
        "billing", NamespacePermission.READ)));
    String token = key("sa-1");
    start();
    Claims c = ids.apiKeyMapper().getClaims(bearer(token));
    assertThat(c.subject()).isEqualTo("sa-1");
    assertThat(c.authType()).isEqualTo("api-key");
    assertThat(c.system()).isEqualTo(Role.UNDEFINED);
    assertThat(c.namespaces()).containsExactlyInAnyOrderEntriesOf(Map.of("orders", Role.WRITER, "billing",
        Role.READER));
    assertThat(c.extensions()).containsEntry(StoreClaims.PRINCIPAL_TYPE, "service-account")
        .containsEntry(StoreClaims.PRINCIPAL_ID, "sa-1")
        .containsEntry(StoreClaims.PRINCIPAL_NAME, "sa-1-name")
        .containsEntry(StoreClaims.ACCOUNT_ROLE, "DEVELOPER")
        .containsEntry(StoreClaims.API_KEY_ID, token.substring(4, 24))
        .containsEntry(StoreClaims.NAMESPACE_PERMISSIONS,
            Map.of("orders", NamespacePermission.WRITE, "billing", NamespacePermission.READ));
    assertThat(c.extensions().values()).noneMatch(v -> String.valueOf(v).contains(token.substring(25)));
  }

  @Test
  void theBearerSchemeIsCaseInsensitiveAndOtherTokensAreNotThisMappers() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1");
    start();
    ClaimMapper m = ids.apiKeyMapper();
    assertThat(m.getClaims(new AuthInfo("bearer " + token, null, null, null, null)).subject()).isEqualTo("sa-1");
    assertThat(m.getClaims(bearer("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig")).isAnonymous()).isTrue();
    assertThat(m.getClaims(new AuthInfo("Basic dXNlcjpwYXNz", null, null, null, null)).isAnonymous()).isTrue();
    assertThat(m.getClaims(AuthInfo.none()).isAnonymous()).isTrue();
    assertThat(m.getClaims(new AuthInfo(token, null, null, null, null)).isAnonymous()).isTrue();
  }

  @Test
  void malformedUnknownAndWrongSecretKeysAreRefused() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1");
    start();
    ClaimMapper m = ids.apiKeyMapper();
    for (String bad : List.of("ghk_", "ghk_short", token + "x", token.substring(0, token.length() - 1) + "!",
        token.replace('_', '-').replaceFirst("ghk-", "ghk_"), "ghk_" + "A".repeat(20) + token.substring(24))) {
      assertThatThrownBy(() -> m.getClaims(bearer(bad))).as(bad)
          .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.MALFORMED);
    }
    String unknown = secrets.generate(ApiKeySecrets.newKeyId()).token();
    assertThatThrownBy(() -> m.getClaims(bearer(unknown)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.INVALID);
    String otherSecret = token.substring(0, 25) + secrets.generate(token.substring(4, 24)).token().substring(25);
    assertThatThrownBy(() -> m.getClaims(bearer(otherSecret)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.INVALID)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(otherSecret.substring(25)));
  }

  @Test
  void hostileBearerValuesAreRefusedOrIgnoredWithoutOtherFailuresOrEchoes() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1");
    start();
    java.util.Random random = new java.util.Random(42);
    String alphabet = "ghk_-+/=!\u0000\u00e9\u2603 AZaz09";
    for (int i = 0; i < 5_000; i++) {
      StringBuilder b = new StringBuilder(random.nextBoolean() ? "ghk_" : "");
      int n = random.nextInt(i % 100 == 0 ? 20_000 : 80);
      for (int j = 0; j < n; j++) {
        b.append(random.nextInt(4) == 0 ? token.charAt(random.nextInt(token.length()))
            : alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String value = b.toString();
      try {
        Claims c = ids.apiKeyMapper().getClaims(bearer(value));
        assertThat(c.isAnonymous()).as(value).isTrue();
      } catch (AuthenticationException e) {
        assertThat(e.getMessage()).isIn(ApiKeyMapper.MALFORMED, ApiKeyMapper.INVALID);
      }
    }
  }

  @Test
  void aKeyDisabledOrDeletedIsRefusedFromTheNextCall() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1");
    String keyId = token.substring(4, 24);
    start();
    assertThat(ids.apiKeyMapper().getClaims(bearer(token)).subject()).isEqualTo("sa-1");
    ApiKey k = store.apiKeys().get(keyId).orElseThrow();
    store.apiKeys().update(new ApiKey(k.id(), k.ownerId(), k.ownerType(), k.displayName(), k.description(),
        k.expiry(), true, null, null), null);
    caughtUp();
    assertThatThrownBy(() -> ids.apiKeyMapper().getClaims(bearer(token)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.DISABLED);
    store.apiKeys().delete(keyId, null);
    caughtUp();
    assertThatThrownBy(() -> ids.apiKeyMapper().getClaims(bearer(token)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.INVALID);
  }

  @Test
  void anExpiredKeyIsRefusedByTheContextsClock() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1", OwnerType.SERVICE_ACCOUNT, clock.instant().plus(Duration.ofHours(1)));
    start();
    assertThat(ids.apiKeyMapper().getClaims(bearer(token)).subject()).isEqualTo("sa-1");
    clock.advance(Duration.ofHours(1));
    assertThatThrownBy(() -> ids.apiKeyMapper().getClaims(bearer(token)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.EXPIRED);
  }

  @Test
  void aKeyWhoseOwnerIsDeletedIsRefused() throws Exception {
    store.users().create(new User("u-1", "ann@example.com", access(AccountRole.DEVELOPER,
        Map.of("orders", NamespacePermission.WRITE)), null));
    String token = key("u-1", OwnerType.USER, clock.instant().plus(Duration.ofDays(1)));
    // A key claiming the wrong owner type does not borrow a namesake's access.
    serviceAccount("sa-x", access(AccountRole.NONE, Map.of()));
    String mistyped = key("u-1", OwnerType.SERVICE_ACCOUNT, clock.instant().plus(Duration.ofDays(1)));
    start();
    assertThat(ids.apiKeyMapper().getClaims(bearer(token)).extensions())
        .containsEntry(StoreClaims.PRINCIPAL_TYPE, "user").containsEntry(StoreClaims.PRINCIPAL_NAME, "ann@example.com");
    assertThatThrownBy(() -> ids.apiKeyMapper().getClaims(bearer(mistyped)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.OWNER_GONE);
    store.users().delete("u-1", null);
    caughtUp();
    assertThatThrownBy(() -> ids.apiKeyMapper().getClaims(bearer(token)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.OWNER_GONE);
  }

  @Test
  void aNamespaceWithApiKeyAuthOffGetsNoRoleFromAKeyEvenAnOwners() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE,
        "legacy", NamespacePermission.ADMIN, "unmanaged", NamespacePermission.ADMIN)));
    store.users().create(new User("owner", "o@example.com", access(AccountRole.OWNER, Map.of()), null));
    String saKey = key("sa-1");
    String ownerKey = key("owner", OwnerType.USER, clock.instant().plus(Duration.ofDays(1)));
    start();
    Claims sa = ids.apiKeyMapper().getClaims(bearer(saKey));
    assertThat(sa.namespaces()).containsOnlyKeys("orders");

    try (AccessController ac = controller("noop")) {
      assertThat(ac.check(bearer(saKey), WF + "StartWorkflowExecution", "orders", null).allowed()).isTrue();
      assertThat(ac.check(bearer(saKey), WF + "StartWorkflowExecution", "legacy", null).outcome())
          .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      assertThat(ac.check(bearer(ownerKey), WF + "UpdateNamespace", "orders", null).allowed()).isTrue();
      assertThat(ac.check(bearer(ownerKey), WF + "UpdateNamespace", "legacy", null).outcome())
          .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      assertThat(ac.check(bearer(ownerKey), WF + "StartWorkflowExecution", "unmanaged", null).outcome())
          .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      assertThat(ac.check(bearer(ownerKey), WF + "GetClusterInfo", "", null).allowed()).isTrue();
    }
    // Turning API-key auth on takes effect on the next call.
    store.namespaces().update(namespace("legacy", "", false, true), null);
    caughtUp();
    try (AccessController ac = controller("noop")) {
      assertThat(ac.check(bearer(saKey), WF + "StartWorkflowExecution", "legacy", null).allowed()).isTrue();
    }
  }

  private AccessController controller(String claimMapper) {
    AuthConfig c = new AuthConfig();
    c.claimMapper = claimMapper;
    return AccessController.builder(c.build()).scheduler(scheduler).storeIdentities(ids).build();
  }

  @Test
  void keyUsesAreRecordedOffTheCallPath() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1");
    start();
    ids.apiKeyMapper().getClaims(bearer(token));
    assertThat(store.lastUse(token.substring(4, 24))).isEmpty();
    ids.close();
    assertThat(store.lastUse(token.substring(4, 24))).contains(clock.instant().truncatedTo(
        java.time.temporal.ChronoUnit.MILLIS));
    ids = null;
  }

  // --- roles ---

  @Test
  void aUsersGroupsAddAccessAndTheMostPermissiveWins() throws Exception {
    store.users().create(new User("u-1", "ann@example.com", access(AccountRole.READ,
        Map.of("orders", NamespacePermission.READ, "billing", NamespacePermission.ADMIN)), null));
    store.users().create(new User("u-2", "bob@example.com", access(AccountRole.NONE, Map.of()), null));
    store.userGroups().create(new UserGroup("g-1", "devs", access(AccountRole.DEVELOPER,
        Map.of("orders", NamespacePermission.WRITE, "billing", NamespacePermission.READ)), Set.of("u-1"), null));
    store.userGroups().create(new UserGroup("g-2", "ops", access(AccountRole.NONE,
        Map.of("orders", NamespacePermission.ADMIN)), Set.of("u-2"), null));
    String ann = key("u-1", OwnerType.USER, clock.instant().plus(Duration.ofDays(1)));
    String bob = key("u-2", OwnerType.USER, clock.instant().plus(Duration.ofDays(1)));
    start();
    Claims a = ids.apiKeyMapper().getClaims(bearer(ann));
    assertThat(a.namespaces()).containsExactlyInAnyOrderEntriesOf(Map.of("orders", Role.WRITER, "billing", Role.ADMIN));
    assertThat(a.extensions()).containsEntry(StoreClaims.ACCOUNT_ROLE, "DEVELOPER");
    assertThat(a.system()).isEqualTo(Role.UNDEFINED);
    assertThat(ids.apiKeyMapper().getClaims(bearer(bob)).namespaces()).isEqualTo(Map.of("orders", Role.ADMIN));

    // Leaving a group takes its access away on the next call.
    store.userGroups().update(new UserGroup("g-2", "ops", access(AccountRole.NONE,
        Map.of("orders", NamespacePermission.ADMIN)), Set.of(), null), null);
    caughtUp();
    assertThat(ids.apiKeyMapper().getClaims(bearer(bob)).namespaces()).isEmpty();
  }

  @Test
  void ownersAndGlobalAdminsAreAdminEverywhereOthersAreNot() throws Exception {
    store.users().create(new User("owner", "o@example.com", access(AccountRole.OWNER, Map.of()), null));
    store.users().create(new User("dev", "d@example.com", access(AccountRole.DEVELOPER, Map.of()), null));
    store.users().create(new User("viaGroup", "g@example.com", access(AccountRole.READ, Map.of()), null));
    store.userGroups().create(new UserGroup("admins", "admins", access(AccountRole.ADMIN, Map.of()),
        Set.of("viaGroup"), null));
    serviceAccount("sa-admin", access(AccountRole.ADMIN, Map.of()));
    Instant exp = clock.instant().plus(Duration.ofDays(1));
    String owner = key("owner", OwnerType.USER, exp);
    String dev = key("dev", OwnerType.USER, exp);
    String viaGroup = key("viaGroup", OwnerType.USER, exp);
    String saAdmin = key("sa-admin");
    start();
    assertThat(ids.apiKeyMapper().getClaims(bearer(owner)).system()).isEqualTo(Role.ADMIN);
    assertThat(ids.apiKeyMapper().getClaims(bearer(owner)).extensions())
        .containsEntry(StoreClaims.ACCOUNT_ROLE, "OWNER");
    assertThat(ids.apiKeyMapper().getClaims(bearer(viaGroup)).system()).isEqualTo(Role.ADMIN);
    assertThat(ids.apiKeyMapper().getClaims(bearer(viaGroup)).extensions())
        .containsEntry(StoreClaims.ACCOUNT_ROLE, "ADMIN");
    assertThat(ids.apiKeyMapper().getClaims(bearer(saAdmin)).system()).isEqualTo(Role.ADMIN);
    assertThat(ids.apiKeyMapper().getClaims(bearer(dev)).system()).isEqualTo(Role.UNDEFINED);
  }

  @Test
  void aNamespaceScopedServiceAccountHoldsOnlyItsNamespace() throws Exception {
    // Even with account-wide access set by mistake, a scoped account holds only its one namespace.
    store.serviceAccounts().create(new ServiceAccount("sa-scoped", "scoped", "", access(AccountRole.ADMIN,
        Map.of("billing", NamespacePermission.ADMIN)), "orders", NamespacePermission.READ, null));
    String token = key("sa-scoped");
    start();
    Claims c = ids.apiKeyMapper().getClaims(bearer(token));
    assertThat(c.namespaces()).isEqualTo(Map.of("orders", Role.READER));
    assertThat(c.system()).isEqualTo(Role.UNDEFINED);
    assertThat(c.extensions()).containsEntry(StoreClaims.ACCOUNT_ROLE, "NONE")
        .containsEntry(StoreClaims.NAMESPACE_PERMISSIONS, Map.of("orders", NamespacePermission.READ));
  }

  // --- namespace certificates ---

  private static AuthInfo cert(List<java.security.cert.X509Certificate> chain) {
    return new AuthInfo(null, null, PeerCertificate.of(chain), null, null);
  }

  @Test
  void aCertificateFromACsCaIsAcceptedInAAndNotInB() throws Exception {
    start();
    Claims c = ids.namespaceCertificateMapper().getClaims(
        cert(CA_A.leaf("worker.orders").clientAuth().issue().chain()));
    assertThat(c.namespaces()).isEqualTo(Map.of("orders", Role.WRITER));
    assertThat(c.authType()).isEqualTo("mtls");
    assertThat(c.subject()).contains("CN=worker.orders");

    // Through an intermediate the client presents.
    CertificateAuthority issuing = CA_A.issueIntermediate("Orders Issuing CA", Duration.ofDays(10));
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(issuing.leaf("w2").clientAuth().issue().chain()))
        .namespaces()).isEqualTo(Map.of("orders", Role.WRITER));

    // A CA no namespace accepts, and a server-only certificate, identify no one here.
    CertificateAuthority other = CertificateAuthority.create("Orders Clients CA",
        CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(other.leaf("w").clientAuth().issue().chain()))
        .isAnonymous()).isTrue();
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(CA_A.leaf("w").serverAuth().issue().chain()))
        .isAnonymous()).isTrue();
  }

  @Test
  void certificateFiltersFollowCloudsRules() throws Exception {
    store.namespaces().update(namespace("orders", CA_A.certificatePem(), true, true,
        new CertificateFilter("worker-*", null, null, null),
        new CertificateFilter(null, "Acme", "payments", null)), null);
    start();
    ClaimMapper m = ids.namespaceCertificateMapper();
    assertThat(m.getClaims(cert(CA_A.leaf("worker-1").clientAuth().issue().chain())).namespaces())
        .containsOnlyKeys("orders");
    assertThat(m.getClaims(cert(CA_A.leaf("other").organizations("Acme").organizationalUnits("payments")
        .clientAuth().issue().chain())).namespaces()).containsOnlyKeys("orders");
    assertThat(m.getClaims(cert(CA_A.leaf("other").organizations("Acme").clientAuth().issue().chain()))
        .isAnonymous()).isTrue();
    assertThat(m.getClaims(cert(CA_A.leaf("Worker-1").clientAuth().issue().chain())).isAnonymous()).isTrue();
  }

  @Test
  void aRemovedCaAndMtlsOffAreRefusedFromTheNextCall() throws Exception {
    start();
    List<java.security.cert.X509Certificate> chain = CA_A.leaf("worker").clientAuth().issue().chain();
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(chain)).namespaces()).containsOnlyKeys("orders");
    store.namespaces().update(namespace("orders", CA_B.certificatePem(), true, true), null);
    caughtUp();
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(chain)).isAnonymous()).isTrue();
    List<java.security.cert.X509Certificate> b = CA_B.leaf("worker").clientAuth().issue().chain();
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(b)).namespaces()).containsOnlyKeys("orders", "billing");
    store.namespaces().update(namespace("billing", CA_B.certificatePem(), false, true), null);
    caughtUp();
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(b)).namespaces()).containsOnlyKeys("orders");
  }

  @Test
  void aCertificateStopsCountingWhenACaOnItsPathExpiresWithoutAStoreChange() throws Exception {
    Instant now = clock.instant();
    CertificateAuthority shortLived = CertificateAuthority.create("Short CA", CertificateAuthority.KeyType.EC_P256,
        now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)));
    store.namespaces().create(namespace("short", shortLived.certificatePem(), true, true));
    start();
    List<java.security.cert.X509Certificate> chain = shortLived.leaf("w").clientAuth()
        .validity(now.minus(Duration.ofMinutes(30)), now.plus(Duration.ofHours(3))).issue().chain();
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(chain)).namespaces()).containsOnlyKeys("short");
    clock.advance(Duration.ofHours(2));
    assertThat(ids.namespaceCertificateMapper().getClaims(cert(chain)).isAnonymous()).isTrue();
  }

  @Test
  void theTrustUnionFollowsTheNamespaces() throws Exception {
    start();
    List<NamespaceTrust> published = new java.util.concurrent.CopyOnWriteArrayList<>();
    ids.onTrustChange(published::add);
    assertThat(ids.trust().union().certificates()).containsExactlyInAnyOrder(CA_A.certificate(), CA_B.certificate());
    assertThat(ids.trust().endpoints()).containsOnlyKeys("orders", "billing");
    store.namespaces().delete("billing", null);
    caughtUp();
    assertThat(ids.trust().union().certificates()).containsExactly(CA_A.certificate());
    assertThat(published).isNotEmpty();
    assertThat(published.get(published.size() - 1).union().certificates()).containsExactly(CA_A.certificate());
  }

  @Test
  void aCompactedChangeLogIsReadAsANewSnapshot() throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1");
    start();
    store.serviceAccounts().delete("sa-1", null);
    store.compact();
    ids.refreshNow();
    assertThat(ids.version()).isEqualTo(store.version());
    assertThatThrownBy(() -> ids.apiKeyMapper().getClaims(bearer(token)))
        .isInstanceOf(AuthenticationException.class).hasMessage(ApiKeyMapper.OWNER_GONE);
  }

  // --- namespace endpoints ---

  @Test
  void onANamespaceEndpointACallerHoldsRolesOnlyInThatNamespace() throws Exception {
    store.users().create(new User("owner", "o@example.com", access(AccountRole.OWNER, Map.of()), null));
    String owner = key("owner", OwnerType.USER, clock.instant().plus(Duration.ofDays(1)));
    start();
    assertThat(ids.endpointNamespace("orders.ns.example.com")).isEqualTo("orders");
    assertThat(ids.endpointNamespace("ORDERS.ns.example.com.")).isEqualTo("orders");
    assertThat(ids.endpointNamespace("gateway.example.com")).isNull();
    assertThat(ids.endpointNamespace("ns.example.com")).isNull();
    AuthInfo onOrders = new AuthInfo("Bearer " + owner, null, null, null, null, "orders.ns.example.com");
    try (AccessController ac = controller("noop")) {
      assertThat(ac.check(onOrders, WF + "StartWorkflowExecution", "orders", null).allowed()).isTrue();
      AccessCheck other = ac.check(onOrders, WF + "StartWorkflowExecution", "billing", null);
      assertThat(other.outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      assertThat(other.message()).isEqualTo(AccessController.REQUEST_UNAUTHORIZED);
      assertThat(ac.check(onOrders, WF + "GetClusterInfo", "", null).outcome())
          .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      assertThat(ac.check(onOrders, WF + "GetSystemInfo", "", null).allowed()).isTrue();
      // An unknown namespace's endpoint binds to its own name and reaches nothing else.
      AuthInfo onUnknown = new AuthInfo("Bearer " + owner, null, null, null, null, "nope.ns.example.com");
      assertThat(ac.check(onUnknown, WF + "StartWorkflowExecution", "orders", null).outcome())
          .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      // Off the endpoints, the owner is admin everywhere the keys are accepted.
      assertThat(ac.check(bearer(owner), WF + "StartWorkflowExecution", "billing", null).allowed()).isTrue();
    }
  }

  @Test
  void byDefaultAnApiKeyIsAskedFirstAndAJwtStillWorks(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    serviceAccount("sa-1", access(AccountRole.NONE, Map.of("orders", NamespacePermission.WRITE)));
    String token = key("sa-1");
    start();
    try (Fixture f = new Fixture(dir, c -> c.claimMapper = "default", b -> b.storeIdentities(ids))) {
      assertThat(f.check(bearer(token), WF + "StartWorkflowExecution", "orders").allowed()).isTrue();
      AccessCheck jwt = f.check(Fixture.bearer(Fixture.token("alice", "billing:write")), WF + "StartWorkflowExecution",
          "billing");
      assertThat(jwt.allowed()).isTrue();
      assertThat(jwt.claims().authType()).isEqualTo("jwt");
      // A refused key does not fall through to the JWT mapper; a bad JWT is refused as before.
      String unknown = secrets.generate(ApiKeySecrets.newKeyId()).token();
      assertThat(f.check(bearer(unknown), WF + "StartWorkflowExecution", "orders").outcome())
          .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
      assertThat(f.check(bearer("eyJhbGciOiJFUzI1NiJ9.e30.bad"), WF + "StartWorkflowExecution", "orders").outcome())
          .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    }
  }

  private ClaimMapper resolved(String claimMapper, StoreIdentities identities) {
    AuthConfig c = new AuthConfig();
    c.claimMapper = claimMapper;
    return Plugins.claimMapper(PluginContext.builder(c.build()).scheduler(scheduler).build(),
        getClass().getClassLoader(), identities);
  }

  @Test
  void storeMapperNamesNeedAStoreAndCompose() {
    AuthConfig c = new AuthConfig();
    c.claimMapper = "apiKey, noop";
    assertThatThrownBy(() -> AccessController.builder(c.build()).scheduler(scheduler).build())
        .hasMessageContaining("global.authorization.claimMapper");
    c.claimMapper = "apiKey";
    assertThatThrownBy(() -> AccessController.builder(c.build()).scheduler(scheduler).build())
        .hasMessageContaining("store");
    start();
    c.claimMapper = "namespaceCertificates, apiKey";
    try (AccessController ac = AccessController.builder(c.build()).scheduler(scheduler).storeIdentities(ids).build()) {
      assertThat(ac.check(cert(CA_A.leaf("w").clientAuth().issue().chain()), WF + "StartWorkflowExecution",
          "orders", null).allowed()).isTrue();
    }
    c.claimMapper = "apiKey, ";
    assertThatThrownBy(() -> AccessController.builder(c.build()).scheduler(scheduler).storeIdentities(ids).build())
        .hasMessageContaining("global.authorization.claimMapper");
    c.claimMapper = "mtls, mtls";
    assertThatThrownBy(() -> AccessController.builder(c.build()).scheduler(scheduler).storeIdentities(ids).build())
        .hasMessageContaining("global.authorization.claimMapper");
    c.claimMapper = "mtls+";
    assertThatThrownBy(() -> AccessController.builder(c.build()).scheduler(scheduler).storeIdentities(ids).build())
        .hasMessageContaining("global.authorization.claimMapper");
    // A value naming neither store mapper is asked after them; one naming them keeps its order.
    assertThat(resolved("mtls", ids)).hasToString("firstOf(apiKey, namespaceCertificates, mtls)");
    assertThat(resolved("mtls, apiKey", ids)).hasToString("firstOf(mtls, apiKey)");
    assertThat(resolved("mtls", null)).hasToString("mtls");
  }
}
