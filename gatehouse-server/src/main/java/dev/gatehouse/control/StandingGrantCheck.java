package dev.gatehouse.control;

import com.google.protobuf.Message;
import dev.gatehouse.access.ElevationPolicy;
import dev.gatehouse.auth.CloudAccessPolicy;
import io.grpc.Status;
import io.temporal.api.cloud.cloudservice.v1.CreateServiceAccountRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateUserGroupRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateUserRequest;
import io.temporal.api.cloud.cloudservice.v1.SetServiceAccountNamespaceAccessRequest;
import io.temporal.api.cloud.cloudservice.v1.SetUserGroupNamespaceAccessRequest;
import io.temporal.api.cloud.cloudservice.v1.SetUserNamespaceAccessRequest;
import io.temporal.api.cloud.cloudservice.v1.UpdateServiceAccountRequest;
import io.temporal.api.cloud.cloudservice.v1.UpdateUserGroupRequest;
import io.temporal.api.cloud.cloudservice.v1.UpdateUserRequest;
import io.temporal.api.cloud.identity.v1.Access;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import java.util.Map;

/**
 * Refuses, before anything changes, an Ops API call that would give standing Write or Admin on a protected
 * namespace (FAILED_PRECONDITION; the call's audit record shows the refusal). Every call that sets namespace
 * access is looked at: the Set*NamespaceAccess calls, and the access of users, groups and service accounts
 * created or updated, including a namespace-scoped service account's.
 */
final class StandingGrantCheck {
  private StandingGrantCheck() {}

  static void check(Message request, ElevationPolicy policy) {
    if (policy.protectedNamespaces().isEmpty()) {
      return;
    }
    switch (request) {
      case SetUserNamespaceAccessRequest r -> one(policy, r.getNamespace(), r.getAccess());
      case SetUserGroupNamespaceAccessRequest r -> one(policy, r.getNamespace(), r.getAccess());
      case SetServiceAccountNamespaceAccessRequest r -> one(policy, r.getNamespace(), r.getAccess());
      case CreateUserRequest r -> all(policy, r.getSpec().getAccess());
      case UpdateUserRequest r -> all(policy, r.getSpec().getAccess());
      case CreateUserGroupRequest r -> all(policy, r.getSpec().getAccess());
      case UpdateUserGroupRequest r -> all(policy, r.getSpec().getAccess());
      case CreateServiceAccountRequest r -> {
        all(policy, r.getSpec().getAccess());
        if (r.getSpec().hasNamespaceScopedAccess()) {
          one(policy, r.getSpec().getNamespaceScopedAccess().getNamespace(),
              r.getSpec().getNamespaceScopedAccess().getAccess());
        }
      }
      case UpdateServiceAccountRequest r -> {
        all(policy, r.getSpec().getAccess());
        if (r.getSpec().hasNamespaceScopedAccess()) {
          one(policy, r.getSpec().getNamespaceScopedAccess().getNamespace(),
              r.getSpec().getNamespaceScopedAccess().getAccess());
        }
      }
      default -> { }
    }
  }

  private static void all(ElevationPolicy policy, Access access) {
    for (Map.Entry<String, NamespaceAccess> e : access.getNamespaceAccessesMap().entrySet()) {
      one(policy, e.getKey(), e.getValue());
    }
  }

  private static void one(ElevationPolicy policy, String namespace, NamespaceAccess access) {
    String refusal = policy.refusesStanding(namespace, CloudAccessPolicy.permissionOf(access.getPermission()));
    if (refusal != null) {
      throw new OpsException(Status.FAILED_PRECONDITION.withDescription(refusal));
    }
  }
}
