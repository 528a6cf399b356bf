package dev.gatehouse.store;

import java.time.Instant;

/**
 * The one account of an installation, made when the store is first initialised.
 *
 * @param id the account's id (Cloud's account id)
 * @param created when the store was initialised
 */
public record Account(String id, Instant created) {}
