package dev.gatehouse.control;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.gatehouse.access.ElevatedGrants;
import dev.gatehouse.access.GrantException;
import dev.gatehouse.api.access.v1.ApproveGrantRequest;
import dev.gatehouse.api.access.v1.ApproveGrantResponse;
import dev.gatehouse.api.access.v1.DenyGrantRequest;
import dev.gatehouse.api.access.v1.DenyGrantResponse;
import dev.gatehouse.api.access.v1.GetGrantRequest;
import dev.gatehouse.api.access.v1.GetGrantResponse;
import dev.gatehouse.api.access.v1.Grant;
import dev.gatehouse.api.access.v1.GrantState;
import dev.gatehouse.api.access.v1.GrantTarget;
import dev.gatehouse.api.access.v1.ListGrantsRequest;
import dev.gatehouse.api.access.v1.ListGrantsResponse;
import dev.gatehouse.api.access.v1.NamespaceTarget;
import dev.gatehouse.api.access.v1.RequestGrantRequest;
import dev.gatehouse.api.access.v1.RequestGrantResponse;
import dev.gatehouse.api.access.v1.RevokeGrantRequest;
import dev.gatehouse.api.access.v1.RevokeGrantResponse;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.ElevatedGrant;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.StoreException;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** {@code gatehouse.access.v1.AccessService}'s grant methods over {@link ElevatedGrants}: the wire mapping only. */
final class GrantOps {
  static final int MAX_PAGE = 1000;

  private final ElevatedGrants grants;
  private final Runnable afterChange;

  GrantOps(ElevatedGrants grants, Runnable afterChange) {
    this.grants = grants;
    this.afterChange = afterChange == null ? () -> { } : afterChange;
  }

  /** {@link ElevatedGrants#expireDue}, then the identities catch up. */
  int expireDue() {
    int n = grants.expireDue();
    if (n > 0) {
      afterChange.run();
    }
    return n;
  }

  Message handle(String method, Message request, Claims caller) {
    try {
      Message answer = dispatch(method, request, caller);
      if (!method.startsWith("Get") && !method.startsWith("List")) {
        afterChange.run();
      }
      return answer;
    } catch (GrantException e) {
      throw new OpsException(statusOf(e));
    } catch (StoreException e) {
      throw new OpsException(CloudOps.statusOf(e));
    }
  }

  private Message dispatch(String method, Message request, Claims caller) {
    return switch (method) {
      case "RequestGrant" -> {
        RequestGrantRequest r = (RequestGrantRequest) request;
        yield RequestGrantResponse.newBuilder().setGrant(proto(grants.request(caller, request(r)))).build();
      }
      case "ApproveGrant" -> {
        ApproveGrantRequest r = (ApproveGrantRequest) request;
        yield ApproveGrantResponse.newBuilder()
            .setGrant(proto(grants.approve(caller, r.getGrantId(), r.getReason()))).build();
      }
      case "DenyGrant" -> {
        DenyGrantRequest r = (DenyGrantRequest) request;
        yield DenyGrantResponse.newBuilder().setGrant(proto(grants.deny(caller, r.getGrantId(), r.getReason())))
            .build();
      }
      case "RevokeGrant" -> {
        RevokeGrantRequest r = (RevokeGrantRequest) request;
        yield RevokeGrantResponse.newBuilder()
            .setGrant(proto(grants.revoke(caller, r.getGrantId(), r.getReason()))).build();
      }
      case "GetGrant" -> GetGrantResponse.newBuilder()
          .setGrant(proto(grants.get(caller, ((GetGrantRequest) request).getGrantId()))).build();
      case "ListGrants" -> list((ListGrantsRequest) request, caller);
      default -> throw new OpsException(Status.UNIMPLEMENTED.withDescription(method + " is not served"));
    };
  }

  private ListGrantsResponse list(ListGrantsRequest r, Claims caller) {
    if (r.getPageSize() < 0 || r.getPageSize() > MAX_PAGE) {
      throw new OpsException(Status.INVALID_ARGUMENT.withDescription("page_size must be 0..1000"));
    }
    if (!r.getPageToken().isEmpty()) {
      // One page holds every grant a caller may see, up to the page size; there is no next page to ask for.
      throw new OpsException(Status.INVALID_ARGUMENT.withDescription("invalid page_token"));
    }
    ElevatedGrant.State state = switch (r.getState()) {
      case GRANT_STATE_UNSPECIFIED, UNRECOGNIZED -> null;
      case GRANT_STATE_REQUESTED -> ElevatedGrant.State.REQUESTED;
      case GRANT_STATE_ACTIVE -> ElevatedGrant.State.ACTIVE;
      case GRANT_STATE_DENIED -> ElevatedGrant.State.DENIED;
      case GRANT_STATE_EXPIRED -> ElevatedGrant.State.EXPIRED;
      case GRANT_STATE_REVOKED -> ElevatedGrant.State.REVOKED;
    };
    List<ElevatedGrant> found = grants.list(caller, r.getPrincipalId(), r.getNamespace(), state,
        r.getPageSize() == 0 ? 100 : r.getPageSize());
    ListGrantsResponse.Builder b = ListGrantsResponse.newBuilder();
    found.forEach(g -> b.addGrants(proto(g)));
    return b.build();
  }

