/**
 * Access governance: periodic access reviews ({@link dev.gatehouse.access.AccessReviews}): a campaign snapshots
 * every grant in the store, reviewers attest keep or revoke, the deadline flags or revokes what nobody attested, and
 * the report exports as JSON, CSV or text.
 */
package dev.gatehouse.access;
