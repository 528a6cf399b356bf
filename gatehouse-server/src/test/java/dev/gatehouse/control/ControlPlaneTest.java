package dev.gatehouse.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.tls.CertificateAuthority;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.cloud.cloudservice.v1.*;
import io.temporal.api.cloud.identity.v1.AccountAccess;
import io.temporal.api.cloud.identity.v1.ApiKeySpec;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.OwnerType;
import io.temporal.api.cloud.identity.v1.ServiceAccountSpec;
import io.temporal.api.cloud.identity.v1.UserSpec;
import io.temporal.api.cloud.namespace.v1.ApiKeyAuthSpec;
import io.temporal.api.cloud.namespace.v1.CertificateFilterSpec;
import io.temporal.api.cloud.namespace.v1.MtlsAuthSpec;
import io.temporal.api.cloud.namespace.v1.NamespaceSpec;
import io.temporal.api.cloud.operation.v1.AsyncOperation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ops API over TLS with {@code CloudServiceStubs}, on the real store: every family, the bad-input answers, the
 * Developer's refused self-escalation. Runs once per database ({@link SqliteControlPlaneTest},
 * {@link PostgresControlPlaneTest}).
 */
abstract class ControlPlaneTest {
  @TempDir Path dir;
  ControlFixture f;
  ControlFixture.Principal owner;
  CloudServiceGrpc.CloudServiceBlockingStub ops;

  /** A new, empty store for one test. */
  abstract dev.gatehouse.store.AccountStore store(Path dir) throws Exception;

  @BeforeEach
  void start() throws Exception {
    f = new ControlFixture(store(dir), dir);
    owner = f.user("owner@example.com", AccountRole.OWNER, Map.of());
    ops = f.as(owner.token());
  }

  @AfterEach
  void stop() {
    f.close();
  }

  static String caPem(String name) {
    return CertificateAuthority.create(name, CertificateAuthority.KeyType.EC_P256, Duration.ofDays(365))
        .certificatePem();
  }

