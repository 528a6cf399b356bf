package dev.gatehouse.auth;

import com.google.protobuf.Message;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.NamespacePermission;
import io.temporal.api.cloud.cloudservice.v1.CreateApiKeyRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateServiceAccountRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateUserGroupRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateUserRequest;
import io.temporal.api.cloud.cloudservice.v1.GetServiceAccountRequest;
import io.temporal.api.cloud.cloudservice.v1.GetUserRequest;
import io.temporal.api.cloud.cloudservice.v1.UpdateServiceAccountRequest;
import io.temporal.api.cloud.cloudservice.v1.UpdateUserGroupRequest;
import io.temporal.api.cloud.cloudservice.v1.UpdateUserRequest;
import io.temporal.api.cloud.identity.v1.Access;
import io.temporal.api.cloud.identity.v1.AccountAccess;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call which Ops API ({@code CloudService}) method: Temporal Cloud's permissions reference, decided from the
 * caller's account role and Cloud namespace permissions, which the store-backed claim mapper puts in
 * {@link Claims#extensions()} ({@code gatehouse.accountRole}, {@code gatehouse.namespacePermissions}).
 *
 * <ul>
 *   <li>Account Owner and Global Admin manage everything and are Namespace Admin everywhere.</li>
 *   <li>Developer reads the account's users, groups and service accounts and creates namespaces.</li>
 *   <li>Read-Only reads the account's users, groups and service accounts.</li>
 *   <li>Finance Admin and Metrics Read manage only their own API keys and see their own identity.</li>
 *   <li>Namespace Admin (a permission on one namespace) changes that namespace and who may use it; Read (and
 *       Write) reads it.</li>
 *   <li>Everyone manages their own API keys; the control plane checks the owner of the key a call names.</li>
 *   <li>Nobody grants an account role above their own: only an Owner makes Owners, and only Owners and Global Admins
 *       grant any account role (a Developer making themselves Global Admin is refused, and the refusal is
 *       audited like every decision).</li>
 * </ul>
 *
 * <p>Decides from memory: the claims and the request. What needs the store (the owner of a key named by id) the
 * control plane checks itself, after this policy.
 */
public final class CloudAccessPolicy implements Authorizer {
  /** The one instance; the policy is stateless. */
  public static final CloudAccessPolicy INSTANCE = new CloudAccessPolicy();

  private static final String PRINCIPAL_TYPE = StoreClaims.PRINCIPAL_TYPE;
  private static final String PRINCIPAL_ID = StoreClaims.PRINCIPAL_ID;
  private static final String ACCOUNT_ROLE = StoreClaims.ACCOUNT_ROLE;
  private static final String NAMESPACE_PERMISSIONS = StoreClaims.NAMESPACE_PERMISSIONS;

  private static final Set<AccountRole> READS_IDENTITIES =
      EnumSet.of(AccountRole.OWNER, AccountRole.ADMIN, AccountRole.DEVELOPER, AccountRole.READ);
  private static final Set<AccountRole> CREATES_NAMESPACES =
      EnumSet.of(AccountRole.OWNER, AccountRole.ADMIN, AccountRole.DEVELOPER);

  private CloudAccessPolicy() {}

  /**
   * The caller's account role; empty when the claims do not come from the store (a JWT, a certificate rule) or
   * carry a role Gatehouse does not know.
   */
  public static Optional<AccountRole> accountRole(Claims claims) {
    if (!(claims.extensions().get(ACCOUNT_ROLE) instanceof String name)) {
      return Optional.empty();
    }
    try {
      return Optional.of(AccountRole.valueOf(name));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The caller's store id ({@code gatehouse.principalId}), or {@code ""}. */
  public static String principalId(Claims claims) {
    return claims.extensions().get(PRINCIPAL_ID) instanceof String id ? id : "";
  }

  /** True for a service account caller. */
  public static boolean isServiceAccount(Claims claims) {
    return StoreClaims.SERVICE_ACCOUNT.equals(claims.extensions().get(PRINCIPAL_TYPE));
  }

  /** True for an Account Owner or Global Admin. */
  public static boolean isAccountAdmin(Claims claims) {
    AccountRole r = accountRole(claims).orElse(AccountRole.NONE);
    return r == AccountRole.OWNER || r == AccountRole.ADMIN;
  }

  /** The caller's Cloud permission on {@code namespace} (Owner and Global Admin: Admin), or {@code null}. */
  public static NamespacePermission permission(Claims claims, String namespace) {
    if (isAccountAdmin(claims)) {
      return NamespacePermission.ADMIN;
    }
    if (claims.extensions().get(NAMESPACE_PERMISSIONS) instanceof Map<?, ?> map
        && map.get(namespace) instanceof NamespacePermission p) {
      return p;
    }
    return null;
  }

  /** May the caller see {@code namespace} and its settings (GetNamespace, an entry of GetNamespaces)? */
  public static boolean mayReadNamespace(Claims claims, String namespace) {
    return permission(claims, namespace) != null;
  }

  /** May the caller change {@code namespace}'s settings and who may use it? */
  public static boolean mayAdministerNamespace(Claims claims, String namespace) {
    return permission(claims, namespace) == NamespacePermission.ADMIN;
  }

  /**
   * Whether a caller holding {@code own} may grant {@code granted}: Owners grant every role, Global Admins every
   * role but Owner, nobody else any ({@link AccountRole#NONE} excepted).
   */
  public static boolean mayGrant(AccountRole own, AccountRole granted) {
    if (granted == AccountRole.NONE) {
      return true;
    }
    return own == AccountRole.OWNER || (own == AccountRole.ADMIN && granted != AccountRole.OWNER);
  }

  @Override
  public Decision authorize(Claims claims, CallTarget target) {
    boolean access = ApiCatalog.ACCESS.equals(target.method().serviceName());
    boolean review = ApiCatalog.REVIEW.equals(target.method().serviceName());
    if (!ApiCatalog.CLOUD.equals(target.method().serviceName()) && !access && !review) {
      return Decision.deny("not an Ops API method");
    }
    Optional<AccountRole> known = accountRole(claims);
    if (claims.isAnonymous() || known.isEmpty()) {
      return Decision.deny("the Ops API needs a Gatehouse user or service account");
    }
    if (access) {
      return ElevatedGrantPolicy.authorize(target.method().methodName());
    }
    if (review) {
      return AccessReviewPolicy.authorize(target.method().methodName(), known.get());
    }
    AccountRole role = known.get();
    String ns = target.namespace();
    String method = target.method().methodName();
    Message request = target.request();

    // The grant check comes first, so a refused escalation says why.
    AccountRole granted = grantedRole(request);
    if (granted != null && !mayGrant(role, granted)) {
      return Decision.deny("granting account role " + wireName(granted) + " needs a higher account role than "
          + wireName(role));
    }

    return switch (method) {
      case "GetCurrentIdentity", "GetAsyncOperation" -> Decision.allow();
      // Ownership of a key named by id is checked by the control plane; listing shows only one's own keys.
      case "GetApiKeys", "GetApiKey", "UpdateApiKey", "DeleteApiKey" -> Decision.allow();
      case "CreateApiKey" -> {
        CreateApiKeyRequest r = (CreateApiKeyRequest) request;
        boolean own = r != null && r.getSpec().getOwnerId().equals(principalId(claims));
        yield own || isAccountAdmin(claims)
            ? Decision.allow()
            : Decision.deny("API keys for another owner need Global Admin or Account Owner");
      }
      case "GetUser" -> {
        GetUserRequest r = (GetUserRequest) request;
        boolean self = r != null && !isServiceAccount(claims) && r.getUserId().equals(principalId(claims));
        yield self || READS_IDENTITIES.contains(role) ? Decision.allow() : deny(method, role);
      }
      case "GetServiceAccount" -> {
        GetServiceAccountRequest r = (GetServiceAccountRequest) request;
        boolean self = r != null && isServiceAccount(claims) && r.getServiceAccountId().equals(principalId(claims));
        yield self || READS_IDENTITIES.contains(role) ? Decision.allow() : deny(method, role);
      }
      case "GetUsers", "GetUserGroups", "GetUserGroup", "GetUserGroupMembers", "GetServiceAccounts" ->
          READS_IDENTITIES.contains(role) ? Decision.allow() : deny(method, role);
      case "CreateUser", "UpdateUser", "DeleteUser", "CreateUserGroup", "UpdateUserGroup", "DeleteUserGroup",
          "AddUserGroupMember", "RemoveUserGroupMember", "UpdateServiceAccount", "DeleteServiceAccount",
          "GetAuditLogs" -> isAccountAdmin(claims) ? Decision.allow() : deny(method, role);
      case "CreateServiceAccount" -> {
        CreateServiceAccountRequest r = (CreateServiceAccountRequest) request;
        // A namespace-scoped service account is its namespace's business: that namespace's admins may make one.
        boolean scoped = r != null && r.getSpec().hasNamespaceScopedAccess() && !r.getSpec().hasAccess();
        if (isAccountAdmin(claims)
            || (scoped && mayAdministerNamespace(claims, r.getSpec().getNamespaceScopedAccess().getNamespace()))) {
          yield Decision.allow();
        }
        yield deny(method, role);
      }
      case "SetUserNamespaceAccess", "SetUserGroupNamespaceAccess", "SetServiceAccountNamespaceAccess",
          "UpdateNamespace", "DeleteNamespace" -> ns.isEmpty()
          ? Decision.deny("namespace not set on request")
          : mayAdministerNamespace(claims, ns) ? Decision.allow() : Decision.deny(method + " needs Namespace Admin");
      case "GetNamespace" -> mayReadNamespace(claims, ns) ? Decision.allow() : Decision.deny("no access to namespace");
      // Filtered to the namespaces the caller may read.
      case "GetNamespaces" -> Decision.allow();
      case "CreateNamespace" -> CREATES_NAMESPACES.contains(role) ? Decision.allow() : deny(method, role);
      default -> Decision.deny(method + " is not served");
    };
  }

  private static Decision deny(String method, AccountRole role) {
    return Decision.deny(method + " is not allowed to account role " + wireName(role));
  }

  /** The account role a request grants, or {@code null} when it grants none (or one Gatehouse does not know). */
  static AccountRole grantedRole(Message request) {
    Access access = switch (request) {
      case CreateUserRequest r -> r.getSpec().getAccess();
      case UpdateUserRequest r -> r.getSpec().getAccess();
      case CreateUserGroupRequest r -> r.getSpec().getAccess();
      case UpdateUserGroupRequest r -> r.getSpec().getAccess();
      case CreateServiceAccountRequest r -> r.getSpec().getAccess();
      case UpdateServiceAccountRequest r -> r.getSpec().getAccess();
      case null, default -> null;
    };
    return access == null ? null : accountRoleOf(access.getAccountAccess().getRole());
  }

  /** The store's role for Cloud's enum; {@code null} for an unspecified or unknown one. */
  public static AccountRole accountRoleOf(AccountAccess.Role role) {
    return switch (role) {
      case ROLE_OWNER -> AccountRole.OWNER;
      case ROLE_ADMIN -> AccountRole.ADMIN;
      case ROLE_DEVELOPER -> AccountRole.DEVELOPER;
      case ROLE_FINANCE_ADMIN -> AccountRole.FINANCE_ADMIN;
      case ROLE_READ -> AccountRole.READ;
      case ROLE_METRICS_READ -> AccountRole.METRICS_READ;
      default -> null;
    };
  }

  /** The store's permission for Cloud's enum; {@code null} for an unspecified or unknown one. */
  public static NamespacePermission permissionOf(NamespaceAccess.Permission permission) {
    return switch (permission) {
      case PERMISSION_ADMIN -> NamespacePermission.ADMIN;
      case PERMISSION_WRITE -> NamespacePermission.WRITE;
      case PERMISSION_READ -> NamespacePermission.READ;
      default -> null;
    };
  }

  /** Cloud's lower-case name of a role ({@code admin} is Global Admin). */
  public static String wireName(AccountRole role) {
    return role.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @Override
  public String toString() {
    return "cloud-access-policy";
  }
}
