package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.NamespacePermission;
import io.temporal.api.cloud.cloudservice.v1.*;
import io.temporal.api.cloud.identity.v1.Access;
import io.temporal.api.cloud.identity.v1.AccountAccess;
import io.temporal.api.cloud.identity.v1.ApiKeySpec;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.NamespaceScopedAccess;
import io.temporal.api.cloud.identity.v1.ServiceAccountSpec;
import io.temporal.api.cloud.identity.v1.UserSpec;
import io.temporal.api.cloud.namespace.v1.NamespaceSpec;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Ops API permission table: each account role on a representative method of each family. */
class CloudAccessPolicyTest {
  static final ApiCatalog CLOUD = ApiCatalog.cloud();
  static final String SELF = "self-id";

  static Claims caller(AccountRole role, Map<String, NamespacePermission> namespaces) {
    Map<String, Object> ext = new HashMap<>();
    ext.put(StoreClaims.PRINCIPAL_TYPE, StoreClaims.USER);
    ext.put(StoreClaims.PRINCIPAL_ID, SELF);
    ext.put(StoreClaims.ACCOUNT_ROLE, role.name());
    ext.put(StoreClaims.NAMESPACE_PERMISSIONS, namespaces);
    return new Claims(SELF, Role.UNDEFINED, Map.of(), StoreClaims.AUTH_TYPE_API_KEY, ext);
  }

  static boolean allowed(Claims claims, Message request, String namespace) {
    String name = request.getDescriptorForType().getName().replace("Request", "");
    ApiMethod m = CLOUD.find(ApiCatalog.CLOUD + "/" + name);
    assertThat(m).as(name).isNotNull();
    return CloudAccessPolicy.INSTANCE.authorize(claims, new CallTarget(CLOUD, m, namespace, request.toByteArray()))
        .allowed();
  }

  static Access role(AccountAccess.Role r) {
    return Access.newBuilder().setAccountAccess(AccountAccess.newBuilder().setRole(r)).build();
  }

  record Row(String what, Message request, String namespace, List<AccountRole> allowed) {}

  static final List<AccountRole> ADMINS = List.of(AccountRole.OWNER, AccountRole.ADMIN);
  static final List<AccountRole> EVERYONE = List.of(AccountRole.values());

