package dev.gatehouse.auth;

import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.ElevatedGrant;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.store.OwnerType;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link StoreIdentities#apiKeyMapper()}: {@code Bearer ghk_...} in the auth header (what Temporal's SDKs send when
 * given an API key) identifies the key's owner with the owner's roles. A bearer token that is not a Gatehouse key (a
 * JWT) is not this mapper's: the caller stays anonymous and {@link ClaimMappers#firstOf} asks the next mapper.
 *
 * <p>A Gatehouse key that is malformed, unknown, has another secret, is disabled, expired or whose owner is gone is
 * refused (UNAUTHENTICATED), and is never passed on to a weaker mapper. Disabled and expired are told only to a
 * caller who proved the secret. The secret's keyed hash is compared in constant time, and computed for unknown keys
 * too, so the answer's timing does not tell which key ids exist. A token that verified is remembered for the store
 * version in force (bounded), so its next calls skip the hash; every other check runs on every call.
 */
final class ApiKeyMapper implements ClaimMapper {
  static final String INVALID = "invalid API key";
  static final String MALFORMED = "malformed API key";
  static final String DISABLED = "API key disabled";
  static final String EXPIRED = "API key expired";
  static final String OWNER_GONE = "API key owner no longer exists";
  private static final byte[] NO_HASH = new byte[32];

  private final Supplier<IdentityDirectory> directory;
  private final ApiKeySecrets secrets;
  private final Clock clock;
  private final KeyUses uses;

  /** Where uses are reported; cheap, never blocks. */
  @FunctionalInterface
  interface KeyUses {
    void used(String keyId, long atMillis);
  }

  ApiKeyMapper(Supplier<IdentityDirectory> directory, ApiKeySecrets secrets, Clock clock, KeyUses uses) {
    this.directory = directory;
    this.secrets = secrets;
    this.clock = clock;
    this.uses = uses;
  }

  @Override
  public Claims getClaims(AuthInfo authInfo) throws AuthenticationException {
    String token = bearer(authInfo.authToken());
    if (token == null || !token.startsWith(ApiKeySecrets.PREFIX)) {
      return Claims.anonymous();
    }
    IdentityDirectory dir = directory.get();
    String keyId = dir.verifiedTokens.get(token);
    ApiKey key;
    if (keyId != null) {
      key = dir.keys.get(keyId);
      if (key == null) {
        throw new AuthenticationException(INVALID);
      }
    } else {
      Optional<ApiKeySecrets.ParsedApiKey> parsed = secrets.parse(token);
      if (parsed.isEmpty()) {
        throw new AuthenticationException(MALFORMED);
      }
      keyId = parsed.get().keyId();
      key = dir.keys.get(keyId);
      byte[] stored = dir.hashes.get(keyId);
      byte[] presented = secrets.hash(parsed.get().secret());
      boolean matches = MessageDigest.isEqual(stored == null ? NO_HASH : stored, presented);
      if (key == null || stored == null || !matches) {
        throw new AuthenticationException(INVALID);
      }
      IdentityDirectory.remember(dir.verifiedTokens, token, keyId);
    }
    IdentityDirectory.Principal owner = dir.principals.get(key.ownerId());
    if (owner == null || owner.type() != key.ownerType()) {
      throw new AuthenticationException(OWNER_GONE);
    }
    if (key.disabled()) {
      throw new AuthenticationException(DISABLED);
    }
    long now = clock.millis();
    if (key.expiry() == null || now >= key.expiry().toEpochMilli()) {
      throw new AuthenticationException(EXPIRED);
    }
    uses.used(keyId, now);
    Claims claims = dir.keyClaims.get(keyId);
    if (claims == null) {
      claims = claims(owner, keyId);
      IdentityDirectory.remember(dir.keyClaims, keyId, claims);
    }
    List<ElevatedGrant> grants = dir.grantsOf.get(owner.id());
    return grants == null ? claims : elevated(claims, grants, Instant.ofEpochMilli(now), dir);
  }

