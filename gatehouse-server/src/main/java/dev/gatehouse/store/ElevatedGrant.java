package dev.gatehouse.store;

import java.time.Duration;
import java.time.Instant;

/**
 * A time-limited elevated grant: a namespace permission or an account role for one principal, asked for with a
 * justification, approved by someone else (or by policy, or break-glass by the requester), effective from approval
 * for its duration. The record keeps its whole story; {@link #state} says where it is.
 *
 * @param id the grant's id
 * @param principalId the user or service account it is for
 * @param principalType which of the two
 * @param namespace the namespace of a namespace grant; {@code null} for an account role grant
 * @param permission the permission of a namespace grant; {@code null} for an account role grant
 * @param accountRole the role of an account role grant; {@code null} for a namespace grant
 * @param durationSeconds how long it lasts once approved
 * @param justification why, as the requester wrote it
 * @param ticket a ticket reference, or {@code ""}
 * @param breakGlass self-approved by the requester in an emergency
 * @param state where it is
 * @param requested when it was asked for
 * @param decidedBy who approved or denied it ({@code policy:<rule>} for an auto-approval), or {@code ""}
 * @param decided when, or {@code null}
 * @param decisionReason the approver's or denier's words, or {@code ""}
 * @param start when it took effect (the approval), or {@code null}
 * @param expire when it ends ({@code start + duration}), or {@code null}
 * @param revokedBy who ended it early, or {@code ""}
 * @param revoked when, or {@code null}
 * @param meta store metadata
 */
public record ElevatedGrant(
    String id,
    String principalId,
    OwnerType principalType,
    String namespace,
    NamespacePermission permission,
    AccountRole accountRole,
    long durationSeconds,
    String justification,
    String ticket,
    boolean breakGlass,
    State state,
    Instant requested,
    String decidedBy,
    Instant decided,
    String decisionReason,
    Instant start,
    Instant expire,
    String revokedBy,
    Instant revoked,
    Meta meta) implements Entity {

  /** Where a grant is. Only {@link #ACTIVE} grants anything, and only before {@link #expire}. */
  public enum State {
    REQUESTED,
    ACTIVE,
    DENIED,
    EXPIRED,
    REVOKED;

    /** Denied, expired and revoked grants never change again. */
    public boolean isFinal() {
      return this == DENIED || this == EXPIRED || this == REVOKED;
    }
  }

  public ElevatedGrant {
    ticket = ticket == null ? "" : ticket;
    justification = justification == null ? "" : justification;
    decidedBy = decidedBy == null ? "" : decidedBy;
    decisionReason = decisionReason == null ? "" : decisionReason;
    revokedBy = revokedBy == null ? "" : revokedBy;
    meta = meta == null ? Meta.NEW : meta;
  }

  public Duration duration() {
    return Duration.ofSeconds(durationSeconds);
  }

  /** True for a namespace grant, false for an account role grant. */
  public boolean isNamespaceGrant() {
    return namespace != null;
  }

  /** Whether this grant gives its permission at {@code now}: active, approved, not yet expired. */
  public boolean effectiveAt(Instant now) {
    return state == State.ACTIVE && start != null && expire != null && !now.isBefore(start) && now.isBefore(expire);
  }

  /** This grant approved (or self-approved) by {@code by} at {@code at}: active until {@code at + duration}. */
  public ElevatedGrant approved(String by, String reason, Instant at) {
    return new ElevatedGrant(id, principalId, principalType, namespace, permission, accountRole, durationSeconds,
        justification, ticket, breakGlass, State.ACTIVE, requested, by, at, reason, at,
        at.plusSeconds(durationSeconds), revokedBy, revoked, meta);
  }

  public ElevatedGrant denied(String by, String reason, Instant at) {
    return new ElevatedGrant(id, principalId, principalType, namespace, permission, accountRole, durationSeconds,
        justification, ticket, breakGlass, State.DENIED, requested, by, at, reason, start, expire, revokedBy,
        revoked, meta);
  }

  public ElevatedGrant revokedBy(String by, String reason, Instant at) {
    return new ElevatedGrant(id, principalId, principalType, namespace, permission, accountRole, durationSeconds,
        justification, ticket, breakGlass, State.REVOKED, requested, decidedBy, decided,
        decisionReason.isEmpty() ? reason : decisionReason, start, expire, by, at, meta);
  }

  public ElevatedGrant expired() {
    return new ElevatedGrant(id, principalId, principalType, namespace, permission, accountRole, durationSeconds,
        justification, ticket, breakGlass, State.EXPIRED, requested, decidedBy, decided, decisionReason, start,
        expire, revokedBy, revoked, meta);
  }

  @Override
  public String uniqueName() {
    return id;
  }

  @Override
  public ElevatedGrant withMeta(Meta meta) {
    return new ElevatedGrant(id, principalId, principalType, namespace, permission, accountRole, durationSeconds,
        justification, ticket, breakGlass, state, requested, decidedBy, decided, decisionReason, start, expire,
        revokedBy, revoked, meta);
  }
}
