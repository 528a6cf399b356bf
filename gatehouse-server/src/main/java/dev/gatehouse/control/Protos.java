package dev.gatehouse.control;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.gatehouse.auth.CloudAccessPolicy;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.AsyncOperation;
import dev.gatehouse.store.CertificateFilter;
import dev.gatehouse.store.Meta;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import io.temporal.api.cloud.identity.v1.AccountAccess;
import io.temporal.api.cloud.identity.v1.ApiKeySpec;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.NamespaceScopedAccess;
import io.temporal.api.cloud.identity.v1.ServiceAccountSpec;
import io.temporal.api.cloud.identity.v1.UserGroupSpec;
import io.temporal.api.cloud.identity.v1.UserSpec;
import io.temporal.api.cloud.namespace.v1.ApiKeyAuthSpec;
import io.temporal.api.cloud.namespace.v1.CertificateFilterSpec;
import io.temporal.api.cloud.namespace.v1.CodecServerSpec;
import io.temporal.api.cloud.namespace.v1.MtlsAuthSpec;
import io.temporal.api.cloud.namespace.v1.NamespaceSpec;
import io.temporal.api.cloud.operation.v1.AsyncOperation.State;
import io.temporal.api.cloud.resource.v1.ResourceState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** The store's records as Cloud's messages. */
final class Protos {
  private Protos() {}

  static Timestamp timestamp(Instant at) {
    return at == null ? Timestamp.getDefaultInstance()
        : Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  static AccountAccess.Role role(AccountRole role) {
    return switch (role) {
      case OWNER -> AccountAccess.Role.ROLE_OWNER;
      case ADMIN -> AccountAccess.Role.ROLE_ADMIN;
      case DEVELOPER -> AccountAccess.Role.ROLE_DEVELOPER;
      case FINANCE_ADMIN -> AccountAccess.Role.ROLE_FINANCE_ADMIN;
      case READ -> AccountAccess.Role.ROLE_READ;
      case METRICS_READ -> AccountAccess.Role.ROLE_METRICS_READ;
      case NONE -> AccountAccess.Role.ROLE_UNSPECIFIED;
    };
  }

  static NamespaceAccess.Permission permission(NamespacePermission p) {
    return switch (p) {
      case ADMIN -> NamespaceAccess.Permission.PERMISSION_ADMIN;
      case WRITE -> NamespaceAccess.Permission.PERMISSION_WRITE;
      case READ -> NamespaceAccess.Permission.PERMISSION_READ;
    };
  }

  static NamespaceAccess namespaceAccess(NamespacePermission p) {
    return NamespaceAccess.newBuilder().setPermission(permission(p)).build();
  }

  static io.temporal.api.cloud.identity.v1.Access access(Access a) {
    io.temporal.api.cloud.identity.v1.Access.Builder b = io.temporal.api.cloud.identity.v1.Access.newBuilder()
        .setAccountAccess(AccountAccess.newBuilder().setRole(role(a.accountRole())));
    for (Map.Entry<String, NamespacePermission> e : a.namespaces().entrySet()) {
      b.putNamespaceAccesses(e.getKey(), namespaceAccess(e.getValue()));
    }
    return b.build();
  }

  static io.temporal.api.cloud.identity.v1.User user(User u) {
    return io.temporal.api.cloud.identity.v1.User.newBuilder()
        .setId(u.id())
        .setResourceVersion(nonNull(u.meta().resourceVersion()))
        .setSpec(UserSpec.newBuilder().setEmail(u.email()).setAccess(access(u.access())))
        .setState(ResourceState.RESOURCE_STATE_ACTIVE)
        .setCreatedTime(timestamp(u.meta().created()))
        .setLastModifiedTime(timestamp(u.meta().modified()))
        .build();
  }

  static io.temporal.api.cloud.identity.v1.UserGroup group(UserGroup g) {
    return io.temporal.api.cloud.identity.v1.UserGroup.newBuilder()
        .setId(g.id())
        .setResourceVersion(nonNull(g.meta().resourceVersion()))
        .setSpec(UserGroupSpec.newBuilder().setDisplayName(g.displayName()).setAccess(access(g.access()))
            .setCloudGroup(io.temporal.api.cloud.identity.v1.CloudGroupSpec.getDefaultInstance()))
        .setState(ResourceState.RESOURCE_STATE_ACTIVE)
        .setCreatedTime(timestamp(g.meta().created()))
        .setLastModifiedTime(timestamp(g.meta().modified()))
        .build();
  }

  static io.temporal.api.cloud.identity.v1.ServiceAccount serviceAccount(ServiceAccount s) {
    ServiceAccountSpec.Builder spec = ServiceAccountSpec.newBuilder().setName(s.name()).setDescription(s.description());
    if (s.scopedNamespace() != null) {
      spec.setNamespaceScopedAccess(NamespaceScopedAccess.newBuilder().setNamespace(s.scopedNamespace())
          .setAccess(namespaceAccess(s.scopedPermission())));
    } else {
      spec.setAccess(access(s.access()));
    }
    return io.temporal.api.cloud.identity.v1.ServiceAccount.newBuilder()
        .setId(s.id())
        .setResourceVersion(nonNull(s.meta().resourceVersion()))
        .setSpec(spec)
        .setState(ResourceState.RESOURCE_STATE_ACTIVE)
        .setCreatedTime(timestamp(s.meta().created()))
        .setLastModifiedTime(timestamp(s.meta().modified()))
        .build();
  }

  static io.temporal.api.cloud.identity.v1.OwnerType ownerType(OwnerType t) {
    return t == OwnerType.USER ? io.temporal.api.cloud.identity.v1.OwnerType.OWNER_TYPE_USER
        : io.temporal.api.cloud.identity.v1.OwnerType.OWNER_TYPE_SERVICE_ACCOUNT;
  }

  static io.temporal.api.cloud.identity.v1.ApiKey apiKey(ApiKey k, Instant now) {
    boolean expired = !k.expiry().isAfter(now);
    return io.temporal.api.cloud.identity.v1.ApiKey.newBuilder()
        .setId(k.id())
        .setResourceVersion(nonNull(k.meta().resourceVersion()))
        .setSpec(ApiKeySpec.newBuilder()
            .setOwnerId(k.ownerId())
            .setOwnerType(ownerType(k.ownerType()))
            .setDisplayName(nonNull(k.displayName()))
            .setDescription(k.description())
            .setExpiryTime(timestamp(k.expiry()))
            .setDisabled(k.disabled()))
        .setState(expired ? ResourceState.RESOURCE_STATE_EXPIRED : ResourceState.RESOURCE_STATE_ACTIVE)
        .setCreatedTime(timestamp(k.meta().created()))
        .setLastModifiedTime(timestamp(k.meta().modified()))
        .build();
  }

  static NamespaceSpec namespaceSpec(Namespace n) {
    MtlsAuthSpec.Builder mtls = MtlsAuthSpec.newBuilder().setEnabled(n.mtlsAuth())
        .setAcceptedClientCa(ByteString.copyFrom(n.acceptedClientCa(), StandardCharsets.US_ASCII));
    for (CertificateFilter f : n.certificateFilters()) {
      mtls.addCertificateFilters(CertificateFilterSpec.newBuilder()
          .setCommonName(nonNull(f.commonName()))
          .setOrganization(nonNull(f.organization()))
          .setOrganizationalUnit(nonNull(f.organizationalUnit()))
          .setSubjectAlternativeName(nonNull(f.subjectAlternativeName())));
    }
    NamespaceSpec.Builder spec = NamespaceSpec.newBuilder()
        .setName(n.name())
        .setRetentionDays(n.retentionDays())
        .setMtlsAuth(mtls)
        .setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(n.apiKeyAuth()));
    if (n.codecServer() != null) {
      spec.setCodecServer(CodecServerSpec.newBuilder()
          .setEndpoint(nonNull(n.codecServer().endpoint()))
          .setPassAccessToken(n.codecServer().passAccessToken())
          .setIncludeCrossOriginCredentials(n.codecServer().includeCrossOriginCredentials()));
    }
    return spec.build();
  }

