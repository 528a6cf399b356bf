package dev.gatehouse.control;

import com.google.protobuf.Message;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.CloudAccessPolicy;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.AsyncOperation;
import dev.gatehouse.store.CodecServerSpec;
import dev.gatehouse.store.Entities;
import dev.gatehouse.store.Entity;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.StoreException;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import io.grpc.Status;
import io.temporal.api.cloud.cloudservice.v1.*;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.UserGroupMember;
import io.temporal.api.cloud.identity.v1.UserGroupMemberId;
import io.temporal.api.cloud.namespace.v1.NamespaceSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The Ops API's behaviour over the store: one method per CloudService call, with Cloud's request and response
 * types. Runs on the control plane's store executor (every method may block on the database), after the pipeline
 * has identified, authorized and audited the call. Changes are applied before the answer, so every operation is
 * answered with an {@code AsyncOperation} already fulfilled, stored for {@code GetAsyncOperation}.
 */
final class CloudOps {
  private final AccountStore store;
  private final ApiKeyIssuer keys;
  private final Clock clock;
  private final int apiKeysPerOwner;
  private final NamespaceRegistrar registrar;
  private final AuditLogQuery auditLogs;
  private final Runnable afterChange;

  private dev.gatehouse.access.ElevationPolicy elevation = dev.gatehouse.access.ElevationPolicy.DEFAULT;

  CloudOps(AccountStore store, ApiKeyIssuer keys, Clock clock, int apiKeysPerOwner, NamespaceRegistrar registrar,
      AuditLogQuery auditLogs, Runnable afterChange) {
    this.afterChange = afterChange == null ? () -> {} : afterChange;
    this.store = Objects.requireNonNull(store);
    this.keys = Objects.requireNonNull(keys);
    this.clock = Objects.requireNonNull(clock);
    this.apiKeysPerOwner = apiKeysPerOwner;
    this.registrar = registrar == null ? NamespaceRegistrar.NONE : registrar;
    this.auditLogs = auditLogs == null ? AuditLogQuery.NONE : auditLogs;
  }

  /** Protected namespaces refuse standing Write and Admin ({@link StandingGrantCheck}). */
  CloudOps elevation(dev.gatehouse.access.ElevationPolicy policy) {
    this.elevation = Objects.requireNonNull(policy);
    return this;
  }

  /**
   * Serves one call.
   *
   * @throws OpsException with the status to answer
   */
  Message handle(String method, Message request, Claims caller) {
    try {
      var field = request.getDescriptorForType().findFieldByName("async_operation_id");
      if (field != null && !method.equals("GetAsyncOperation") && request.getField(field) instanceof String id && !id.isEmpty()
          && store.asyncOperations().get(id).isPresent()) {
        // Checked before the change, so a repeated id changes nothing.
        throw new OpsException(Status.ALREADY_EXISTS.withDescription("async_operation_id " + Validation.printable(id)
            + " was already used"));
      }
      StandingGrantCheck.check(request, elevation);
      Message answer = dispatch(method, request, caller);
      if (!method.startsWith("Get")) {
        // Read-your-writes on this replica: the identities in force include this change before the answer.
        afterChange.run();
      }
      return answer;
    } catch (StoreException e) {
      throw new OpsException(statusOf(e));
    } catch (IllegalArgumentException e) {
      // The store refuses page tokens it did not issue this way.
      throw Validation.invalid("invalid page_token");
    }
  }

