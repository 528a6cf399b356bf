package dev.gatehouse.access;

import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.CloudAccessPolicy;
import dev.gatehouse.auth.StoreClaims;
import dev.gatehouse.store.ElevatedGrant;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes every {@link GrantEvent} to the audit log as its own record, beside the control plane's record of the call
 * that caused it: operation {@code ElevatedGrant.<event>} (e.g. {@code ElevatedGrant.break-glass}), the actor as
 * principal, the grant's namespace, {@code elevated_grant_id}, and a reason that tells the story in words. An
 * expiry, which no call causes, is recorded with the system as principal.
 */
public final class GrantAudit implements GrantEvent.Listener {
  /** The API the records name: the grant's own lifecycle, not an RPC (no catalog holds it). */
  public static final ApiMethod LIFECYCLE = new ApiMethod(Integer.MAX_VALUE,
      "/gatehouse.access.v1.AccessService/ElevatedGrant", "gatehouse.access.v1.AccessService", "ElevatedGrant",
      ApiMethod.Scope.ACCOUNT, ApiMethod.Access.ADMIN, 0, false);

  private final AuditLog log;
  private final Clock clock;

  public GrantAudit(AuditLog log, Clock clock) {
    this.log = Objects.requireNonNull(log);
    this.clock = Objects.requireNonNull(clock);
  }

  @Override
  public void on(GrantEvent event) {
    ElevatedGrant g = event.grant();
    Map<String, Object> ext = new LinkedHashMap<>(event.actor().extensions());
    ext.put(StoreClaims.ELEVATED_GRANTS, Map.of(g.isNamespaceGrant() ? g.namespace() : "", g.id()));
    Claims actor = new Claims(event.actor().subject(), event.actor().system(), event.actor().namespaces(),
        event.actor().authType(), ext);
    String namespace = g.isNamespaceGrant() ? g.namespace() : "";
    AccessCheck check = new AccessCheck(AccessCheck.Outcome.ALLOW, actor, LIFECYCLE, namespace, null,
        story(event), false);
    log.completed(new AuditEvent("grant-" + event.kind().wireName() + "-" + g.id(), "access", LIFECYCLE,
        "ElevatedGrant." + event.kind().wireName(), namespace, actor, check, AuthInfo.none(), null, null,
        clock.millis(), null, 0, "OK", 0, 0, 0));
  }

  /** The record's reason: what, for whom, how long, why; flagged for break-glass. */
  static String story(GrantEvent event) {
    ElevatedGrant g = event.grant();
    StringBuilder b = new StringBuilder();
    if (g.breakGlass()) {
      b.append("BREAK-GLASS ");
    }
    b.append("grant ").append(g.id()).append(' ').append(event.kind().wireName()).append(": ")
        .append(target(g)).append(" for ").append(g.principalId()).append(" for ")
        .append(ElevatedGrants.human(g.duration()));
    if (g.expire() != null) {
      b.append(" until ").append(g.expire());
    }
    if (!g.decidedBy().isEmpty()) {
      b.append("; decided by ").append(g.decidedBy());
    }
    if (!g.revokedBy().isEmpty()) {
      b.append("; revoked by ").append(g.revokedBy());
    }
    if (!g.ticket().isEmpty()) {
      b.append("; ticket ").append(g.ticket());
    }
    b.append("; justification: ").append(g.justification());
    if (!g.decisionReason().isEmpty()) {
      b.append("; reason: ").append(g.decisionReason());
    }
    return b.toString();
  }

  static String target(ElevatedGrant g) {
    return g.isNamespaceGrant()
        ? g.permission().name().toLowerCase(Locale.ROOT) + " on namespace " + g.namespace()
        : "account role " + CloudAccessPolicy.wireName(g.accountRole());
  }
}
