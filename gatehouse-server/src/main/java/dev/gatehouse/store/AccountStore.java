package dev.gatehouse.store;

import java.time.Instant;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The control plane's store. Every method may block on the database: call it from the control plane's executor or
 * a background thread, never from an event loop. Thread-safe.
 *
 * <p>Every write moves a change counter ({@link #version()}). Replicas that share a PostgreSQL store learn of a move
 * through {@link #onChange} within a second (LISTEN/NOTIFY, and a poll of the counter as a backstop) and read what
 * moved with {@link #changesSince}.
 */
public interface AccountStore extends AutoCloseable {

  /**
   * Opens the store {@code settings} name: the SQLite file {@code gatehouse.db} under {@code dir}, or the database
   * at {@code url} ({@code jdbc:sqlite:} or {@code jdbc:postgresql:}), and brings its schema up to date.
   *
   * @param clock the time entities are stamped with
   * @throws StoreException {@link StoreException.Reason#UNAVAILABLE} when the database cannot be reached, the
   *     schema cannot be migrated, or the master key is missing or is not the store's
   */
  static AccountStore open(dev.gatehouse.config.Store settings, java.time.Clock clock) {
    return JdbcAccountStore.open(settings, clock, System::getenv);
  }

  /**
   * {@link #open(dev.gatehouse.config.Store, java.time.Clock)} with the master key in a KMS or HSM: on first open
   * the store makes a random 32-byte master key, has {@code masterKeyProvider} wrap it under its active key, and
   * keeps only the wrapped key; every open unwraps it once. {@code masterKeyFile} and {@code masterKeyEnv} must be
   * unset.
   *
   * @throws StoreException {@link StoreException.Reason#UNAVAILABLE} also when the provider fails, naming no key
   */
  static AccountStore open(dev.gatehouse.config.Store settings, java.time.Clock clock,
      dev.gatehouse.codec.KeyProvider masterKeyProvider) {
    java.util.Objects.requireNonNull(masterKeyProvider, "masterKeyProvider");
    return JdbcAccountStore.open(settings, clock, System::getenv, JdbcAccountStore.POLL, masterKeyProvider);
  }

  /** The installation's account, made by {@link #initialise}; empty before. */
  Optional<Account> account();

  /**
   * Creates the account if there is none. Idempotent.
   *
   * @return the account, new or existing
   */
  Account initialise(String accountId);

  Entities<Namespace> namespaces();

  Entities<User> users();

  Entities<UserGroup> userGroups();

  Entities<ServiceAccount> serviceAccounts();

  /**
   * The API keys. Create them with {@link #createApiKey}, which stores the secret's hash with the key;
   * {@link Entities#create} on this view is refused.
   */
  Entities<ApiKey> apiKeys();

  Entities<AsyncOperation> asyncOperations();

  /** Access review campaigns ({@code dev.gatehouse.access} runs them). */
  Entities<ReviewCampaign> reviewCampaigns();

  /** The items of every review campaign, in id order ({@code <campaign id>.<number>}). */
  Entities<ReviewItem> reviewItems();

  /**
   * Records that {@code principalId} made a call needing {@code used} on {@code namespace}; cheap to call often (the
   * store writes only a rise, off the caller's thread). Does not move the version.
   */
  void recordAccessUse(String principalId, String namespace, NamespacePermission used, Instant at);

  /** The highest access class each principal has used, by principal id, then namespace. */
  java.util.Map<String, java.util.Map<String, NamespacePermission>> accessUses();

  /** Time-limited elevated grants, in every state (their story is kept). */
  Entities<ElevatedGrant> elevatedGrants();

  /**
   * Stores a new API key with the keyed hash of its secret, in one transaction.
   *
   * @throws StoreException {@link StoreException.Reason#ALREADY_EXISTS} when the id is taken
   */
  ApiKey createApiKey(ApiKey key, byte[] secretHash);

  /** The keyed hash of a key's secret; empty for an unknown key. */
  Optional<byte[]> apiKeySecretHash(String keyId);

  /** Records that a key authenticated a call; cheap to call often (the store coalesces). Does not move the version. */
  void recordApiKeyUse(String keyId, Instant at);

  /**
   * Stores a secret (a signing key, a sink credential) encrypted under the master key with AES-256-GCM.
   * {@code name} is bound into the ciphertext, so a value moved to another name does not decrypt.
   */
  void putSecret(String name, byte[] plaintext);

  /**
   * Stores a secret unless one of that name exists, atomically across replicas (for values made once per
   * installation, such as the API key hashing secret).
   *
   * @return true when this call stored it
   */
  default boolean putSecretIfAbsent(String name, byte[] plaintext) {
    if (secret(name).isPresent()) {
      return false;
    }
    putSecret(name, plaintext);
    return true;
  }

  /** A secret stored with {@link #putSecret}, decrypted; empty when absent. */
  Optional<byte[]> secret(String name);

  /** The change counter: moves on every create, update and delete. */
  long version();

  /** Everything, read in one transaction. */
  StoreSnapshot snapshot();

  /** What changed after {@code version}. */
  StoreChanges changesSince(long version);

  /**
   * Calls {@code listener} with the new version whenever the counter moves, whichever replica moved it, on a
   * store thread (the listener must return quickly). Closing the handle stops the calls.
   */
  AutoCloseable onChange(LongConsumer listener);

  /** Releases the connection pool and the change listener. */
  @Override
  void close();
}