  private static ElevatedGrants.Request request(RequestGrantRequest r) {
    Duration d = r.hasDuration()
        ? Duration.ofSeconds(r.getDuration().getSeconds(), r.getDuration().getNanos()) : null;
    GrantTarget t = r.getTarget();
    return switch (t.getTargetCase()) {
      case NAMESPACE -> new ElevatedGrants.Request(t.getNamespace().getNamespace().isEmpty() ? invalidTarget()
          : t.getNamespace().getNamespace(), permission(t.getNamespace().getPermission()), null, d,
          r.getJustification(), r.getTicket(), r.getBreakGlass());
      case ACCOUNT_ROLE -> new ElevatedGrants.Request(null, null, accountRole(t.getAccountRole()), d,
          r.getJustification(), r.getTicket(), r.getBreakGlass());
      case TARGET_NOT_SET -> invalidTarget();
    };
  }

  private static <T> T invalidTarget() {
    throw new OpsException(Status.INVALID_ARGUMENT.withDescription(
        "target must name a namespace and permission, or an account role"));
  }

  static NamespacePermission permission(String wire) {
    return switch (wire.toLowerCase(Locale.ROOT)) {
      case "read" -> NamespacePermission.READ;
      case "write" -> NamespacePermission.WRITE;
      case "admin" -> NamespacePermission.ADMIN;
      default -> throw new OpsException(Status.INVALID_ARGUMENT.withDescription(
          "permission must be read, write or admin"));
    };
  }

  static AccountRole accountRole(String wire) {
    return switch (wire.toLowerCase(Locale.ROOT).replace('_', '-')) {
      case "owner" -> AccountRole.OWNER;
      case "admin" -> AccountRole.ADMIN;
      case "developer" -> AccountRole.DEVELOPER;
      case "finance-admin" -> AccountRole.FINANCE_ADMIN;
      case "read" -> AccountRole.READ;
      case "metrics-read" -> AccountRole.METRICS_READ;
      default -> throw new OpsException(Status.INVALID_ARGUMENT.withDescription(
          "account_role must be admin, developer, finance_admin, read or metrics_read"));
    };
  }

  static Grant proto(ElevatedGrant g) {
    GrantTarget.Builder target = GrantTarget.newBuilder();
    if (g.isNamespaceGrant()) {
      target.setNamespace(NamespaceTarget.newBuilder().setNamespace(g.namespace())
          .setPermission(g.permission().name().toLowerCase(Locale.ROOT)));
    } else {
      target.setAccountRole(dev.gatehouse.auth.CloudAccessPolicy.wireName(g.accountRole()).replace('-', '_'));
    }
    Grant.Builder b = Grant.newBuilder()
        .setId(g.id())
        .setPrincipalId(g.principalId())
        .setPrincipalType(g.principalType() == OwnerType.USER ? "user" : "service-account")
        .setTarget(target)
        .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(g.durationSeconds()))
        .setJustification(g.justification())
        .setTicket(g.ticket())
        .setBreakGlass(g.breakGlass())
        .setState(state(g.state()))
        .setDecidedBy(g.decidedBy())
        .setDecisionReason(g.decisionReason())
        .setRevokedBy(g.revokedBy());
    if (g.requested() != null) {
      b.setRequestTime(ts(g.requested()));
    }
    if (g.decided() != null) {
      b.setDecideTime(ts(g.decided()));
    }
    if (g.start() != null) {
      b.setStartTime(ts(g.start()));
    }
    if (g.expire() != null) {
      b.setExpireTime(ts(g.expire()));
    }
    if (g.revoked() != null) {
      b.setRevokeTime(ts(g.revoked()));
    }
    return b.build();
  }

  private static GrantState state(ElevatedGrant.State s) {
    return switch (s) {
      case REQUESTED -> GrantState.GRANT_STATE_REQUESTED;
      case ACTIVE -> GrantState.GRANT_STATE_ACTIVE;
      case DENIED -> GrantState.GRANT_STATE_DENIED;
      case EXPIRED -> GrantState.GRANT_STATE_EXPIRED;
      case REVOKED -> GrantState.GRANT_STATE_REVOKED;
    };
  }

  private static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  static Status statusOf(GrantException e) {
    Status s = switch (e.reason()) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
    };
    return s.withDescription(e.getMessage());
  }
}