  static Status statusOf(StoreException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND.withDescription(e.getMessage());
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS.withDescription(e.getMessage());
      // Cloud answers a stale resource_version with FAILED_PRECONDITION.
      case CONFLICT -> Status.FAILED_PRECONDITION.withDescription(e.getMessage());
      case UNAVAILABLE -> Status.UNAVAILABLE.withDescription("the store is unavailable");
    };
  }

  private Message dispatch(String method, Message request, Claims caller) {
    return switch (method) {
      case "GetCurrentIdentity" -> currentIdentity(caller);
      case "GetAsyncOperation" -> getOperation((GetAsyncOperationRequest) request);
      case "GetUsers" -> getUsers((GetUsersRequest) request);
      case "GetUser" -> GetUserResponse.newBuilder()
          .setUser(Protos.user(found(store.users(), ((GetUserRequest) request).getUserId(), "user"))).build();
      case "CreateUser" -> createUser((CreateUserRequest) request);
      case "UpdateUser" -> updateUser((UpdateUserRequest) request, caller);
      case "DeleteUser" -> deleteUser((DeleteUserRequest) request, caller);
      case "SetUserNamespaceAccess" -> setUserNamespaceAccess((SetUserNamespaceAccessRequest) request);
      case "GetUserGroups" -> getGroups((GetUserGroupsRequest) request);
      case "GetUserGroup" -> GetUserGroupResponse.newBuilder()
          .setGroup(Protos.group(found(store.userGroups(), ((GetUserGroupRequest) request).getGroupId(), "group")))
          .build();
      case "CreateUserGroup" -> createGroup((CreateUserGroupRequest) request);
      case "UpdateUserGroup" -> updateGroup((UpdateUserGroupRequest) request, caller);
      case "DeleteUserGroup" -> deleteGroup((DeleteUserGroupRequest) request, caller);
      case "AddUserGroupMember" -> addMember((AddUserGroupMemberRequest) request, caller);
      case "RemoveUserGroupMember" -> removeMember((RemoveUserGroupMemberRequest) request);
      case "GetUserGroupMembers" -> getMembers((GetUserGroupMembersRequest) request);
      case "SetUserGroupNamespaceAccess" -> setGroupNamespaceAccess((SetUserGroupNamespaceAccessRequest) request);
      case "GetServiceAccounts" -> getServiceAccounts((GetServiceAccountsRequest) request);
      case "GetServiceAccount" -> GetServiceAccountResponse.newBuilder()
          .setServiceAccount(Protos.serviceAccount(found(store.serviceAccounts(),
              ((GetServiceAccountRequest) request).getServiceAccountId(), "service account")))
          .build();
      case "CreateServiceAccount" -> createServiceAccount((CreateServiceAccountRequest) request);
      case "UpdateServiceAccount" -> updateServiceAccount((UpdateServiceAccountRequest) request);
      case "DeleteServiceAccount" -> deleteServiceAccount((DeleteServiceAccountRequest) request);
      case "SetServiceAccountNamespaceAccess" ->
          setServiceAccountNamespaceAccess((SetServiceAccountNamespaceAccessRequest) request);
      case "GetApiKeys" -> getApiKeys((GetApiKeysRequest) request, caller);
      case "GetApiKey" -> GetApiKeyResponse.newBuilder()
          .setApiKey(Protos.apiKey(ownKey(((GetApiKeyRequest) request).getKeyId(), caller), clock.instant()))
          .build();
      case "CreateApiKey" -> createApiKey((CreateApiKeyRequest) request, caller);
      case "UpdateApiKey" -> updateApiKey((UpdateApiKeyRequest) request, caller);
      case "DeleteApiKey" -> deleteApiKey((DeleteApiKeyRequest) request, caller);
      case "GetNamespaces" -> getNamespaces((GetNamespacesRequest) request, caller);
      case "GetNamespace" -> GetNamespaceResponse.newBuilder()
          .setNamespace(Protos.namespace(found(store.namespaces(), ((GetNamespaceRequest) request).getNamespace(),
              "namespace")))
          .build();
      case "CreateNamespace" -> createNamespace((CreateNamespaceRequest) request, caller);
      case "UpdateNamespace" -> updateNamespace((UpdateNamespaceRequest) request);
      case "DeleteNamespace" -> deleteNamespace((DeleteNamespaceRequest) request);
      case "GetAuditLogs" -> auditLogs.query((GetAuditLogsRequest) request);
      default -> throw new OpsException(Status.UNIMPLEMENTED.withDescription(method + " is not served"));
    };
  }

  // ---- identity

  private GetCurrentIdentityResponse currentIdentity(Claims caller) {
    String id = CloudAccessPolicy.principalId(caller);
    GetCurrentIdentityResponse.Builder b = GetCurrentIdentityResponse.newBuilder();
    if (CloudAccessPolicy.isServiceAccount(caller)) {
      b.setServiceAccount(Protos.serviceAccount(found(store.serviceAccounts(), id, "service account")));
    } else {
      b.setUser(Protos.user(found(store.users(), id, "user")));
    }
    if (caller.extensions().get(dev.gatehouse.auth.StoreClaims.API_KEY_ID) instanceof String keyId) {
      store.apiKeys().get(keyId).ifPresent(k -> b.setPrincipalApiKey(Protos.apiKey(k, clock.instant())));
    }
    return b.build();
  }

  private GetAsyncOperationResponse getOperation(GetAsyncOperationRequest r) {
    return GetAsyncOperationResponse.newBuilder()
        .setAsyncOperation(Protos.operation(found(store.asyncOperations(), r.getAsyncOperationId(),
            "async operation")))
        .build();
  }

  // ---- users

  private GetUsersResponse getUsers(GetUsersRequest r) {
    Page<User> page = filtered(store.users(), r.getPageSize(), r.getPageToken(), u ->
        (r.getEmail().isEmpty() || u.email().equalsIgnoreCase(r.getEmail()))
            && (r.getNamespace().isEmpty() || u.access().namespaces().containsKey(r.getNamespace())));
    GetUsersResponse.Builder b = GetUsersResponse.newBuilder().setNextPageToken(page.nextPageToken());
    page.items().forEach(u -> b.addUsers(Protos.user(u)));
    return b.build();
  }

  private CreateUserResponse createUser(CreateUserRequest r) {
    String email = Validation.email(r.getSpec().getEmail());
    Access access = access(r.getSpec().getAccess(), true);
    User created = store.users().create(new User(newId(), email, access, null));
    return CreateUserResponse.newBuilder().setUserId(created.id())
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "CreateUser")).build();
  }

  private UpdateUserResponse updateUser(UpdateUserRequest r, Claims caller) {
    User current = found(store.users(), r.getUserId(), "user");
    requireMayManage(caller, current.access().accountRole(), "changing a user");
    String email = Validation.email(r.getSpec().getEmail());
    Access access = access(r.getSpec().getAccess(), true);
    if (access.accountRole() != AccountRole.OWNER) {
      requireAnotherOwner(current);
    }
    store.users().update(new User(current.id(), email, access, current.meta()), version(r.getResourceVersion()));
    return UpdateUserResponse.newBuilder().setAsyncOperation(fulfilled(r.getAsyncOperationId(), "UpdateUser"))
        .build();
  }

  private DeleteUserResponse deleteUser(DeleteUserRequest r, Claims caller) {
    User current = found(store.users(), r.getUserId(), "user");
    requireMayManage(caller, current.access().accountRole(), "deleting a user");
    requireAnotherOwner(current);
    store.users().delete(current.id(), version(r.getResourceVersion()));
    // What the user held goes with them: their keys and their group memberships.
    deleteKeysOf(current.id());
    forEach(store.userGroups(), g -> g.memberIds().contains(current.id()), g -> {
      Set<String> members = new HashSet<>(g.memberIds());
      members.remove(current.id());
      store.userGroups().update(new UserGroup(g.id(), g.displayName(), g.access(), members, g.meta()), null);
    });
    return DeleteUserResponse.newBuilder().setAsyncOperation(fulfilled(r.getAsyncOperationId(), "DeleteUser"))
        .build();
  }

  private SetUserNamespaceAccessResponse setUserNamespaceAccess(SetUserNamespaceAccessRequest r) {
    User u = found(store.users(), r.getUserId(), "user");
    Access access = withNamespace(u.access(), r.getNamespace(), r.getAccess());
    store.users().update(new User(u.id(), u.email(), access, u.meta()), version(r.getResourceVersion()));
    return SetUserNamespaceAccessResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "SetUserNamespaceAccess")).build();
  }

  // ---- groups

  private GetUserGroupsResponse getGroups(GetUserGroupsRequest r) {
    if (r.hasGoogleGroup() || r.hasScimGroup()) {
      throw Validation.invalid("Gatehouse keeps its own groups; google_group and scim_group filters match none");
    }
    Page<UserGroup> page = filtered(store.userGroups(), r.getPageSize(), r.getPageToken(), g ->
        (r.getDisplayName().isEmpty() || g.displayName().equals(r.getDisplayName()))
            && (r.getNamespace().isEmpty() || g.access().namespaces().containsKey(r.getNamespace())));
    GetUserGroupsResponse.Builder b = GetUserGroupsResponse.newBuilder().setNextPageToken(page.nextPageToken());
    page.items().forEach(g -> b.addGroups(Protos.group(g)));
    return b.build();
  }

  private CreateUserGroupResponse createGroup(CreateUserGroupRequest r) {
    groupKind(r.getSpec());
    String name = Validation.displayName("spec.display_name", r.getSpec().getDisplayName(), 200);
    Access access = access(r.getSpec().getAccess(), true);
    UserGroup created = store.userGroups().create(new UserGroup(newId(), name, access, Set.of(), null));
    return CreateUserGroupResponse.newBuilder().setGroupId(created.id())
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "CreateUserGroup")).build();
  }

  private static void groupKind(io.temporal.api.cloud.identity.v1.UserGroupSpec spec) {
    if (spec.hasGoogleGroup() || spec.hasScimGroup()) {
      throw Validation.invalid("Gatehouse keeps its own groups (cloud_group); google_group and scim_group are not"
          + " supported");
    }
  }

  private UpdateUserGroupResponse updateGroup(UpdateUserGroupRequest r, Claims caller) {
    UserGroup g = found(store.userGroups(), r.getGroupId(), "group");
    requireMayManage(caller, g.access().accountRole(), "changing a group");
    groupKind(r.getSpec());
    String name = Validation.displayName("spec.display_name", r.getSpec().getDisplayName(), 200);
    Access access = access(r.getSpec().getAccess(), true);
    store.userGroups().update(new UserGroup(g.id(), name, access, g.memberIds(), g.meta()),
        version(r.getResourceVersion()));
    return UpdateUserGroupResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "UpdateUserGroup")).build();
  }

  private DeleteUserGroupResponse deleteGroup(DeleteUserGroupRequest r, Claims caller) {
    UserGroup g = found(store.userGroups(), r.getGroupId(), "group");
    requireMayManage(caller, g.access().accountRole(), "deleting a group");
    store.userGroups().delete(g.id(), version(r.getResourceVersion()));
    return DeleteUserGroupResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "DeleteUserGroup")).build();
  }

  private AddUserGroupMemberResponse addMember(AddUserGroupMemberRequest r, Claims caller) {
    UserGroup g = found(store.userGroups(), r.getGroupId(), "group");
    // Joining a group grants its role.
    requireMayManage(caller, g.access().accountRole(), "adding a member to a group");
    User u = found(store.users(), r.getMemberId().getUserId(), "user");
    Set<String> members = new HashSet<>(g.memberIds());
    if (!members.add(u.id())) {
      throw new OpsException(Status.ALREADY_EXISTS.withDescription("user " + u.id() + " is already a member"));
    }
    store.userGroups().update(new UserGroup(g.id(), g.displayName(), g.access(), members, g.meta()), null);
    return AddUserGroupMemberResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "AddUserGroupMember")).build();
  }

  private RemoveUserGroupMemberResponse removeMember(RemoveUserGroupMemberRequest r) {
    UserGroup g = found(store.userGroups(), r.getGroupId(), "group");
    Set<String> members = new HashSet<>(g.memberIds());
    if (!members.remove(r.getMemberId().getUserId())) {
      throw new OpsException(Status.NOT_FOUND.withDescription("user " + r.getMemberId().getUserId()
          + " is not a member of group " + g.id()));
    }
    store.userGroups().update(new UserGroup(g.id(), g.displayName(), g.access(), members, g.meta()), null);
    return RemoveUserGroupMemberResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "RemoveUserGroupMember")).build();
  }

  private GetUserGroupMembersResponse getMembers(GetUserGroupMembersRequest r) {
    UserGroup g = found(store.userGroups(), r.getGroupId(), "group");
    int size = Validation.pageSize(r.getPageSize());
    // Members in id order; the token is the last id of the page before.
    List<String> ids = g.memberIds().stream().filter(id -> id.compareTo(r.getPageToken()) > 0).toList();
    GetUserGroupMembersResponse.Builder b = GetUserGroupMembersResponse.newBuilder();
    for (String id : ids.subList(0, Math.min(size, ids.size()))) {
      b.addMembers(UserGroupMember.newBuilder().setMemberId(UserGroupMemberId.newBuilder().setUserId(id)));
    }
    if (ids.size() > size) {
      b.setNextPageToken(ids.get(size - 1));
    }
    return b.build();
  }

  private SetUserGroupNamespaceAccessResponse setGroupNamespaceAccess(SetUserGroupNamespaceAccessRequest r) {
    UserGroup g = found(store.userGroups(), r.getGroupId(), "group");
    Access access = withNamespace(g.access(), r.getNamespace(), r.getAccess());
    store.userGroups().update(new UserGroup(g.id(), g.displayName(), access, g.memberIds(), g.meta()),
        version(r.getResourceVersion()));
    return SetUserGroupNamespaceAccessResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "SetUserGroupNamespaceAccess")).build();
  }

  // ---- service accounts

  private GetServiceAccountsResponse getServiceAccounts(GetServiceAccountsRequest r) {
    Page<ServiceAccount> page = filtered(store.serviceAccounts(), r.getPageSize(), r.getPageToken(), s -> true);
    GetServiceAccountsResponse.Builder b = GetServiceAccountsResponse.newBuilder()
        .setNextPageToken(page.nextPageToken());
    page.items().forEach(s -> b.addServiceAccount(Protos.serviceAccount(s)));
    return b.build();
  }

  private ServiceAccount serviceAccountOf(String id, io.temporal.api.cloud.identity.v1.ServiceAccountSpec spec) {
    String name = Validation.displayName("spec.name", spec.getName(), 200);
    if (spec.hasNamespaceScopedAccess() == spec.hasAccess()) {
      throw Validation.invalid("set exactly one of spec.access (account-wide) and spec.namespace_scoped_access");
    }
    if (spec.hasNamespaceScopedAccess()) {
      String ns = spec.getNamespaceScopedAccess().getNamespace();
      existingNamespace(ns);
      NamespacePermission p = Protos.permission(spec.getNamespaceScopedAccess().getAccess(),
          "spec.namespace_scoped_access.access");
      return new ServiceAccount(id, name, spec.getDescription(), Access.NONE, ns, p, null);
    }
    Access access = access(spec.getAccess(), true);
    if (access.accountRole() == AccountRole.OWNER) {
      throw Validation.invalid("a service account cannot be Account Owner");
    }
    return new ServiceAccount(id, name, spec.getDescription(), access, null, null, null);
  }

  private CreateServiceAccountResponse createServiceAccount(CreateServiceAccountRequest r) {
    ServiceAccount created = store.serviceAccounts().create(serviceAccountOf(newId(), r.getSpec()));
    return CreateServiceAccountResponse.newBuilder().setServiceAccountId(created.id())
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "CreateServiceAccount")).build();
  }

  private UpdateServiceAccountResponse updateServiceAccount(UpdateServiceAccountRequest r) {
    ServiceAccount current = found(store.serviceAccounts(), r.getServiceAccountId(), "service account");
    ServiceAccount next = serviceAccountOf(current.id(), r.getSpec()).withMeta(current.meta());
    store.serviceAccounts().update(next, version(r.getResourceVersion()));
    return UpdateServiceAccountResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "UpdateServiceAccount")).build();
  }

  private DeleteServiceAccountResponse deleteServiceAccount(DeleteServiceAccountRequest r) {
    ServiceAccount current = found(store.serviceAccounts(), r.getServiceAccountId(), "service account");
    store.serviceAccounts().delete(current.id(), version(r.getResourceVersion()));
    deleteKeysOf(current.id());
    return DeleteServiceAccountResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "DeleteServiceAccount")).build();
  }

  private SetServiceAccountNamespaceAccessResponse setServiceAccountNamespaceAccess(
      SetServiceAccountNamespaceAccessRequest r) {
    ServiceAccount s = found(store.serviceAccounts(), r.getServiceAccountId(), "service account");
    ServiceAccount next;
    if (s.scopedNamespace() != null) {
      if (!s.scopedNamespace().equals(r.getNamespace())) {
        throw Validation.precondition("service account " + s.id() + " is scoped to namespace "
            + s.scopedNamespace() + "; it can hold access to no other namespace");
      }
      NamespacePermission p = Protos.permission(r.getAccess(), "access");
      next = new ServiceAccount(s.id(), s.name(), s.description(), Access.NONE, s.scopedNamespace(), p, s.meta());
    } else {
      next = new ServiceAccount(s.id(), s.name(), s.description(),
          withNamespace(s.access(), r.getNamespace(), r.getAccess()), null, null, s.meta());
    }
    store.serviceAccounts().update(next, version(r.getResourceVersion()));
    return SetServiceAccountNamespaceAccessResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "SetServiceAccountNamespaceAccess")).build();
  }

  // ---- API keys

  private GetApiKeysResponse getApiKeys(GetApiKeysRequest r, Claims caller) {
    boolean admin = CloudAccessPolicy.isAccountAdmin(caller);
    String self = CloudAccessPolicy.principalId(caller);
    if (!r.getOwnerTypeDeprecated().isEmpty()) {
      throw Validation.invalid("owner_type_deprecated is not supported; set owner_type");
    }
    OwnerType type = switch (r.getOwnerType()) {
      case OWNER_TYPE_USER -> OwnerType.USER;
      case OWNER_TYPE_SERVICE_ACCOUNT -> OwnerType.SERVICE_ACCOUNT;
      case OWNER_TYPE_UNSPECIFIED -> null;
      default -> throw Validation.invalid("owner_type is not a known owner type");
    };
    // Everyone sees their own keys; Owners and Global Admins see every key.
    Page<ApiKey> page = filtered(store.apiKeys(), r.getPageSize(), r.getPageToken(), k ->
        (admin || k.ownerId().equals(self))
            && (r.getOwnerId().isEmpty() || k.ownerId().equals(r.getOwnerId()))
            && (type == null || k.ownerType() == type));
    Instant now = clock.instant();
    GetApiKeysResponse.Builder b = GetApiKeysResponse.newBuilder().setNextPageToken(page.nextPageToken());
    page.items().forEach(k -> b.addApiKeys(Protos.apiKey(k, now)));
    return b.build();
  }

  /**
   * A key the caller may manage: their own, or, for Owners and Global Admins, one whose owner holds a role they could
   * grant; others are not found.
   */
  private ApiKey ownKey(String keyId, Claims caller) {
    ApiKey k = store.apiKeys().get(keyId).orElse(null);
    boolean own = k != null && k.ownerId().equals(CloudAccessPolicy.principalId(caller));
    if (k == null || (!own && !(CloudAccessPolicy.isAccountAdmin(caller) && CloudAccessPolicy.mayGrant(
        CloudAccessPolicy.accountRole(caller).orElse(AccountRole.NONE), ownerRoleOrNone(k))))) {
      throw new OpsException(Status.NOT_FOUND.withDescription("API key " + Validation.printable(keyId)
          + " not found"));
    }
    return k;
  }

  private AccountRole ownerRole(OwnerType type, String ownerId) {
    var role = type == OwnerType.USER
        ? store.users().get(ownerId).map(u -> u.access().accountRole())
        : store.serviceAccounts().get(ownerId).map(s -> s.access().accountRole());
    return role.orElseThrow(() -> new OpsException(Status.NOT_FOUND.withDescription("owner "
        + Validation.printable(ownerId) + " not found")));
  }

  private AccountRole ownerRoleOrNone(ApiKey k) {
    try {
      return ownerRole(k.ownerType(), k.ownerId());
    } catch (OpsException gone) {
      return AccountRole.NONE;
    }
  }

  private CreateApiKeyResponse createApiKey(CreateApiKeyRequest r, Claims caller) {
    var spec = r.getSpec();
    if (!spec.getOwnerTypeDeprecated().isEmpty()) {
      throw Validation.invalid("spec.owner_type_deprecated is not supported; set spec.owner_type");
    }
    OwnerType type = switch (spec.getOwnerType()) {
      case OWNER_TYPE_USER -> OwnerType.USER;
      case OWNER_TYPE_SERVICE_ACCOUNT -> OwnerType.SERVICE_ACCOUNT;
      default -> throw Validation.invalid("spec.owner_type is required: OWNER_TYPE_USER or"
          + " OWNER_TYPE_SERVICE_ACCOUNT");
    };
    if (spec.getOwnerId().isEmpty()) {
      throw Validation.invalid("spec.owner_id is required");
    }
    AccountRole ownerRole = ownerRole(type, spec.getOwnerId());
    if (!spec.getOwnerId().equals(CloudAccessPolicy.principalId(caller))) {
      requireMayManage(caller, ownerRole, "an API key for a principal");
    }
    String name = Validation.displayName("spec.display_name", spec.getDisplayName(), 200);
    Instant now = clock.instant();
    Instant expiry = Validation.apiKeyExpiry(spec.getExpiryTime(), spec.hasExpiryTime(), now);
    long held = count(store.apiKeys(), k -> k.ownerId().equals(spec.getOwnerId()));
    if (held >= apiKeysPerOwner) {
      throw Validation.precondition("the owner already has " + held + " API keys, the limit; delete one first");
    }
    ApiKeyIssuer.IssuedKey issued = keys.issue();
    ApiKey created = store.createApiKey(new ApiKey(issued.keyId(), spec.getOwnerId(), type, name,
        spec.getDescription(), expiry, spec.getDisabled(), null, null), issued.secretHash());
    return CreateApiKeyResponse.newBuilder()
        .setKeyId(created.id())
        .setToken(issued.token())
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "CreateApiKey"))
        .build();
  }

  private UpdateApiKeyResponse updateApiKey(UpdateApiKeyRequest r, Claims caller) {
    ApiKey k = ownKey(r.getKeyId(), caller);
    var spec = r.getSpec();
    if (!spec.getOwnerId().isEmpty() && !spec.getOwnerId().equals(k.ownerId())) {
      throw Validation.invalid("spec.owner_id cannot change; create a key for the new owner instead");
    }
    if (spec.hasExpiryTime() && !Protos.timestamp(k.expiry()).equals(spec.getExpiryTime())) {
      throw Validation.invalid("spec.expiry_time cannot change; create a new key instead");
    }
    String name = Validation.displayName("spec.display_name", spec.getDisplayName(), 200);
    store.apiKeys().update(new ApiKey(k.id(), k.ownerId(), k.ownerType(), name, spec.getDescription(), k.expiry(),
        spec.getDisabled(), k.lastUsed(), k.meta()), version(r.getResourceVersion()));
    return UpdateApiKeyResponse.newBuilder().setAsyncOperation(fulfilled(r.getAsyncOperationId(), "UpdateApiKey"))
        .build();
  }

  private DeleteApiKeyResponse deleteApiKey(DeleteApiKeyRequest r, Claims caller) {
    ApiKey k = ownKey(r.getKeyId(), caller);
    store.apiKeys().delete(k.id(), version(r.getResourceVersion()));
    return DeleteApiKeyResponse.newBuilder().setAsyncOperation(fulfilled(r.getAsyncOperationId(), "DeleteApiKey"))
        .build();
  }

  private void deleteKeysOf(String ownerId) {
    forEach(store.apiKeys(), k -> k.ownerId().equals(ownerId), k -> store.apiKeys().delete(k.id(), null));
  }

  // ---- namespaces

  private GetNamespacesResponse getNamespaces(GetNamespacesRequest r, Claims caller) {
    Page<Namespace> page = filtered(store.namespaces(), r.getPageSize(), r.getPageToken(), n ->
        (r.getName().isEmpty() || n.name().equals(r.getName()))
            && CloudAccessPolicy.mayReadNamespace(caller, n.name()));
    GetNamespacesResponse.Builder b = GetNamespacesResponse.newBuilder().setNextPageToken(page.nextPageToken());
    page.items().forEach(n -> b.addNamespaces(Protos.namespace(n)));
    return b.build();
  }

  private Namespace namespaceOf(NamespaceSpec spec, String name) {
    if (spec.getRegionsCount() > 0 || spec.getReplicasCount() > 0) {
      throw Validation.invalid("regions and replicas are not supported: Gatehouse fronts one Temporal Service");
    }
    if (!spec.getMtlsAuth().getAcceptedClientCaDeprecated().isEmpty() && !spec.getMtlsAuth().getAcceptedClientCa()
        .isEmpty()) {
      throw Validation.invalid("set mtls_auth.accepted_client_ca or its deprecated string twin, not both");
    }
    byte[] ca = spec.getMtlsAuth().getAcceptedClientCa().isEmpty()
        ? spec.getMtlsAuth().getAcceptedClientCaDeprecated().getBytes(java.nio.charset.StandardCharsets.US_ASCII)
        : spec.getMtlsAuth().getAcceptedClientCa().toByteArray();
    String bundle = Validation.caBundle(ca, clock.instant());
    boolean mtls = spec.getMtlsAuth().getEnabled();
    if (mtls && bundle.isEmpty()) {
      throw Validation.invalid("mtls_auth.enabled needs mtls_auth.accepted_client_ca (the CAs of your clients)");
    }
    var filters = Validation.certificateFilters(spec.getMtlsAuth().getCertificateFiltersList());
    CodecServerSpec codec = null;
    if (spec.hasCodecServer()) {
      codec = new CodecServerSpec(Validation.codecEndpoint(spec.getCodecServer().getEndpoint()),
          spec.getCodecServer().getPassAccessToken(), spec.getCodecServer().getIncludeCrossOriginCredentials());
    }
    return new Namespace(name, bundle, filters, mtls, spec.getApiKeyAuth().getEnabled(), codec,
        Validation.retentionDays(spec.getRetentionDays()), null);
  }

  private CreateNamespaceResponse createNamespace(CreateNamespaceRequest r, Claims caller) {
    String name = Validation.namespaceName(r.getSpec().getName());
    Namespace created = store.namespaces().create(namespaceOf(r.getSpec(), name));
    // A Developer who creates a namespace administers it, as on Cloud; Owners and Global Admins already do.
    if (!CloudAccessPolicy.isAccountAdmin(caller)) {
      grantCreator(caller, created.name());
    }
    registrar.register(created.name(), created.retentionDays());
    return CreateNamespaceResponse.newBuilder().setNamespace(created.name())
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "CreateNamespace")).build();
  }

  private void grantCreator(Claims caller, String namespace) {
    String id = CloudAccessPolicy.principalId(caller);
    UnaryOperator<Access> grant = a -> {
      Map<String, NamespacePermission> ns = new HashMap<>(a.namespaces());
      ns.put(namespace, NamespacePermission.ADMIN);
      return new Access(a.accountRole(), ns);
    };
    if (CloudAccessPolicy.isServiceAccount(caller)) {
      store.serviceAccounts().get(id).filter(s -> s.scopedNamespace() == null).ifPresent(s ->
          store.serviceAccounts().update(new ServiceAccount(s.id(), s.name(), s.description(),
              grant.apply(s.access()), null, null, s.meta()), null));
    } else {
      store.users().get(id).ifPresent(u ->
          store.users().update(new User(u.id(), u.email(), grant.apply(u.access()), u.meta()), null));
    }
  }

  private UpdateNamespaceResponse updateNamespace(UpdateNamespaceRequest r) {
    Namespace current = found(store.namespaces(), r.getNamespace(), "namespace");
    if (!r.getSpec().getName().isEmpty() && !r.getSpec().getName().equals(current.name())) {
      throw Validation.invalid("spec.name cannot change (a namespace cannot be renamed)");
    }
    Namespace next = namespaceOf(r.getSpec(), current.name()).withMeta(current.meta());
    store.namespaces().update(next, version(r.getResourceVersion()));
    if (next.retentionDays() != current.retentionDays()) {
      registrar.retentionChanged(next.name(), next.retentionDays());
    }
    return UpdateNamespaceResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "UpdateNamespace")).build();
  }

  private DeleteNamespaceResponse deleteNamespace(DeleteNamespaceRequest r) {
    Namespace current = found(store.namespaces(), r.getNamespace(), "namespace");
    store.namespaces().delete(current.name(), version(r.getResourceVersion()));
    // Grants on the namespace go with it, so a namespace made later under the same name starts with none.
    String ns = current.name();
    forEach(store.users(), u -> u.access().namespaces().containsKey(ns), u ->
        store.users().update(new User(u.id(), u.email(), without(u.access(), ns), u.meta()), null));
    forEach(store.userGroups(), g -> g.access().namespaces().containsKey(ns), g ->
        store.userGroups().update(new UserGroup(g.id(), g.displayName(), without(g.access(), ns), g.memberIds(),
            g.meta()), null));
    forEach(store.serviceAccounts(), s -> s.access().namespaces().containsKey(ns), s ->
        store.serviceAccounts().update(new ServiceAccount(s.id(), s.name(), s.description(), without(s.access(), ns),
            s.scopedNamespace(), s.scopedPermission(), s.meta()), null));
    return DeleteNamespaceResponse.newBuilder()
        .setAsyncOperation(fulfilled(r.getAsyncOperationId(), "DeleteNamespace")).build();
  }

  // ---- helpers

  /**
   * Nobody acts on a principal whose account role they could not grant: a Global Admin neither changes, deletes nor
   * makes keys for an Account Owner (which would hand them the Owner's power).
   */
  private static void requireMayManage(Claims caller, AccountRole target, String what) {
    AccountRole own = CloudAccessPolicy.accountRole(caller).orElse(AccountRole.NONE);
    if (!CloudAccessPolicy.mayGrant(own, target)) {
      throw new OpsException(Status.PERMISSION_DENIED.withDescription(what + " of an account role above "
          + CloudAccessPolicy.wireName(own) + " needs that role"));
    }
  }

  /** The account must keep an Owner: the last one may not be demoted or deleted. */
  private void requireAnotherOwner(User leaving) {
    if (leaving.access().accountRole() == AccountRole.OWNER
        && count(store.users(), u -> u.access().accountRole() == AccountRole.OWNER) <= 1) {
      throw Validation.precondition("user " + leaving.id() + " is the account's only Owner; make another Owner"
          + " first");
    }
  }

  private Namespace existingNamespace(String name) {
    if (name.isEmpty()) {
      throw Validation.invalid("namespace is required");
    }
    return store.namespaces().get(name).orElseThrow(() ->
        new OpsException(Status.NOT_FOUND.withDescription("namespace " + Validation.printable(name) + " not found")));
  }

  private Access access(io.temporal.api.cloud.identity.v1.Access a, boolean roleRequired) {
    if (a.getCustomRolesDeprecatedCount() > 0 || a.getAccountAccess().getCustomRolesCount() > 0) {
      throw Validation.invalid("custom roles are not supported");
    }
    AccountRole role = Protos.accountRole(a.getAccountAccess(), roleRequired);
    Map<String, NamespacePermission> ns = new HashMap<>();
    for (Map.Entry<String, NamespaceAccess> e : a.getNamespaceAccessesMap().entrySet()) {
      existingNamespace(e.getKey());
      ns.put(e.getKey(), Protos.permission(e.getValue(), "access.namespace_accesses[" + e.getKey() + "]"));
    }
    return new Access(role, ns);
  }

  /** {@code access} with {@code namespace} set to the requested permission (unspecified removes it). */
  private Access withNamespace(Access access, String namespace, NamespaceAccess requested) {
    existingNamespace(namespace);
    Map<String, NamespacePermission> ns = new HashMap<>(access.namespaces());
    if (requested.getPermission() == NamespaceAccess.Permission.PERMISSION_UNSPECIFIED
        && requested.getPermissionDeprecated().isEmpty()) {
      ns.remove(namespace);
    } else {
      ns.put(namespace, Protos.permission(requested, "access"));
    }
    return new Access(access.accountRole(), ns);
  }

  private static Access without(Access access, String namespace) {
    Map<String, NamespacePermission> ns = new HashMap<>(access.namespaces());
    ns.remove(namespace);
    return new Access(access.accountRole(), ns);
  }

  private static <T extends Entity> T found(Entities<T> entities, String id, String kind) {
    if (id == null || id.isEmpty()) {
      throw Validation.invalid(kind + " id is required");
    }
    return entities.get(id).orElseThrow(() ->
        new OpsException(Status.NOT_FOUND.withDescription(kind + " " + Validation.printable(id) + " not found")));
  }

  private static String version(String resourceVersion) {
    return resourceVersion == null || resourceVersion.isEmpty() ? null : resourceVersion;
  }

  /** One store page, filtered: a page may hold fewer items than asked for and still have a next page. */
  private static <T extends Entity> Page<T> filtered(Entities<T> entities, int pageSize, String token,
      Predicate<T> keep) {
    Page<T> page = entities.list(Validation.pageSize(pageSize), token);
    return new Page<>(page.items().stream().filter(keep).toList(), page.nextPageToken());
  }

  private static <T extends Entity> void forEach(Entities<T> entities, Predicate<T> which,
      java.util.function.Consumer<T> action) {
    List<T> matching = new ArrayList<>();
    String token = "";
    do {
      Page<T> page = entities.list(1000, token);
      page.items().stream().filter(which).forEach(matching::add);
      token = page.nextPageToken();
    } while (!token.isEmpty());
    matching.forEach(action);
  }

  private static <T extends Entity> long count(Entities<T> entities, Predicate<T> which) {
    long n = 0;
    String token = "";
    do {
      Page<T> page = entities.list(1000, token);
      n += page.items().stream().filter(which).count();
      token = page.nextPageToken();
    } while (!token.isEmpty());
    return n;
  }

  private io.temporal.api.cloud.operation.v1.AsyncOperation fulfilled(String requestedId, String type) {
    String id = requestedId == null || requestedId.isEmpty() ? newId() : requestedId;
    if (id.length() > 200) {
      throw Validation.invalid("async_operation_id is longer than 200 characters");
    }
    Instant now = clock.instant();
    AsyncOperation op = store.asyncOperations().create(
        new AsyncOperation(id, "fulfilled", type, now, now, "", null));
    return Protos.operation(op);
  }

  static String newId() {
    return UUID.randomUUID().toString().replace("-", "");
  }
}
