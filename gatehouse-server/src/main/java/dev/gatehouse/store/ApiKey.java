package dev.gatehouse.store;

import java.time.Instant;

/**
 * An API key's public part. Cloud's {@code identity.v1.ApiKey}. The secret is never stored; the store keeps only
 * its keyed hash, beside this record (see {@link AccountStore#createApiKey}).
 *
 * @param id the key id, the part of the key that names it
 * @param ownerId the owning user's or service account's id
 * @param ownerType what the owner is
 * @param displayName shown in listings
 * @param description free text
 * @param expiry when the key stops working (required; at most 2 years after creation)
 * @param disabled a disabled key authenticates nothing
 * @param lastUsed when a call last authenticated with it, or {@code null}; updated at most about once a minute
 * @param meta store metadata
 */
public record ApiKey(
    String id,
    String ownerId,
    OwnerType ownerType,
    String displayName,
    String description,
    Instant expiry,
    boolean disabled,
    Instant lastUsed,
    Meta meta) implements Entity {
  public ApiKey {
    description = description == null ? "" : description;
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String uniqueName() {
    return id;
  }

  @Override
  public ApiKey withMeta(Meta meta) {
    return new ApiKey(id, ownerId, ownerType, displayName, description, expiry, disabled, lastUsed, meta);
  }
}
