package dev.gatehouse.access;

import java.time.Instant;

/**
 * Something a campaign did or refused, for the audit log: a start, an attestation, a refused attestation, a
 * deadline's flag or revocation, a close.
 *
 * @param at when
 * @param actor the user who asked, {@code "scheduler"} or {@code "deadline"}
 * @param action {@code review.start}, {@code review.attest}, {@code review.deadline}, {@code review.close}
 * @param campaignId the campaign, or {@code ""} when unknown
 * @param itemId the item, or {@code ""}
 * @param refused whether it was refused (nothing changed)
 * @param detail the decision, or why it was refused
 */
public record ReviewEvent(Instant at, String actor, String action, String campaignId, String itemId,
    boolean refused, String detail) {}
