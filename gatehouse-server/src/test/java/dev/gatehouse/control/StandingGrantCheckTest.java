package dev.gatehouse.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.gatehouse.access.ElevationPolicy;
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
import io.temporal.api.cloud.identity.v1.NamespaceScopedAccess;
import io.temporal.api.cloud.identity.v1.ServiceAccountSpec;
import io.temporal.api.cloud.identity.v1.UserGroupSpec;
import io.temporal.api.cloud.identity.v1.UserSpec;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every Ops API call that sets namespace access is refused standing Write or Admin on a protected namespace. */
class StandingGrantCheckTest {
  static final ElevationPolicy POLICY =
      new ElevationPolicy(null, Duration.ofHours(24), Set.of("payments"), List.of(), true);

  static NamespaceAccess p(NamespaceAccess.Permission p) {
    return NamespaceAccess.newBuilder().setPermission(p).build();
  }

  static Access access(String ns, NamespaceAccess.Permission perm) {
    return Access.newBuilder().putNamespaceAccesses(ns, p(perm)).build();
  }

  static List<Message> everyWay(String ns, NamespaceAccess.Permission perm) {
    return List.of(
        SetUserNamespaceAccessRequest.newBuilder().setNamespace(ns).setAccess(p(perm)).build(),
        SetUserGroupNamespaceAccessRequest.newBuilder().setNamespace(ns).setAccess(p(perm)).build(),
        SetServiceAccountNamespaceAccessRequest.newBuilder().setNamespace(ns).setAccess(p(perm)).build(),
        CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder().setAccess(access(ns, perm))).build(),
        UpdateUserRequest.newBuilder().setSpec(UserSpec.newBuilder().setAccess(access(ns, perm))).build(),
        CreateUserGroupRequest.newBuilder().setSpec(UserGroupSpec.newBuilder().setAccess(access(ns, perm))).build(),
        UpdateUserGroupRequest.newBuilder().setSpec(UserGroupSpec.newBuilder().setAccess(access(ns, perm))).build(),
        CreateServiceAccountRequest.newBuilder().setSpec(ServiceAccountSpec.newBuilder()
            .setAccess(access(ns, perm))).build(),
        UpdateServiceAccountRequest.newBuilder().setSpec(ServiceAccountSpec.newBuilder()
            .setAccess(access(ns, perm))).build(),
        CreateServiceAccountRequest.newBuilder().setSpec(ServiceAccountSpec.newBuilder().setNamespaceScopedAccess(
            NamespaceScopedAccess.newBuilder().setNamespace(ns).setAccess(p(perm)))).build(),
        UpdateServiceAccountRequest.newBuilder().setSpec(ServiceAccountSpec.newBuilder().setNamespaceScopedAccess(
            NamespaceScopedAccess.newBuilder().setNamespace(ns).setAccess(p(perm)))).build());
  }

  @Test
  void writeAndAdminOnAProtectedNamespaceAreRefusedEveryWay() {
    for (NamespaceAccess.Permission perm : List.of(NamespaceAccess.Permission.PERMISSION_WRITE,
        NamespaceAccess.Permission.PERMISSION_ADMIN)) {
      for (Message m : everyWay("payments", perm)) {
        assertThatThrownBy(() -> StandingGrantCheck.check(m, POLICY)).as(m.getClass().getSimpleName())
            .isInstanceOfSatisfying(OpsException.class, e -> {
              assertThat(e.status().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.status().getDescription()).contains("payments is protected");
            });
      }
    }
  }

  @Test
  void readThereAndAnythingElsewhereStand() {
    for (Message m : everyWay("payments", NamespaceAccess.Permission.PERMISSION_READ)) {
      StandingGrantCheck.check(m, POLICY);
    }
    for (Message m : everyWay("orders", NamespaceAccess.Permission.PERMISSION_ADMIN)) {
      StandingGrantCheck.check(m, POLICY);
    }
    for (Message m : everyWay("payments", NamespaceAccess.Permission.PERMISSION_UNSPECIFIED)) {
      StandingGrantCheck.check(m, POLICY);
    }
  }
}