  static io.temporal.api.cloud.namespace.v1.Namespace namespace(Namespace n) {
    return io.temporal.api.cloud.namespace.v1.Namespace.newBuilder()
        .setNamespace(n.name())
        .setResourceVersion(nonNull(n.meta().resourceVersion()))
        .setSpec(namespaceSpec(n))
        .setState(ResourceState.RESOURCE_STATE_ACTIVE)
        .setCreatedTime(timestamp(n.meta().created()))
        .setLastModifiedTime(timestamp(n.meta().modified()))
        .build();
  }

  static io.temporal.api.cloud.operation.v1.AsyncOperation operation(AsyncOperation op) {
    State state = switch (op.state()) {
      case "fulfilled" -> State.STATE_FULFILLED;
      case "failed" -> State.STATE_FAILED;
      case "rejected" -> State.STATE_REJECTED;
      default -> State.STATE_UNSPECIFIED;
    };
    return io.temporal.api.cloud.operation.v1.AsyncOperation.newBuilder()
        .setId(op.id())
        .setState(state)
        .setOperationType(op.operationType())
        .setFailureReason(op.failureReason())
        .setStartedTime(timestamp(op.started()))
        .setFinishedTime(timestamp(op.finished()))
        .build();
  }

  /** The account role in a request's access, validated: {@code null} when unspecified and {@code required} is off. */
  static AccountRole accountRole(AccountAccess access, boolean required) {
    if (!access.getRoleDeprecated().isEmpty()) {
      throw Validation.invalid("account_access.role_deprecated is not supported; set account_access.role");
    }
    if (access.getRole() == AccountAccess.Role.ROLE_UNSPECIFIED) {
      if (required) {
        throw Validation.invalid("access.account_access.role is required, e.g. ROLE_DEVELOPER");
      }
      return AccountRole.NONE;
    }
    AccountRole role = CloudAccessPolicy.accountRoleOf(access.getRole());
    if (role == null) {
      throw Validation.invalid("access.account_access.role " + access.getRoleValue() + " is not a known role");
    }
    return role;
  }

  /** A request's namespace permission, validated. */
  static NamespacePermission permission(NamespaceAccess access, String field) {
    if (!access.getPermissionDeprecated().isEmpty()) {
      throw Validation.invalid(field + ".permission_deprecated is not supported; set " + field + ".permission");
    }
    NamespacePermission p = CloudAccessPolicy.permissionOf(access.getPermission());
    if (p == null) {
      throw Validation.invalid(field + ".permission must be PERMISSION_READ, PERMISSION_WRITE or PERMISSION_ADMIN");
    }
    return p;
  }

  static String nonNull(String s) {
    return s == null ? "" : s;
  }

  static Meta meta(String resourceVersion) {
    return resourceVersion == null || resourceVersion.isEmpty() ? null : new Meta(resourceVersion, null, null);
  }
}
