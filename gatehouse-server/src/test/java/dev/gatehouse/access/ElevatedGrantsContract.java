package dev.gatehouse.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.MutableClock;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.auth.Role;
import dev.gatehouse.auth.StoreClaims;
import dev.gatehouse.auth.StoreIdentities;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.store.ElevatedGrant;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ElevatedGrants} on a real store: every bad input refused with its reason and nothing changed, the
 * approval rules, auto-approval, revocation, and the data plane's view of a grant (by the clock, and on a second
 * replica within a second).
 */
abstract class ElevatedGrantsContract {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:00:00Z"));
  final List<GrantEvent> events = new CopyOnWriteArrayList<>();
  AccountStore store;
  ElevatedGrants grants;
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

  Claims owner;
  Claims developer;
  Claims ordersAdmin;
  Claims onCall;

  /** A new store; {@code second} opens the same one again (another replica). */
  abstract AccountStore store(Path dir, boolean second) throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    store = store(dir, false);
    store.initialise("acct");
    store.namespaces().create(new Namespace("payments", "", List.of(), false, true, null, 3, null));
    store.namespaces().create(new Namespace("orders", "", List.of(), false, true, null, 3, null));
    owner = user("owner", AccountRole.OWNER, Map.of());
    developer = user("dev", AccountRole.DEVELOPER, Map.of());
    ordersAdmin = user("orders-admin", AccountRole.DEVELOPER, Map.of("orders", NamespacePermission.ADMIN));
    onCall = user("on-call-1", AccountRole.DEVELOPER, Map.of());
    store.userGroups().create(new UserGroup("g1", "on-call", Access.NONE, Set.of("on-call-1"), null));
    ElevationPolicy policy = new ElevationPolicy(null, Duration.ofHours(24), Set.of("payments"),
        List.of(new ElevationPolicy.AutoApproval("on-call", Set.of("on-call"), Set.of("payments"),
            NamespacePermission.WRITE, Duration.ofHours(2))), true);
    grants = new ElevatedGrants(store, policy, clock, events::add);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
    scheduler.shutdownNow();
    store.close();
  }

  private Claims user(String id, AccountRole role, Map<String, NamespacePermission> perms) {
    store.users().create(new User(id, id + "@example.com", new Access(role, perms), null));
    return new Claims(id, Role.UNDEFINED, Map.of(), "api-key", Map.of(StoreClaims.PRINCIPAL_ID, id,
        StoreClaims.PRINCIPAL_TYPE, StoreClaims.USER, StoreClaims.ACCOUNT_ROLE, role.name()));
  }

  static ElevatedGrants.Request write(String ns, Duration d) {
    return new ElevatedGrants.Request(ns, NamespacePermission.WRITE, null, d, "hotfix PAY-7", "INC-1", false);
  }

  private void refused(Runnable op, GrantException.Reason reason, String message) {
    long version = store.version();
    int before = events.size();
    assertThatThrownBy(op::run).isInstanceOfSatisfying(GrantException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.getMessage()).contains(message);
    });
    assertThat(store.version()).as("nothing changed").isEqualTo(version);
    assertThat(events).hasSize(before);
  }

  @Test
  void badRequestsAreRefusedAndChangeNothing() {
    refused(() -> grants.request(developer, write("payments", Duration.ofHours(9))),
        GrantException.Reason.INVALID_ARGUMENT, "above the policy's maximum of 8h");
    refused(() -> grants.request(developer, write("payments", Duration.ofHours(8).plusSeconds(1))),
        GrantException.Reason.INVALID_ARGUMENT, "maximum");
    refused(() -> grants.request(developer, write("payments", Duration.ZERO)),
        GrantException.Reason.INVALID_ARGUMENT, "positive");
    refused(() -> grants.request(developer, write("payments", Duration.ofMinutes(-5))),
        GrantException.Reason.INVALID_ARGUMENT, "positive");
    refused(() -> grants.request(developer, write("payments", null)),
        GrantException.Reason.INVALID_ARGUMENT, "positive");
    refused(() -> grants.request(developer, write("nowhere", Duration.ofHours(1))),
        GrantException.Reason.NOT_FOUND, "namespace \"nowhere\" not found");
    refused(() -> grants.request(developer, new ElevatedGrants.Request("payments", NamespacePermission.WRITE, null,
        Duration.ofHours(1), "   ", "", false)), GrantException.Reason.INVALID_ARGUMENT, "justification");
    refused(() -> grants.request(developer, new ElevatedGrants.Request("payments", NamespacePermission.WRITE, null,
        Duration.ofHours(1), "x".repeat(1001), "", false)), GrantException.Reason.INVALID_ARGUMENT, "justification");
    refused(() -> grants.request(developer, new ElevatedGrants.Request(null, null, null, Duration.ofHours(1), "why",
        "", false)), GrantException.Reason.INVALID_ARGUMENT, "either");
    refused(() -> grants.request(developer, new ElevatedGrants.Request("payments", NamespacePermission.WRITE,
        AccountRole.ADMIN, Duration.ofHours(1), "why", "", false)), GrantException.Reason.INVALID_ARGUMENT, "either");
    refused(() -> grants.request(developer, new ElevatedGrants.Request(null, null, AccountRole.OWNER,
        Duration.ofHours(1), "why", "", false)), GrantException.Reason.INVALID_ARGUMENT, "standing role");
    Claims anonymous = Claims.anonymous();
    refused(() -> grants.request(anonymous, write("payments", Duration.ofHours(1))),
        GrantException.Reason.PERMISSION_DENIED, "Gatehouse user or service account");
  }

  @Test
  void aRequestIsDecidedOnceByAnotherPrincipalWithTheAuthority() {
    ElevatedGrant g = grants.request(developer, write("orders", Duration.ofHours(1)));
    assertThat(g.state()).isEqualTo(ElevatedGrant.State.REQUESTED);
    assertThat(events).extracting(GrantEvent::kind).containsExactly(GrantEvent.Kind.REQUESTED);

    refused(() -> grants.approve(developer, g.id(), ""), GrantException.Reason.PERMISSION_DENIED,
        "their own request");
    refused(() -> grants.approve(onCall, g.id(), ""), GrantException.Reason.PERMISSION_DENIED,
        "Namespace Admin of orders");
    refused(() -> grants.approve(ordersAdmin, "grant-nope", ""), GrantException.Reason.NOT_FOUND, "not found");

    ElevatedGrant active = grants.approve(ordersAdmin, g.id(), "ok");
    assertThat(active.state()).isEqualTo(ElevatedGrant.State.ACTIVE);
    assertThat(active.start()).isEqualTo(clock.instant());
    assertThat(active.expire()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    assertThat(active.decidedBy()).isEqualTo("orders-admin");

    refused(() -> grants.approve(owner, g.id(), ""), GrantException.Reason.FAILED_PRECONDITION, "is active");
    refused(() -> grants.deny(owner, g.id(), ""), GrantException.Reason.FAILED_PRECONDITION, "is active");

    ElevatedGrant other = grants.request(developer, write("orders", Duration.ofHours(1)));
    assertThat(grants.deny(owner, other.id(), "not now").state()).isEqualTo(ElevatedGrant.State.DENIED);
    refused(() -> grants.approve(owner, other.id(), ""), GrantException.Reason.FAILED_PRECONDITION, "is denied");
  }

  @Test
  void anExpiredRequestCannotBeApproved() {
    ElevatedGrant g = grants.request(developer, write("orders", Duration.ofHours(1)));
    clock.advance(Duration.ofHours(24));
    refused(() -> grants.approve(ordersAdmin, g.id(), ""), GrantException.Reason.FAILED_PRECONDITION,
        "is expired");
    assertThat(grants.expireDue()).isEqualTo(1);
    assertThat(store.elevatedGrants().get(g.id()).orElseThrow().state()).isEqualTo(ElevatedGrant.State.EXPIRED);
    assertThat(grants.expireDue()).isZero();
  }

  @Test
  void onCallIsApprovedByPolicyWithinItsRule() {
    ElevatedGrant g = grants.request(onCall, write("payments", Duration.ofHours(2)));
    assertThat(g.state()).isEqualTo(ElevatedGrant.State.ACTIVE);
    assertThat(g.decidedBy()).isEqualTo("policy:on-call");
    // Above the rule's duration, or Admin, or someone outside the group: a person decides.
    assertThat(grants.request(onCall, write("payments", Duration.ofHours(3))).state())
        .isEqualTo(ElevatedGrant.State.REQUESTED);
    assertThat(grants.request(onCall, new ElevatedGrants.Request("payments", NamespacePermission.ADMIN, null,
        Duration.ofHours(1), "why", "", false)).state()).isEqualTo(ElevatedGrant.State.REQUESTED);
    assertThat(grants.request(developer, write("payments", Duration.ofHours(1))).state())
        .isEqualTo(ElevatedGrant.State.REQUESTED);
    assertThat(events).extracting(GrantEvent::kind).startsWith(GrantEvent.Kind.AUTO_APPROVED);
  }

  @Test
  void revocationByTheRequesterOrAnApproverOnly() {
    ElevatedGrant g = grants.approve(ordersAdmin, grants.request(developer, write("orders", Duration.ofHours(1)))
        .id(), "");
    refused(() -> grants.revoke(onCall, g.id(), ""), GrantException.Reason.NOT_FOUND, "not found");
    assertThat(grants.revoke(ordersAdmin, g.id(), "done").state()).isEqualTo(ElevatedGrant.State.REVOKED);
    refused(() -> grants.revoke(developer, g.id(), ""), GrantException.Reason.FAILED_PRECONDITION, "revoked");

    ElevatedGrant h = grants.request(developer, write("orders", Duration.ofHours(1)).breakGlassed());
    assertThat(h.breakGlass()).isTrue();
    assertThat(h.state()).isEqualTo(ElevatedGrant.State.ACTIVE);
    clock.advance(Duration.ofHours(1));
    refused(() -> grants.revoke(developer, h.id(), ""), GrantException.Reason.FAILED_PRECONDITION, "expired");
  }

  @Test
  void theDataPlaneSeesAGrantUntilItsExpiryByTheClockAndOnASecondReplicaWithinASecond() throws Exception {
    String token = key("dev");
    StoreIdentities one = identities(store);
    AccountStore replicaStore = store(dir, true);
    closing.add(replicaStore);
    StoreIdentities two = identities(replicaStore);
    AuthInfo auth = new AuthInfo("Bearer " + token, null, null, null, null);
    assertThat(one.apiKeyMapper().getClaims(auth).namespaces()).doesNotContainKey("payments");

    ElevatedGrant g = grants.request(developer, write("payments", Duration.ofHours(1)));
    g = grants.approve(owner, g.id(), "");
    one.refreshNow();
    Claims claims = one.apiKeyMapper().getClaims(auth);
    assertThat(claims.namespaces().get("payments")).isEqualTo(Role.WRITER);
    assertThat(claims.extensions().get(StoreClaims.ELEVATED_GRANTS)).isEqualTo(Map.of("payments", g.id()));
    await().atMost(Duration.ofSeconds(1)).until(() ->
        Role.WRITER.equals(two.apiKeyMapper().getClaims(auth).namespaces().get("payments")));

    clock.advance(Duration.ofHours(1).minusMillis(1));
    assertThat(one.apiKeyMapper().getClaims(auth).namespaces().get("payments")).isEqualTo(Role.WRITER);
    clock.advance(Duration.ofMillis(1));
    // Expired by the clock, on both replicas, before the store says so.
    assertThat(one.apiKeyMapper().getClaims(auth).namespaces()).doesNotContainKey("payments");
    assertThat(two.apiKeyMapper().getClaims(auth).namespaces()).doesNotContainKey("payments");
    assertThat(one.apiKeyMapper().getClaims(auth).extensions()).doesNotContainKey(StoreClaims.ELEVATED_GRANTS);

    // Early revocation reaches the other replica within a second.
    clock.set(Instant.parse("2026-12-01T12:00:00Z"));
    ElevatedGrant second = grants.approve(owner, grants.request(developer, write("payments", Duration.ofHours(1)))
        .id(), "");
    await().atMost(Duration.ofSeconds(1)).until(() ->
        Role.WRITER.equals(two.apiKeyMapper().getClaims(auth).namespaces().get("payments")));
    grants.revoke(developer, second.id(), "done early");
    await().atMost(Duration.ofSeconds(1)).until(() ->
        !two.apiKeyMapper().getClaims(auth).namespaces().containsKey("payments"));
  }

  @Test
  void anAccountRoleGrantIsApprovedOnlyByARoleThatMayGrantItAndRaisesTheRoleWhileActive() throws Exception {
    String token = key("dev");
    StoreIdentities ids = identities(store);
    AuthInfo auth = new AuthInfo("Bearer " + token, null, null, null, null);
    ElevatedGrant g = grants.request(developer, new ElevatedGrants.Request(null, null, AccountRole.ADMIN,
        Duration.ofHours(2), "rotate every key after INC-5", "INC-5", false));
    refused(() -> grants.approve(ordersAdmin, g.id(), ""), GrantException.Reason.PERMISSION_DENIED,
        "may grant admin");
    grants.approve(owner, g.id(), "");
    ids.refreshNow();
    Claims claims = ids.apiKeyMapper().getClaims(auth);
    assertThat(claims.extensions().get(StoreClaims.ACCOUNT_ROLE)).isEqualTo("ADMIN");
    assertThat(claims.system()).isEqualTo(Role.ADMIN);
    assertThat(claims.extensions().get(StoreClaims.ELEVATED_GRANTS)).isEqualTo(Map.of("", g.id()));
    clock.advance(Duration.ofHours(2));
    claims = ids.apiKeyMapper().getClaims(auth);
    assertThat(claims.extensions().get(StoreClaims.ACCOUNT_ROLE)).isEqualTo("DEVELOPER");
    assertThat(claims.system()).isEqualTo(Role.UNDEFINED);
  }

  @Test
  void listShowsOwnGrantsAndThoseTheCallerMayDecideOn() {
    ElevatedGrant orders = grants.request(developer, write("orders", Duration.ofHours(1)));
    ElevatedGrant payments = grants.request(developer, write("payments", Duration.ofHours(1)));
    assertThat(grants.list(developer, "", "", null, 100)).extracting(ElevatedGrant::id)
        .containsExactlyInAnyOrder(orders.id(), payments.id());
    assertThat(grants.list(ordersAdmin, "", "", null, 100)).extracting(ElevatedGrant::id)
        .containsExactly(orders.id());
    assertThat(grants.list(onCall, "", "", null, 100)).isEmpty();
    assertThat(grants.list(owner, "", "payments", ElevatedGrant.State.REQUESTED, 100))
        .extracting(ElevatedGrant::id).containsExactly(payments.id());
    refused(() -> grants.get(onCall, orders.id()), GrantException.Reason.NOT_FOUND, "not found");
  }

  private StoreIdentities identities(AccountStore s) {
    StoreIdentities ids = StoreIdentities.start(s, ApiKeySecrets.forStore(s),
        PluginContext.builder(Authorization.DEFAULT).scheduler(scheduler).clock(clock).build());
    closing.add(ids);
    return ids;
  }

  private String key(String owner) {
    ApiKeySecrets secrets = ApiKeySecrets.forStore(store);
    ApiKeySecrets.NewApiKey k = secrets.generate(ApiKeySecrets.newKeyId());
    store.createApiKey(new ApiKey(k.keyId(), owner, OwnerType.USER, "key", "", clock.instant().plus(Duration.ofDays(30)),
        false, null, null), k.secretHash());
    return k.token();
  }
}
