package dev.gatehouse.control;

import dev.gatehouse.store.Access;
import dev.gatehouse.store.Account;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.StoreException;
import dev.gatehouse.store.User;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.security.SecureRandom;

/**
 * The first start of a store: the account, its first Account Owner and an API key for them, whose token is shown
 * once ({@code gatehouse init}, and {@code start-dev} on its first start). A store that already has an account is
 * left as it is.
 */
public final class Bootstrap {
  /** How long the first Owner's key lives unless asked otherwise. */
  public static final Duration DEFAULT_KEY_LIFETIME = Duration.ofDays(90);

  private Bootstrap() {}

  /**
   * What the first start made.
   *
   * @param account the new account
   * @param owner the first Account Owner
   * @param key the owner's API key (public part)
   * @param token the key itself: print it once, it is stored nowhere
   */
  public record Created(Account account, User owner, ApiKey key, String token) {
    @Override
    public String toString() {
      return "Created[" + account.id() + ", " + owner.email() + ", key " + key.id() + "]";
    }
  }

  /**
   * Initialises {@code store} if it has no account yet.
   *
   * @param ownerEmail the first Owner's email
   * @param keyLifetime the key's lifetime, at most 2 years
   * @return what was made, or empty when the store already had an account
   */
  public static Optional<Created> initialise(AccountStore store, ApiKeyIssuer keys, String ownerEmail,
      Duration keyLifetime, Clock clock) {
    if (keyLifetime.isNegative() || keyLifetime.isZero() || keyLifetime.compareTo(Validation.MAX_API_KEY_LIFETIME) > 0) {
      throw new IllegalArgumentException("the key lifetime must be positive and at most 2 years");
    }
    Validation.email(ownerEmail);
    if (store.account().isPresent()) {
      return Optional.empty();
    }
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    Account account = store.initialise("gh-" + HexFormat.of().formatHex(id));
    User owner;
    try {
      owner = store.users().create(new User(CloudOps.newId(), ownerEmail, new Access(AccountRole.OWNER, Map.of()),
          null));
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.ALREADY_EXISTS) {
        // Another replica initialised the same store at the same moment; its Owner stands.
        return Optional.empty();
      }
      throw e;
    }
    Instant now = clock.instant();
    ApiKeyIssuer.IssuedKey issued = keys.issue();
    ApiKey key = store.createApiKey(new ApiKey(issued.keyId(), owner.id(), OwnerType.USER, "initial owner key",
        "made by gatehouse init", now.plus(keyLifetime), false, null, null), issued.secretHash());
    return Optional.of(new Created(account, owner, key, issued.token()));
  }
}