  static NamespaceSpec.Builder spec(String name) {
    return NamespaceSpec.newBuilder().setName(name).setRetentionDays(7)
        .setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(true));
  }

  String createNamespace(String name) {
    return ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(spec(name)).build()).getNamespace();
  }

  static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  static void refused(Runnable call, Status.Code expected, String messagePart) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(expected);
      assertThat(e.getStatus().getDescription()).contains(messagePart);
    });
  }

  @Test
  void currentIdentityIsTheKeysOwner() {
    GetCurrentIdentityResponse me = ops.getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance());
    assertThat(me.getUser().getId()).isEqualTo(owner.id());
    assertThat(me.getUser().getSpec().getEmail()).isEqualTo("owner@example.com");
    assertThat(me.getUser().getSpec().getAccess().getAccountAccess().getRole())
        .isEqualTo(AccountAccess.Role.ROLE_OWNER);
    assertThat(me.getPrincipalApiKey().getSpec().getOwnerId()).isEqualTo(owner.id());
  }

  @Test
  void callersWithoutAValidKeyAreUnauthenticated() {
    refused(() -> f.as(null).getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "");
    refused(() -> f.as("tk_nope_nope").getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "");
    String forged = owner.token().substring(0, owner.token().length() - 2) + "00";
    refused(() -> f.as(forged).getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "");
  }

  @Test
  void namespaceWithCaAndFiltersRoundTrips() {
    String ca = caPem("Payments CA");
    CreateNamespaceResponse created = ops.createNamespace(CreateNamespaceRequest.newBuilder()
        .setSpec(spec("payments").setMtlsAuth(MtlsAuthSpec.newBuilder().setEnabled(true)
            .setAcceptedClientCa(ByteString.copyFromUtf8(java.util.Base64.getEncoder().encodeToString(
                ca.getBytes(StandardCharsets.US_ASCII))))
            .addCertificateFilters(CertificateFilterSpec.newBuilder().setCommonName("worker-*"))))
        .setAsyncOperationId("op-1").build());
    assertThat(created.getNamespace()).isEqualTo("payments");
    assertThat(created.getAsyncOperation().getState()).isEqualTo(AsyncOperation.State.STATE_FULFILLED);
    assertThat(created.getAsyncOperation().getId()).isEqualTo("op-1");
    assertThat(ops.getAsyncOperation(GetAsyncOperationRequest.newBuilder().setAsyncOperationId("op-1").build())
        .getAsyncOperation().getOperationType()).isEqualTo("CreateNamespace");

    var ns = ops.getNamespace(GetNamespaceRequest.newBuilder().setNamespace("payments").build()).getNamespace();
    assertThat(ns.getSpec().getMtlsAuth().getEnabled()).isTrue();
    assertThat(ns.getSpec().getMtlsAuth().getAcceptedClientCa().toStringUtf8()).isEqualTo(ca);
    assertThat(ns.getSpec().getMtlsAuth().getCertificateFilters(0).getCommonName()).isEqualTo("worker-*");
    assertThat(ns.getSpec().getApiKeyAuth().getEnabled()).isTrue();
    assertThat(ns.getSpec().getRetentionDays()).isEqualTo(7);

    // A stale resource version is refused as Cloud refuses it; the current one is accepted.
    String version = ns.getResourceVersion();
    ops.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace("payments").setResourceVersion(version)
        .setSpec(ns.getSpec().toBuilder().setRetentionDays(14)).build());
    refused(() -> ops.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace("payments")
        .setResourceVersion(version).setSpec(ns.getSpec()).build()), Status.Code.FAILED_PRECONDITION, "");
    // A repeated async operation id changes nothing.
    refused(() -> ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(spec("other"))
        .setAsyncOperationId("op-1").build()), Status.Code.ALREADY_EXISTS, "op-1");
    refused(() -> ops.getNamespace(GetNamespaceRequest.newBuilder().setNamespace("other").build()),
        Status.Code.NOT_FOUND, "");
  }

  @Test
  void namespacesPage() {
    for (int i = 0; i < 5; i++) {
      createNamespace("ns-" + i);
    }
    GetNamespacesResponse first = ops.getNamespaces(GetNamespacesRequest.newBuilder().setPageSize(2).build());
    assertThat(first.getNamespacesList()).hasSize(2);
    assertThat(first.getNextPageToken()).isNotEmpty();
    int seen = first.getNamespacesCount();
    String token = first.getNextPageToken();
    while (!token.isEmpty()) {
      GetNamespacesResponse next = ops.getNamespaces(GetNamespacesRequest.newBuilder().setPageSize(2)
          .setPageToken(token).build());
      seen += next.getNamespacesCount();
      token = next.getNextPageToken();
    }
    assertThat(seen).isEqualTo(5);
    refused(() -> ops.getNamespaces(GetNamespacesRequest.newBuilder().setPageToken("garbage").build()),
        Status.Code.INVALID_ARGUMENT, "page_token");
    refused(() -> ops.getNamespaces(GetNamespacesRequest.newBuilder().setPageSize(-1).build()),
        Status.Code.INVALID_ARGUMENT, "page_size");
  }

  @Test
  void badNamespacesAreRefused() {
    createNamespace("taken");
    // The create ran on the control plane's store executor, and an upstream failure did not fail it.
    assertThat(f.upstreamThreads).singleElement().asString().startsWith("gatehouse-control-");
    refused(() -> createNamespace("taken"), Status.Code.ALREADY_EXISTS, "taken");
    for (String bad : new String[] {"", "has space", "-leading", "trailing.", "slash/name", "temporal-system",
        "x".repeat(1001)}) {
      assertThat(code(() -> createNamespace(bad))).as(bad).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    refused(() -> ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(spec("r").setRetentionDays(0))
        .build()), Status.Code.INVALID_ARGUMENT, "retention_days");
  }

  CreateNamespaceRequest withCa(String name, String pem, CertificateFilterSpec... filters) {
    MtlsAuthSpec.Builder mtls = MtlsAuthSpec.newBuilder().setEnabled(true)
        .setAcceptedClientCa(ByteString.copyFromUtf8(pem));
    for (CertificateFilterSpec filter : filters) {
      mtls.addCertificateFilters(filter);
    }
    return CreateNamespaceRequest.newBuilder().setSpec(spec(name).setMtlsAuth(mtls)).build();
  }

  @Test
  void badCaBundlesAndFiltersAreRefused() {
    CertificateAuthority ca = CertificateAuthority.create("Leaf issuer", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(30));
    String leaf = ca.leaf("worker-1").clientAuth().issue().certificatePem();
    refused(() -> ops.createNamespace(withCa("a", leaf)), Status.Code.INVALID_ARGUMENT, "is not a CA");

    String expired = CertificateAuthority.create("Old CA", CertificateAuthority.KeyType.EC_P256,
        Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1))).certificatePem();
    refused(() -> ops.createNamespace(withCa("b", expired)), Status.Code.INVALID_ARGUMENT, "expired");

    String many = caPem("c").repeat(Validation.MAX_CA_CERTIFICATES + 1);
    refused(() -> ops.createNamespace(withCa("c", many)), Status.Code.INVALID_ARGUMENT, "the limit is 16");

    String big = caPem("d") + "\n".repeat(Validation.MAX_CA_BUNDLE_BYTES);
    refused(() -> ops.createNamespace(withCa("d", big)), Status.Code.INVALID_ARGUMENT, "bytes");

    refused(() -> ops.createNamespace(withCa("e", "not a certificate")), Status.Code.INVALID_ARGUMENT, "");

    // An intermediate needs its issuer in the bundle; with it, the bundle is fine.
    CertificateAuthority root = CertificateAuthority.create("Root G1", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(365));
    String intermediate = root.issueIntermediate("Issuing G1", Duration.ofDays(90)).certificatePem();
    refused(() -> ops.createNamespace(withCa("g", intermediate)), Status.Code.INVALID_ARGUMENT,
        "neither a root nor issued by another certificate in the bundle");
    assertThat(ops.createNamespace(withCa("g2", intermediate + root.certificatePem())).getNamespace()).isEqualTo("g2");
    ops.deleteNamespace(DeleteNamespaceRequest.newBuilder().setNamespace("g2").build());

    // SHA-1 signatures are refused, as Cloud refuses them.
    refused(() -> ops.createNamespace(withCa("h", sha1Ca())), Status.Code.INVALID_ARGUMENT, "SHA-256 or stronger");

    refused(() -> ops.createNamespace(withCa("f", caPem("f"),
        CertificateFilterSpec.newBuilder().setCommonName("work*er").build())),
        Status.Code.INVALID_ARGUMENT, "'*' in the middle");
    refused(() -> ops.createNamespace(withCa("f2", caPem("f2"),
        CertificateFilterSpec.newBuilder().setCommonName("*worker*").build())),
        Status.Code.INVALID_ARGUMENT, "more than one");
    ops.createNamespace(withCa("leading-wildcard", caPem("ok"),
        CertificateFilterSpec.newBuilder().setSubjectAlternativeName("*.acme.internal").build()));
    ops.deleteNamespace(DeleteNamespaceRequest.newBuilder().setNamespace("leading-wildcard").build());
    refused(() -> ops.createNamespace(withCa("g", caPem("g"), CertificateFilterSpec.getDefaultInstance())),
        Status.Code.INVALID_ARGUMENT, "sets no field");
    refused(() -> ops.createNamespace(CreateNamespaceRequest.newBuilder()
        .setSpec(spec("h").setMtlsAuth(MtlsAuthSpec.newBuilder().setEnabled(true))).build()),
        Status.Code.INVALID_ARGUMENT, "accepted_client_ca");
    assertThat(ops.getNamespaces(GetNamespacesRequest.getDefaultInstance()).getNamespacesList()).isEmpty();
  }

  CreateApiKeyRequest key(String ownerId, OwnerType type, com.google.protobuf.Timestamp expiry) {
    ApiKeySpec.Builder spec = ApiKeySpec.newBuilder().setOwnerId(ownerId).setOwnerType(type).setDisplayName("k");
    if (expiry != null) {
      spec.setExpiryTime(expiry);
    }
    return CreateApiKeyRequest.newBuilder().setSpec(spec).build();
  }

  @Test
  void apiKeysAreShownOnceAndBounded() {
    CreateApiKeyResponse created = ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(90))));
    assertThat(created.getToken()).isNotEmpty();
    var stored = ops.getApiKey(GetApiKeyRequest.newBuilder().setKeyId(created.getKeyId()).build()).getApiKey();
    assertThat(stored.toString()).doesNotContain(created.getToken());
    assertThat(f.as(created.getToken()).getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance())
        .getUser().getId()).isEqualTo(owner.id());

    refused(() -> ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER, null)),
        Status.Code.INVALID_ARGUMENT, "expiry_time is required");
    refused(() -> ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(-1)))), Status.Code.INVALID_ARGUMENT, "in the past");
    refused(() -> ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(2 * 365 + 2)))), Status.Code.INVALID_ARGUMENT, "more than 2 years");
    refused(() -> ops.createApiKey(key("nobody", OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(1)))), Status.Code.NOT_FOUND, "owner");
    // The fixture's limit is 3: the owner holds 2 now.
    ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER, ControlFixture.in(Duration.ofDays(1))));
    refused(() -> ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(1)))), Status.Code.FAILED_PRECONDITION, "limit");

    // Disabling a key: the next call with it is refused.
    ops.updateApiKey(UpdateApiKeyRequest.newBuilder().setKeyId(created.getKeyId())
        .setSpec(stored.getSpec().toBuilder().setDisabled(true)).build());
    refused(() -> f.as(created.getToken()).getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "");
    refused(() -> ops.updateApiKey(UpdateApiKeyRequest.newBuilder().setKeyId(created.getKeyId())
        .setSpec(stored.getSpec().toBuilder().setExpiryTime(ControlFixture.in(Duration.ofDays(3)))).build()),
        Status.Code.INVALID_ARGUMENT, "expiry_time cannot change");
  }

  @Test
  void othersKeysAreInvisibleToNonAdmins() {
    ControlFixture.Principal dev = f.user("dev@example.com", AccountRole.DEVELOPER, Map.of());
    CreateApiKeyResponse ownersKey = ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(1))));
    var devOps = f.as(dev.token());
    refused(() -> devOps.getApiKey(GetApiKeyRequest.newBuilder().setKeyId(ownersKey.getKeyId()).build()),
        Status.Code.NOT_FOUND, "");
    refused(() -> devOps.deleteApiKey(DeleteApiKeyRequest.newBuilder().setKeyId(ownersKey.getKeyId()).build()),
        Status.Code.NOT_FOUND, "");
    refused(() -> devOps.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(1)))), Status.Code.PERMISSION_DENIED, "");
    assertThat(devOps.getApiKeys(GetApiKeysRequest.getDefaultInstance()).getApiKeysList())
        .allMatch(k -> k.getSpec().getOwnerId().equals(dev.id()));
    // Their own: allowed.
    CreateApiKeyResponse own = devOps.createApiKey(key(dev.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(1))));
    devOps.deleteApiKey(DeleteApiKeyRequest.newBuilder().setKeyId(own.getKeyId()).build());
  }

  @Test
  void usersGroupsAndServiceAccounts() {
    createNamespace("orders");
    String userId = ops.createUser(CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder()
        .setEmail("ada@example.com").setAccess(io.temporal.api.cloud.identity.v1.Access.newBuilder()
            .setAccountAccess(AccountAccess.newBuilder().setRole(AccountAccess.Role.ROLE_DEVELOPER))
            .putNamespaceAccesses("orders", NamespaceAccess.newBuilder()
                .setPermission(NamespaceAccess.Permission.PERMISSION_WRITE).build()))).build()).getUserId();
    refused(() -> ops.createUser(CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder()
        .setEmail("ADA@example.com").setAccess(io.temporal.api.cloud.identity.v1.Access.newBuilder()
            .setAccountAccess(AccountAccess.newBuilder().setRole(AccountAccess.Role.ROLE_READ)))).build()),
        Status.Code.ALREADY_EXISTS, "");
    refused(() -> ops.createUser(CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder()
        .setEmail("bob@example.com")).build()), Status.Code.INVALID_ARGUMENT, "role is required");
    refused(() -> ops.createUser(CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder()
        .setEmail("bob@example.com").setAccess(io.temporal.api.cloud.identity.v1.Access.newBuilder()
            .setAccountAccess(AccountAccess.newBuilder().setRoleValue(42)))).build()),
        Status.Code.INVALID_ARGUMENT, "not a known role");
    refused(() -> ops.createUser(CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder()
        .setEmail("not-an-email")).build()), Status.Code.INVALID_ARGUMENT, "email");

    var user = ops.getUser(GetUserRequest.newBuilder().setUserId(userId).build()).getUser();
    assertThat(user.getSpec().getAccess().getNamespaceAccessesMap().get("orders").getPermission())
        .isEqualTo(NamespaceAccess.Permission.PERMISSION_WRITE);
    ops.setUserNamespaceAccess(SetUserNamespaceAccessRequest.newBuilder().setUserId(userId).setNamespace("orders")
        .setAccess(NamespaceAccess.newBuilder().setPermission(NamespaceAccess.Permission.PERMISSION_ADMIN))
        .setResourceVersion(user.getResourceVersion()).build());
    refused(() -> ops.setUserNamespaceAccess(SetUserNamespaceAccessRequest.newBuilder().setUserId(userId)
        .setNamespace("orders").setAccess(NamespaceAccess.newBuilder()
            .setPermission(NamespaceAccess.Permission.PERMISSION_READ))
        .setResourceVersion(user.getResourceVersion()).build()), Status.Code.FAILED_PRECONDITION, "");
    assertThat(ops.getUsers(GetUsersRequest.newBuilder().setNamespace("orders").build()).getUsersList())
        .extracting(u -> u.getId()).containsExactly(userId);

    String groupId = ops.createUserGroup(CreateUserGroupRequest.newBuilder().setSpec(
        io.temporal.api.cloud.identity.v1.UserGroupSpec.newBuilder().setDisplayName("oncall")
            .setAccess(io.temporal.api.cloud.identity.v1.Access.newBuilder()
                .setAccountAccess(AccountAccess.newBuilder().setRole(AccountAccess.Role.ROLE_READ)))).build())
        .getGroupId();
    ops.addUserGroupMember(AddUserGroupMemberRequest.newBuilder().setGroupId(groupId)
        .setMemberId(io.temporal.api.cloud.identity.v1.UserGroupMemberId.newBuilder().setUserId(userId)).build());
    assertThat(ops.getUserGroupMembers(GetUserGroupMembersRequest.newBuilder().setGroupId(groupId).build())
        .getMembersList()).extracting(m -> m.getMemberId().getUserId()).containsExactly(userId);
    ops.setUserGroupNamespaceAccess(SetUserGroupNamespaceAccessRequest.newBuilder().setGroupId(groupId)
        .setNamespace("orders").setAccess(NamespaceAccess.newBuilder()
            .setPermission(NamespaceAccess.Permission.PERMISSION_READ)).build());
    refused(() -> ops.setUserGroupNamespaceAccess(SetUserGroupNamespaceAccessRequest.newBuilder()
        .setGroupId(groupId).setNamespace("missing").setAccess(NamespaceAccess.newBuilder()
            .setPermission(NamespaceAccess.Permission.PERMISSION_READ)).build()), Status.Code.NOT_FOUND, "");
    ops.removeUserGroupMember(RemoveUserGroupMemberRequest.newBuilder().setGroupId(groupId)
        .setMemberId(io.temporal.api.cloud.identity.v1.UserGroupMemberId.newBuilder().setUserId(userId)).build());

    String saId = ops.createServiceAccount(CreateServiceAccountRequest.newBuilder().setSpec(
        ServiceAccountSpec.newBuilder().setName("orders-worker").setNamespaceScopedAccess(
            io.temporal.api.cloud.identity.v1.NamespaceScopedAccess.newBuilder().setNamespace("orders")
                .setAccess(NamespaceAccess.newBuilder().setPermission(NamespaceAccess.Permission.PERMISSION_WRITE))))
        .build()).getServiceAccountId();
    var sa = ops.getServiceAccount(GetServiceAccountRequest.newBuilder().setServiceAccountId(saId).build())
        .getServiceAccount();
    assertThat(sa.getSpec().getNamespaceScopedAccess().getNamespace()).isEqualTo("orders");
    refused(() -> ops.setServiceAccountNamespaceAccess(SetServiceAccountNamespaceAccessRequest.newBuilder()
        .setServiceAccountId(saId).setNamespace("other").setAccess(NamespaceAccess.newBuilder()
            .setPermission(NamespaceAccess.Permission.PERMISSION_READ)).build()), Status.Code.FAILED_PRECONDITION,
        "scoped to namespace orders");
    refused(() -> ops.createServiceAccount(CreateServiceAccountRequest.newBuilder().setSpec(
        ServiceAccountSpec.newBuilder().setName("owner-sa").setAccess(io.temporal.api.cloud.identity.v1.Access
            .newBuilder().setAccountAccess(AccountAccess.newBuilder().setRole(AccountAccess.Role.ROLE_OWNER))))
        .build()), Status.Code.INVALID_ARGUMENT, "Account Owner");

    // Deleting the namespace takes its grants with it.
    ops.deleteNamespace(DeleteNamespaceRequest.newBuilder().setNamespace("orders").build());
    assertThat(ops.getUser(GetUserRequest.newBuilder().setUserId(userId).build()).getUser().getSpec().getAccess()
        .getNamespaceAccessesMap()).isEmpty();
    ops.deleteUser(DeleteUserRequest.newBuilder().setUserId(userId).build());
    refused(() -> ops.getUser(GetUserRequest.newBuilder().setUserId(userId).build()), Status.Code.NOT_FOUND, "");
  }

  UpdateUserRequest makeAdmin(String userId, String email) {
    return UpdateUserRequest.newBuilder().setUserId(userId).setSpec(UserSpec.newBuilder().setEmail(email)
        .setAccess(io.temporal.api.cloud.identity.v1.Access.newBuilder()
            .setAccountAccess(AccountAccess.newBuilder().setRole(AccountAccess.Role.ROLE_ADMIN)))).build();
  }

  @Test
  void aDeveloperCannotMakeThemselvesGlobalAdminAndTheAttemptIsAudited() throws Exception {
    ControlFixture.Principal dev = f.user("dev@example.com", AccountRole.DEVELOPER, Map.of());
    refused(() -> f.as(dev.token()).updateUser(makeAdmin(dev.id(), "dev@example.com")),
        Status.Code.PERMISSION_DENIED, "");
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().accountRole()).isEqualTo(AccountRole.DEVELOPER);
    JsonNode denied = f.auditRecords().stream()
        .filter(r -> r.path("operation").asText().equals("UpdateUser"))
        .filter(r -> r.path("raw_details").path("decision").asText().equals("deny"))
        .findFirst().orElseThrow();
    assertThat(denied.path("principal").path("id").asText()).isEqualTo(dev.id());
    assertThat(denied.path("principal").path("name").asText()).isEqualTo("dev@example.com");
    assertThat(denied.path("raw_details").path("api_key_id").asText()).isNotEmpty();
    assertThat(denied.path("raw_details").path("face").asText()).isEqualTo("control");
    assertThat(denied.path("raw_details").path("reason").asText()).contains("granting account role admin");

    // A Global Admin may not make an Owner either; an Owner may make a Global Admin.
    ControlFixture.Principal admin = f.user("admin@example.com", AccountRole.ADMIN, Map.of());
    refused(() -> f.as(admin.token()).updateUser(UpdateUserRequest.newBuilder().setUserId(admin.id())
        .setSpec(UserSpec.newBuilder().setEmail("admin@example.com").setAccess(
            io.temporal.api.cloud.identity.v1.Access.newBuilder().setAccountAccess(AccountAccess.newBuilder()
                .setRole(AccountAccess.Role.ROLE_OWNER)))).build()), Status.Code.PERMISSION_DENIED, "");
    ops.updateUser(makeAdmin(dev.id(), "dev@example.com"));
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().accountRole()).isEqualTo(AccountRole.ADMIN);

    // GetAuditLogs serves the control plane's own records.
    GetAuditLogsResponse logs = ops.getAuditLogs(GetAuditLogsRequest.newBuilder().setPageSize(1000).build());
    assertThat(logs.getLogsList()).anySatisfy(l -> {
      assertThat(l.getOperation()).isEqualTo("UpdateUser");
      assertThat(l.getStatus()).isEqualTo("PERMISSION_DENIED");
      assertThat(l.getPrincipal().getId()).isEqualTo(dev.id());
      assertThat(l.getPrincipal().getApiKeyId()).isNotEmpty();
      assertThat(l.getRawDetails().getFieldsMap().get("face").getStringValue()).isEqualTo("control");
    });
  }

  @Test
  void aGlobalAdminCannotActAsOrOnTheOwnerAndTheLastOwnerStays() {
    ControlFixture.Principal admin = f.user("admin@example.com", AccountRole.ADMIN, Map.of());
    var adminOps = f.as(admin.token());
    // Minting a key for the Owner would hand over the Owner's power.
    refused(() -> adminOps.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER,
        ControlFixture.in(Duration.ofDays(1)))), Status.Code.PERMISSION_DENIED, "above admin");
    refused(() -> adminOps.deleteUser(DeleteUserRequest.newBuilder().setUserId(owner.id()).build()),
        Status.Code.PERMISSION_DENIED, "");
    refused(() -> adminOps.updateUser(makeAdmin(owner.id(), "owner@example.com")), Status.Code.PERMISSION_DENIED,
        "");
    String ownersKey = ops.getApiKeys(GetApiKeysRequest.newBuilder().setOwnerId(owner.id()).build())
        .getApiKeys(0).getId();
    refused(() -> adminOps.deleteApiKey(DeleteApiKeyRequest.newBuilder().setKeyId(ownersKey).build()),
        Status.Code.NOT_FOUND, "");
    // An Admin manages a Developer's keys.
    ControlFixture.Principal dev = f.user("dev@example.com", AccountRole.DEVELOPER, Map.of());
    adminOps.createApiKey(key(dev.id(), OwnerType.OWNER_TYPE_USER, ControlFixture.in(Duration.ofDays(1))));

    // The only Owner can neither step down nor leave.
    refused(() -> ops.updateUser(makeAdmin(owner.id(), "owner@example.com")), Status.Code.FAILED_PRECONDITION,
        "only Owner");
    refused(() -> ops.deleteUser(DeleteUserRequest.newBuilder().setUserId(owner.id()).build()),
        Status.Code.FAILED_PRECONDITION, "only Owner");
    assertThat(f.store.users().get(owner.id()).orElseThrow().access().accountRole()).isEqualTo(AccountRole.OWNER);
  }

  @Test
  void auditLogsPageAndFilterByTime() {
    for (int i = 0; i < 3; i++) {
      ops.getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance());
    }
    GetAuditLogsResponse first = ops.getAuditLogs(GetAuditLogsRequest.newBuilder().setPageSize(2).build());
    assertThat(first.getLogsList()).hasSize(2);
    assertThat(first.getNextPageToken()).isNotEmpty();
    GetAuditLogsResponse second = ops.getAuditLogs(GetAuditLogsRequest.newBuilder().setPageSize(2)
        .setPageToken(first.getNextPageToken()).build());
    assertThat(second.getLogsList()).isNotEmpty();
    assertThat(second.getLogs(0).getLogId()).isNotEqualTo(first.getLogs(0).getLogId());
    assertThat(ops.getAuditLogs(GetAuditLogsRequest.newBuilder()
        .setEndTimeExclusive(ControlFixture.in(Duration.ofDays(-1))).build()).getLogsList()).isEmpty();
    refused(() -> ops.getAuditLogs(GetAuditLogsRequest.newBuilder().setPageToken("x").build()),
        Status.Code.INVALID_ARGUMENT, "page_token");
    refused(() -> ops.getAsyncOperation(GetAsyncOperationRequest.newBuilder().setAsyncOperationId("nope").build()),
        Status.Code.NOT_FOUND, "");
  }

  @Test
  void developerCreatesANamespaceAndAdministersIt() {
    ControlFixture.Principal dev = f.user("dev@example.com", AccountRole.DEVELOPER, Map.of());
    var devOps = f.as(dev.token());
    devOps.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(spec("devs")).build());
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().namespaces())
        .containsEntry("devs", NamespacePermission.ADMIN);
    var ns = devOps.getNamespace(GetNamespaceRequest.newBuilder().setNamespace("devs").build()).getNamespace();
    devOps.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace("devs")
        .setSpec(ns.getSpec().toBuilder().setRetentionDays(30)).build());
    createNamespace("not-theirs");
    assertThat(devOps.getNamespaces(GetNamespacesRequest.getDefaultInstance()).getNamespacesList())
        .extracting(n -> n.getNamespace()).containsExactly("devs");
    refused(() -> devOps.getNamespace(GetNamespaceRequest.newBuilder().setNamespace("not-theirs").build()),
        Status.Code.PERMISSION_DENIED, "");
  }

  static final io.grpc.MethodDescriptor.Marshaller<byte[]> RAW = new io.grpc.MethodDescriptor.Marshaller<>() {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  };

  /** Sends {@code body} as the request of {@code method}, with {@code token} (or none). */
  Status.Code raw(String method, byte[] body, String token) {
    io.grpc.Channel channel = f.stubs(null).getRawChannel();
    io.grpc.Metadata headers = new io.grpc.Metadata();
    if (token != null) {
      headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + token);
    }
    io.grpc.MethodDescriptor<byte[], byte[]> md = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(io.temporal.api.cloud.cloudservice.v1.CloudServiceGrpc.SERVICE_NAME + "/" + method)
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    return code(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel,
            io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers)),
        md, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS), body));
  }

  @Test
  void hostileRequestsGetClearStatusesAndNothingChanges() {
    // Not protobuf: refused before anything is parsed or stored.
    assertThat(raw("CreateNamespace", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, owner.token()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    // The namespace field with the wrong wire type (a varint where a string belongs).
    assertThat(raw("GetNamespace", new byte[] {0x08, 0x01}, owner.token())).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // A namespace that is not UTF-8.
    assertThat(raw("GetNamespace", new byte[] {0x0a, 0x01, (byte) 0xc3}, owner.token()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    // Without credentials, a large body is never read: refused on the headers.
    assertThat(raw("CreateNamespace", new byte[3 * 1024 * 1024], null)).isEqualTo(Status.Code.UNAUTHENTICATED);
    // Past the control plane's message limit.
    assertThat(raw("CreateNamespace", new byte[5 * 1024 * 1024], owner.token()))
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    // Methods outside the subset are not served.
    assertThat(raw("GetUsage", new byte[0], owner.token())).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(ops.getNamespaces(GetNamespacesRequest.getDefaultInstance()).getNamespacesList()).isEmpty();
  }

  @Test
  void theCloudApiVersionHeaderIsAccepted() {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of(ControlPlaneServer.API_VERSION_HEADER, io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "2024-10-01-00");
    assertThat(ops.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
        .getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance()).getUser().getId()).isEqualTo(owner.id());
  }

  /** A self-signed RSA CA signed with SHA1withRSA, which the tls package will not make. */
  private static String sha1Ca() {
    try {
      java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      java.security.KeyPair keys = g.generateKeyPair();
      org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=Legacy SHA-1 CA");
      var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.ONE,
          java.util.Date.from(Instant.now().minus(Duration.ofDays(1))),
          java.util.Date.from(Instant.now().plus(Duration.ofDays(30))), name, keys.getPublic());
      builder.addExtension(org.bouncycastle.asn1.x509.Extension.basicConstraints, true,
          new org.bouncycastle.asn1.x509.BasicConstraints(true));
      var signer = new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA1withRSA").build(keys.getPrivate());
      java.security.cert.X509Certificate c = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
          .getCertificate(builder.build(signer));
      return "-----BEGIN CERTIFICATE-----\n"
          + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
              .encodeToString(c.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