  static final List<Row> TABLE = List.of(
      new Row("identity", GetCurrentIdentityRequest.getDefaultInstance(), "", EVERYONE),
      new Row("read users", GetUsersRequest.getDefaultInstance(), "",
          List.of(AccountRole.OWNER, AccountRole.ADMIN, AccountRole.DEVELOPER, AccountRole.READ)),
      new Row("create user", CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder().setEmail("a@b.c")
          .setAccess(role(AccountAccess.Role.ROLE_READ))).build(), "", ADMINS),
      new Row("groups", CreateUserGroupRequest.getDefaultInstance(), "", ADMINS),
      new Row("group members", AddUserGroupMemberRequest.getDefaultInstance(), "", ADMINS),
      new Row("service accounts", CreateServiceAccountRequest.newBuilder().setSpec(ServiceAccountSpec.newBuilder()
          .setName("sa").setAccess(role(AccountAccess.Role.ROLE_DEVELOPER))).build(), "", ADMINS),
      new Row("own API key", CreateApiKeyRequest.newBuilder().setSpec(ApiKeySpec.newBuilder().setOwnerId(SELF))
          .build(), "", EVERYONE),
      new Row("another's API key", CreateApiKeyRequest.newBuilder().setSpec(ApiKeySpec.newBuilder()
          .setOwnerId("someone-else")).build(), "", ADMINS),
      new Row("create namespace", CreateNamespaceRequest.newBuilder().setSpec(NamespaceSpec.newBuilder()
          .setName("n")).build(), "", List.of(AccountRole.OWNER, AccountRole.ADMIN, AccountRole.DEVELOPER)),
      new Row("read a namespace", GetNamespaceRequest.newBuilder().setNamespace("orders").build(), "orders",
          ADMINS),
      new Row("update a namespace", UpdateNamespaceRequest.newBuilder().setNamespace("orders").build(), "orders",
          ADMINS),
      new Row("namespace access", SetUserNamespaceAccessRequest.newBuilder().setNamespace("orders").build(),
          "orders", ADMINS),
      new Row("audit logs", GetAuditLogsRequest.getDefaultInstance(), "", ADMINS),
      new Row("list namespaces (filtered)", GetNamespacesRequest.getDefaultInstance(), "", EVERYONE));

  @Test
  void eachAccountRoleOnEachFamily() {
    Map<AccountRole, List<String>> wrong = new EnumMap<>(AccountRole.class);
    for (AccountRole r : AccountRole.values()) {
      Claims c = caller(r, Map.of());
      for (Row row : TABLE) {
        boolean expected = row.allowed().contains(r);
        if (allowed(c, row.request(), row.namespace()) != expected) {
          wrong.computeIfAbsent(r, k -> new java.util.ArrayList<>()).add(row.what() + " expected " + expected);
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void namespacePermissionsDecideNamespaceMethods() {
    Message get = GetNamespaceRequest.newBuilder().setNamespace("orders").build();
    Message update = UpdateNamespaceRequest.newBuilder().setNamespace("orders").build();
    Message grant = SetServiceAccountNamespaceAccessRequest.newBuilder().setNamespace("orders").build();
    for (NamespacePermission p : NamespacePermission.values()) {
      Claims c = caller(AccountRole.DEVELOPER, Map.of("orders", p));
      assertThat(allowed(c, get, "orders")).as("read with " + p).isTrue();
      assertThat(allowed(c, update, "orders")).as("update with " + p).isEqualTo(p == NamespacePermission.ADMIN);
      assertThat(allowed(c, grant, "orders")).as("grant with " + p).isEqualTo(p == NamespacePermission.ADMIN);
      // Nothing on another namespace.
      assertThat(allowed(c, GetNamespaceRequest.newBuilder().setNamespace("billing").build(), "billing")).isFalse();
    }
    // A namespace admin may make a service account scoped to their namespace, not to another.
    Claims nsAdmin = caller(AccountRole.READ, Map.of("orders", NamespacePermission.ADMIN));
    assertThat(allowed(nsAdmin, scopedServiceAccount("orders"), "")).isTrue();
    assertThat(allowed(nsAdmin, scopedServiceAccount("billing"), "")).isFalse();
  }

  static Message scopedServiceAccount(String namespace) {
    return CreateServiceAccountRequest.newBuilder().setSpec(ServiceAccountSpec.newBuilder().setName("sa")
        .setNamespaceScopedAccess(NamespaceScopedAccess.newBuilder().setNamespace(namespace)
            .setAccess(NamespaceAccess.newBuilder().setPermission(NamespaceAccess.Permission.PERMISSION_WRITE))))
        .build();
  }

  @Test
  void nobodyGrantsARoleAboveTheirOwn() {
    Message makeAdmin = UpdateUserRequest.newBuilder().setUserId(SELF).setSpec(UserSpec.newBuilder()
        .setEmail("me@example.com").setAccess(role(AccountAccess.Role.ROLE_ADMIN))).build();
    Message makeOwner = UpdateUserRequest.newBuilder().setUserId(SELF).setSpec(UserSpec.newBuilder()
        .setEmail("me@example.com").setAccess(role(AccountAccess.Role.ROLE_OWNER))).build();
    Decision dev = CloudAccessPolicy.INSTANCE.authorize(caller(AccountRole.DEVELOPER, Map.of()),
        new CallTarget(CLOUD, CLOUD.find(ApiCatalog.CLOUD + "/UpdateUser"), "", makeAdmin.toByteArray()));
    assertThat(dev.allowed()).isFalse();
    assertThat(dev.reason()).contains("granting account role admin");
    assertThat(allowed(caller(AccountRole.ADMIN, Map.of()), makeOwner, "")).isFalse();
    assertThat(allowed(caller(AccountRole.ADMIN, Map.of()), makeAdmin, "")).isTrue();
    assertThat(allowed(caller(AccountRole.OWNER, Map.of()), makeOwner, "")).isTrue();
    Message groupOfOwners = CreateUserGroupRequest.newBuilder().setSpec(
        io.temporal.api.cloud.identity.v1.UserGroupSpec.newBuilder().setDisplayName("g")
            .setAccess(role(AccountAccess.Role.ROLE_OWNER))).build();
    assertThat(allowed(caller(AccountRole.ADMIN, Map.of()), groupOfOwners, "")).isFalse();
  }

  @Test
  void callersNotFromTheStoreAreRefused() {
    CallTarget t = new CallTarget(CLOUD, CLOUD.find(ApiCatalog.CLOUD + "/GetCurrentIdentity"), "",
        GetCurrentIdentityRequest.getDefaultInstance().toByteArray());
    assertThat(CloudAccessPolicy.INSTANCE.authorize(Claims.anonymous(), t).allowed()).isFalse();
    // A JWT caller with the system admin role but no store identity gets nothing on the Ops API.
    Claims jwtAdmin = new Claims("root", Role.ADMIN, Map.of(), "jwt", Map.of());
    assertThat(CloudAccessPolicy.INSTANCE.authorize(jwtAdmin, t).allowed()).isFalse();
    Claims forged = new Claims("x", Role.UNDEFINED, Map.of(), "api-key",
        Map.of(StoreClaims.ACCOUNT_ROLE, "SUPERUSER"));
    assertThat(CloudAccessPolicy.INSTANCE.authorize(forged, t).allowed()).isFalse();
    // A Temporal method never passes this policy.
    ApiMethod start = ApiCatalog.temporal().find(ApiCatalog.WORKFLOW + "/StartWorkflowExecution");
    assertThat(CloudAccessPolicy.INSTANCE.authorize(caller(AccountRole.OWNER, Map.of()),
        new CallTarget(ApiCatalog.temporal(), start, "orders", null)).allowed()).isFalse();
  }
}
