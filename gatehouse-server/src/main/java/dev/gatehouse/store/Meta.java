package dev.gatehouse.store;

import java.time.Instant;

/**
 * What the store keeps about every entity. The resource version changes on every write; updates and deletes that
 * name a version other than the current one fail with {@link StoreException.Reason#CONFLICT}, as Cloud's
 * {@code resource_version} checks do.
 *
 * @param resourceVersion opaque, changes on every write; {@code null} on an entity not yet created
 * @param created when the entity was created
 * @param modified when it was last changed
 */
public record Meta(String resourceVersion, Instant created, Instant modified) {
  public static final Meta NEW = new Meta(null, null, null);
}
