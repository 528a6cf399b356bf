package dev.gatehouse.access;

import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.CloudAccessPolicy;
import dev.gatehouse.auth.StoreClaims;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ElevatedGrant;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Time-limited elevated access: requests, approvals (by another principal with that authority, by a policy rule, or
 * break-glass by the requester), denials, early revocations and expiries, kept in the store as
 * {@link ElevatedGrant}s. The data plane reads active grants from the store's change feed and decides on every call,
 * against its clock, whether one is still in effect; {@link #expireDue} only writes the story down.
 *
 * <p>Every method may block on the store: call it from the control plane's executor. A refused operation throws
 * {@link GrantException} and changes nothing; the control plane's audit record of the call shows the refusal.
 * Every change is told to the {@link GrantEvent.Listener} (audit log, webhook).
 */
public final class ElevatedGrants {
  static final int MAX_JUSTIFICATION = 1000;
  static final int MAX_TICKET = 200;
  static final int MAX_REASON = 1000;

  private final AccountStore store;
  private final ElevationPolicy policy;
  private final Clock clock;
  private final GrantEvent.Listener events;
  private final SecureRandom random = new SecureRandom();

  public ElevatedGrants(AccountStore store, ElevationPolicy policy, Clock clock, GrantEvent.Listener events) {
    this.store = Objects.requireNonNull(store);
    this.policy = Objects.requireNonNull(policy);
    this.clock = Objects.requireNonNull(clock);
    this.events = events == null ? e -> { } : events;
  }

  public ElevationPolicy policy() {
    return policy;
  }

  /**
   * What a caller asks for.
   *
   * @param namespace the namespace of a namespace grant, or {@code null}
   * @param permission with {@code namespace}: the permission
   * @param accountRole without {@code namespace}: the account role
   * @param duration how long, once approved
   * @param justification why (mandatory)
   * @param ticket a ticket reference, or {@code ""}
   * @param breakGlass approve it myself, now
   */
  public record Request(String namespace, NamespacePermission permission, AccountRole accountRole,
      Duration duration, String justification, String ticket, boolean breakGlass) {}

  /** Asks for a grant for the caller; answers it requested, or active when a policy or break-glass approved it. */
  public ElevatedGrant request(Claims caller, Request r) {
    String principal = principalOf(caller);
    OwnerType type = CloudAccessPolicy.isServiceAccount(caller) ? OwnerType.SERVICE_ACCOUNT : OwnerType.USER;
    if ((r.namespace() == null) == (r.accountRole() == null)) {
      throw invalid("a grant names either a namespace permission or an account role");
    }
    if (r.namespace() != null) {
      if (r.permission() == null) {
        throw invalid("permission must be read, write or admin");
      }
      if (store.namespaces().get(r.namespace()).isEmpty()) {
        throw new GrantException(GrantException.Reason.NOT_FOUND, "namespace " + printable(r.namespace())
            + " not found");
      }
    } else if (r.accountRole() == AccountRole.NONE || r.accountRole() == AccountRole.OWNER) {
      throw invalid("account role " + CloudAccessPolicy.wireName(r.accountRole())
          + " is not granted for a time (Owner is a standing role)");
    }
    Duration d = r.duration();
    if (d == null || d.isZero() || d.isNegative()) {
      throw invalid("duration must be positive, e.g. 1h");
    }
    if (d.compareTo(policy.maxDuration()) > 0) {
      throw invalid("duration " + human(d) + " is above the policy's maximum of " + human(policy.maxDuration()));
    }
    if (d.getNano() != 0) {
      throw invalid("duration must be whole seconds");
    }
    String justification = r.justification() == null ? "" : r.justification().strip();
    if (justification.isEmpty()) {
      throw invalid("justification is required: say why you need this access");
    }
    if (justification.length() > MAX_JUSTIFICATION) {
      throw invalid("justification is longer than " + MAX_JUSTIFICATION + " characters");
    }
    String ticket = r.ticket() == null ? "" : r.ticket().strip();
    if (ticket.length() > MAX_TICKET) {
      throw invalid("ticket is longer than " + MAX_TICKET + " characters");
    }
    if (r.breakGlass() && !policy.breakGlass()) {
      throw new GrantException(GrantException.Reason.FAILED_PRECONDITION, "break-glass is turned off by policy");
    }
    Instant now = clock.instant();
    ElevatedGrant grant = new ElevatedGrant(newId(), principal, type, r.namespace(), r.permission(),
        r.namespace() == null ? r.accountRole() : null, d.getSeconds(), justification, ticket, r.breakGlass(),
        ElevatedGrant.State.REQUESTED, now, "", null, "", null, null, "", null, null);
    if (r.breakGlass()) {
      ElevatedGrant active = store.elevatedGrants().create(grant.approved(principal, "break-glass", now));
      events.on(new GrantEvent(GrantEvent.Kind.BREAK_GLASS, active, caller));
      return active;
    }
    Optional<ElevationPolicy.AutoApproval> rule = autoApproval(principal, type, grant);
    if (rule.isPresent()) {
      ElevatedGrant active = store.elevatedGrants().create(
          grant.approved("policy:" + rule.get().name(), "approved by policy " + rule.get().name(), now));
      events.on(new GrantEvent(GrantEvent.Kind.AUTO_APPROVED, active, caller));
      return active;
    }
    ElevatedGrant requested = store.elevatedGrants().create(grant);
    events.on(new GrantEvent(GrantEvent.Kind.REQUESTED, requested, caller));
    return requested;
  }

  /** Approves a request: active from now for its duration. Never the requester's own. */
  public ElevatedGrant approve(Claims caller, String grantId, String reason) {
    String approver = principalOf(caller);
    ElevatedGrant g = pending(grantId, approver, reason);
    ElevatedGrant active = store.elevatedGrants().update(g.approved(approver, reason(reason), clock.instant()),
        g.meta().resourceVersion());
    events.on(new GrantEvent(GrantEvent.Kind.APPROVED, active, caller));
    return active;
  }

  /** Denies a request. */
  public ElevatedGrant deny(Claims caller, String grantId, String reason) {
    String denier = principalOf(caller);
    ElevatedGrant g = pending(grantId, denier, reason);
    ElevatedGrant denied = store.elevatedGrants().update(g.denied(denier, reason(reason), clock.instant()),
        g.meta().resourceVersion());
    events.on(new GrantEvent(GrantEvent.Kind.DENIED, denied, caller));
    return denied;
  }

  /**
   * Ends an active grant (or withdraws a request) now. The requester may end their own; otherwise it takes the
   * authority to approve it.
   */
  public ElevatedGrant revoke(Claims caller, String grantId, String reason) {
    String by = principalOf(caller);
    checkReason(reason);
    ElevatedGrant g = found(grantId, caller);
    Instant now = clock.instant();
    if (g.state().isFinal() || (g.state() == ElevatedGrant.State.ACTIVE && !now.isBefore(g.expire()))) {
      throw new GrantException(GrantException.Reason.FAILED_PRECONDITION,
          "grant " + g.id() + " is already " + stateName(g, now));
    }
    if (!by.equals(g.principalId()) && !mayApprove(by, g)) {
      throw new GrantException(GrantException.Reason.PERMISSION_DENIED,
          "revoking another principal's grant needs the authority to approve it");
    }
    ElevatedGrant revoked = store.elevatedGrants().update(g.revokedBy(by, reason(reason), now),
        g.meta().resourceVersion());
    events.on(new GrantEvent(GrantEvent.Kind.REVOKED, revoked, caller));
    return revoked;
  }

  /** One grant: the caller's own, or one they may decide on. */
  public ElevatedGrant get(Claims caller, String grantId) {
    return found(grantId, caller);
  }

  /**
   * The grants the caller may see (their own, and those they may decide on; everything for Owners and Global
   * Admins), newest story first, filtered.
   */
  public List<ElevatedGrant> list(Claims caller, String principalId, String namespace, ElevatedGrant.State state,
      int limit) {
    String me = principalOf(caller);
    List<ElevatedGrant> out = new ArrayList<>();
    String token = "";
    Instant now = clock.instant();
    do {
      Page<ElevatedGrant> page = store.elevatedGrants().list(1000, token);
      for (ElevatedGrant g : page.items()) {
        if ((principalId == null || principalId.isEmpty() || g.principalId().equals(principalId))
            && (namespace == null || namespace.isEmpty() || namespace.equals(g.namespace()))
            && (state == null || effectiveState(g, now) == state)
            && (g.principalId().equals(me) || mayApprove(me, g))) {
          out.add(g);
        }
      }
      token = page.nextPageToken();
    } while (token != null && !token.isEmpty());
    out.sort((a, b) -> b.requested().compareTo(a.requested()));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : List.copyOf(out);
  }

  /**
   * Writes down what the clock already decided: active grants past their expiry and requests past their wait
   * become {@link ElevatedGrant.State#EXPIRED}, each told to the listener once (the store's version check makes
   * a second replica's sweep of the same grant a no-op).
   *
   * @return how many were expired
   */
  public int expireDue() {
    Instant now = clock.instant();
    int expired = 0;
    String token = "";
    do {
      Page<ElevatedGrant> page = store.elevatedGrants().list(1000, token);
      for (ElevatedGrant g : page.items()) {
        if (effectiveState(g, now) == ElevatedGrant.State.EXPIRED && g.state() != ElevatedGrant.State.EXPIRED) {
          try {
            ElevatedGrant done = store.elevatedGrants().update(g.expired(), g.meta().resourceVersion());
            events.on(new GrantEvent(GrantEvent.Kind.EXPIRED, done, SYSTEM));
            expired++;
          } catch (dev.gatehouse.store.StoreException e) {
            // Another replica got there first, or the grant changed; the next sweep looks again.
          }
        }
      }
      token = page.nextPageToken();
    } while (token != null && !token.isEmpty());
    return expired;
  }

  /** The claims audit records of the sweeper show. */
  public static final Claims SYSTEM = new Claims("gatehouse", dev.gatehouse.auth.Role.UNDEFINED, java.util.Map.of(),
      "system", java.util.Map.of(StoreClaims.PRINCIPAL_NAME, "gatehouse access sweeper"));

  /** The state as the clock sees it: an active grant past its expiry, or a request past its wait, is expired. */
  public ElevatedGrant.State effectiveState(ElevatedGrant g, Instant now) {
    if (g.state() == ElevatedGrant.State.ACTIVE && !now.isBefore(g.expire())) {
      return ElevatedGrant.State.EXPIRED;
    }
    if (g.state() == ElevatedGrant.State.REQUESTED && !now.isBefore(g.requested().plus(policy.requestTtl()))) {
      return ElevatedGrant.State.EXPIRED;
    }
    return g.state();
  }

  private ElevatedGrant pending(String grantId, String decider, String reason) {
    checkReason(reason);
    ElevatedGrant g = store.elevatedGrants().get(grantId == null ? "" : grantId)
        .orElseThrow(() -> notFound(grantId));
    boolean self = g.principalId().equals(decider);
    if (!self && !mayApprove(decider, g)) {
      // Names no more than the caller could see anyway: the id they sent.
      throw new GrantException(GrantException.Reason.PERMISSION_DENIED,
          "deciding on grant " + g.id() + " needs " + authorityNeeded(g));
    }
    Instant now = clock.instant();
    ElevatedGrant.State state = effectiveState(g, now);
    if (state != ElevatedGrant.State.REQUESTED) {
      throw new GrantException(GrantException.Reason.FAILED_PRECONDITION,
          "grant " + g.id() + " is " + stateName(g, now) + ", not awaiting a decision");
    }
    if (self) {
      throw new GrantException(GrantException.Reason.PERMISSION_DENIED,
          "a requester cannot decide on their own request; in an emergency request it with break-glass");
    }
    return g;
  }

  private ElevatedGrant found(String grantId, Claims caller) {
    String me = principalOf(caller);
    ElevatedGrant g = store.elevatedGrants().get(grantId == null ? "" : grantId)
        .orElseThrow(() -> notFound(grantId));
    if (!g.principalId().equals(me) && !mayApprove(me, g)) {
      // Someone else's grant the caller has no say over is not shown to exist.
      throw notFound(grantId);
    }
    return g;
  }

  private String stateName(ElevatedGrant g, Instant now) {
    return effectiveState(g, now).name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Whether {@code approver} holds, standing (never through another elevated grant), the authority over {@code g}:
   * Namespace Admin of its namespace, or Owner or Global Admin; for an account role, a role that may grant it.
   */
  boolean mayApprove(String approver, ElevatedGrant g) {
    Standing s = standing(approver);
    if (g.isNamespaceGrant()) {
      return s.role() == AccountRole.OWNER || s.role() == AccountRole.ADMIN
          || s.permission(g.namespace()) == NamespacePermission.ADMIN;
    }
    return CloudAccessPolicy.mayGrant(s.role(), g.accountRole()) && s.role() != AccountRole.NONE;
  }

  private static String authorityNeeded(ElevatedGrant g) {
    return g.isNamespaceGrant() ? "Namespace Admin of " + g.namespace() + " (or Global Admin)"
        : "an account role that may grant " + CloudAccessPolicy.wireName(g.accountRole());
  }

  private record Standing(AccountRole role, java.util.Map<String, NamespacePermission> permissions) {
    NamespacePermission permission(String namespace) {
      return permissions.get(namespace);
    }
  }

  private Standing standing(String principalId) {
    Optional<User> user = store.users().get(principalId);
    if (user.isPresent()) {
      AccountRole role = user.get().access().accountRole();
      java.util.Map<String, NamespacePermission> perms = new java.util.HashMap<>(user.get().access().namespaces());
      for (UserGroup group : groupsOf(principalId)) {
        role = strongest(role, group.access().accountRole());
        group.access().namespaces().forEach((ns, p) -> perms.merge(ns, p, NamespacePermission::max));
      }
      return new Standing(role, perms);
    }
    Optional<ServiceAccount> sa = store.serviceAccounts().get(principalId);
    if (sa.isPresent()) {
      ServiceAccount a = sa.get();
      if (a.scopedNamespace() != null) {
        return new Standing(AccountRole.NONE, a.scopedPermission() == null ? java.util.Map.of()
            : java.util.Map.of(a.scopedNamespace(), a.scopedPermission()));
      }
      return new Standing(a.access().accountRole(), a.access().namespaces());
    }
    return new Standing(AccountRole.NONE, java.util.Map.of());
  }

  private static final List<AccountRole> POWER = List.of(AccountRole.OWNER, AccountRole.ADMIN,
      AccountRole.DEVELOPER, AccountRole.FINANCE_ADMIN, AccountRole.READ, AccountRole.METRICS_READ, AccountRole.NONE);

  private static AccountRole strongest(AccountRole a, AccountRole b) {
    return POWER.indexOf(a) <= POWER.indexOf(b) ? a : b;
  }

  private List<UserGroup> groupsOf(String userId) {
    List<UserGroup> out = new ArrayList<>();
    String token = "";
    do {
      Page<UserGroup> page = store.userGroups().list(1000, token);
      for (UserGroup g : page.items()) {
        if (g.memberIds().contains(userId)) {
          out.add(g);
        }
      }
      token = page.nextPageToken();
    } while (token != null && !token.isEmpty());
    return out;
  }

  private Optional<ElevationPolicy.AutoApproval> autoApproval(String principal, OwnerType type, ElevatedGrant g) {
    if (type != OwnerType.USER || !g.isNamespaceGrant() || policy.autoApprovals().isEmpty()) {
      return Optional.empty();
    }
    List<String> groups = groupsOf(principal).stream().map(UserGroup::displayName).toList();
    for (ElevationPolicy.AutoApproval rule : policy.autoApprovals()) {
      if (rule.covers(g.namespace(), g.permission(), g.duration())
          && groups.stream().anyMatch(rule.groups()::contains)) {
        return Optional.of(rule);
      }
    }
    return Optional.empty();
  }

  private static String principalOf(Claims caller) {
    String id = CloudAccessPolicy.principalId(caller);
    if (id.isEmpty()) {
      throw new GrantException(GrantException.Reason.PERMISSION_DENIED,
          "elevated access needs a Gatehouse user or service account");
    }
    return id;
  }

  private static void checkReason(String reason) {
    if (reason != null && reason.length() > MAX_REASON) {
      throw invalid("reason is longer than " + MAX_REASON + " characters");
    }
  }

  private static String reason(String reason) {
    return reason == null ? "" : reason.strip();
  }

  private String newId() {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return "grant-" + HexFormat.of().formatHex(b);
  }

  private static GrantException invalid(String message) {
    return new GrantException(GrantException.Reason.INVALID_ARGUMENT, message);
  }

  private static GrantException notFound(String id) {
    return new GrantException(GrantException.Reason.NOT_FOUND, "grant " + printable(id) + " not found");
  }

  static String human(Duration d) {
    long s = d.getSeconds();
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  /** At most 100 printable ASCII characters of caller input, for messages. */
  static String printable(String s) {
    if (s == null) {
      return "\"\"";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), 100) + 2).append('"');
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.append('"').toString();
  }
}
