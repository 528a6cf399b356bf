package dev.gatehouse.store;

import java.util.List;
import java.util.Map;

/**
 * What changed after a version: the current state of every entity written since, and what was deleted. A reader
 * that applies these to a {@link StoreSnapshot} of {@code from} holds the store's state at {@code to}.
 *
 * @param from the version asked about
 * @param to the store's version when read
 * @param upserted entities created or updated after {@code from}, in their current state
 * @param apiKeyHashes secret hashes of the upserted API keys, by key id
 * @param deleted ids deleted after {@code from}, by kind ({@code User.class}, ...)
 * @param complete false when the store no longer holds the changes since {@code from} (compacted): read a new
 *     {@link AccountStore#snapshot()} instead
 */
public record StoreChanges(
    long from,
    long to,
    List<Entity> upserted,
    Map<String, byte[]> apiKeyHashes,
    Map<Class<? extends Entity>, List<String>> deleted,
    boolean complete) {}