  /**
   * {@code claims} with the elevated grants in effect at {@code now} added: decided on every call against the
   * clock, so the first call after a grant's expiry is refused whether or not the store has marked it expired.
   */
  static Claims elevated(Claims claims, List<ElevatedGrant> grants, Instant now, IdentityDirectory dir) {
    Map<String, Role> roles = null;
    Map<String, NamespacePermission> permissions = null;
    Map<String, String> inEffect = null;
    Role system = claims.system();
    AccountRole accountRole = null;
    for (ElevatedGrant g : grants) {
      if (!g.effectiveAt(now)) {
        continue;
      }
      if (roles == null) {
        roles = new HashMap<>(claims.namespaces());
        @SuppressWarnings("unchecked")
        Map<String, NamespacePermission> own = claims.extensions().get(StoreClaims.NAMESPACE_PERMISSIONS)
            instanceof Map<?, ?> m ? (Map<String, NamespacePermission>) m : Map.of();
        permissions = new HashMap<>(own);
        inEffect = new LinkedHashMap<>();
      }
      if (g.isNamespaceGrant()) {
        permissions.merge(g.namespace(), g.permission(), NamespacePermission::max);
        IdentityDirectory.NamespacePolicy policy = dir.policies.get(g.namespace());
        if (policy != null && policy.namespace().apiKeyAuth()) {
          roles.merge(g.namespace(), IdentityDirectory.roleOf(g.permission()), Role::union);
        }
        inEffect.putIfAbsent(g.namespace(), g.id());
      } else {
        accountRole = accountRole == null ? g.accountRole()
            : IdentityDirectory.morePowerful(accountRole, g.accountRole());
        if (g.accountRole() == AccountRole.OWNER || g.accountRole() == AccountRole.ADMIN) {
          system = system.union(Role.ADMIN);
        }
        inEffect.putIfAbsent("", g.id());
      }
    }
    if (inEffect == null) {
      return claims;
    }
    Map<String, Object> ext = new LinkedHashMap<>(claims.extensions());
    ext.put(StoreClaims.NAMESPACE_PERMISSIONS, Map.copyOf(permissions));
    if (accountRole != null && claims.extensions().get(StoreClaims.ACCOUNT_ROLE) instanceof String standing) {
      ext.put(StoreClaims.ACCOUNT_ROLE,
          IdentityDirectory.morePowerful(AccountRole.valueOf(standing), accountRole).name());
    }
    ext.put(StoreClaims.ELEVATED_GRANTS, Map.copyOf(inEffect));
    return new Claims(claims.subject(), system, roles, claims.authType(), ext);
  }

  static Claims claims(IdentityDirectory.Principal owner, String keyId) {
    Map<String, Object> ext = principalExtensions(owner);
    ext.put(StoreClaims.API_KEY_ID, keyId);
    return new Claims(owner.id(), owner.system(), owner.keyRoles(), StoreClaims.AUTH_TYPE_API_KEY, ext);
  }

  static Map<String, Object> principalExtensions(IdentityDirectory.Principal owner) {
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put(StoreClaims.PRINCIPAL_TYPE,
        owner.type() == OwnerType.USER ? StoreClaims.USER : StoreClaims.SERVICE_ACCOUNT);
    ext.put(StoreClaims.PRINCIPAL_ID, owner.id());
    ext.put(StoreClaims.PRINCIPAL_NAME, owner.name());
    ext.put(StoreClaims.ACCOUNT_ROLE, owner.accountRole().name());
    ext.put(StoreClaims.NAMESPACE_PERMISSIONS, owner.permissions());
    return ext;
  }

  /** The token of a {@code Bearer} header value (scheme case-insensitive), or {@code null}. */
  static String bearer(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).strip();
  }

  @Override
  public String toString() {
    return "apiKey";
  }
}
