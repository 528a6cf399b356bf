package dev.gatehouse.store;

import java.util.Optional;

/**
 * The entities of one kind. Every method may block on the database.
 *
 * @param <T> the entity record
 */
public interface Entities<T extends Entity> {

  Optional<T> get(String id);

  /** By unique name (see {@link Entity#uniqueName()}); emails compare case-insensitively. */
  Optional<T> byName(String uniqueName);

  /**
   * A page in id order.
   *
   * @param pageSize at most this many (1..1000; 0 means 100)
   * @param pageToken {@code ""} for the first page, else a previous page's {@link Page#nextPageToken()}
   * @throws IllegalArgumentException for a token the store did not issue
   */
  Page<T> list(int pageSize, String pageToken);

  /**
   * Stores a new entity and returns it with its {@link Meta} set.
   *
   * @throws StoreException {@link StoreException.Reason#ALREADY_EXISTS} when the id or the unique name is taken
   */
  T create(T entity);

  /**
   * Replaces an entity and returns it with its new {@link Meta}.
   *
   * @param expectedVersion the resource version the caller read, or {@code null} to skip the check
   * @throws StoreException {@link StoreException.Reason#NOT_FOUND}, {@link StoreException.Reason#CONFLICT} for a
   *     stale version, {@link StoreException.Reason#ALREADY_EXISTS} when the new unique name is taken
   */
  T update(T entity, String expectedVersion);

  /**
   * Deletes an entity.
   *
   * @param expectedVersion the resource version the caller read, or {@code null} to skip the check
   * @throws StoreException {@link StoreException.Reason#NOT_FOUND} or {@link StoreException.Reason#CONFLICT}
   */
  void delete(String id, String expectedVersion);

  /** How many there are. */
  long count();
}
