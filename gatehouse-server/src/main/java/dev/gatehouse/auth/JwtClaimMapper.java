package dev.gatehouse.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigOrigin;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporal's default JWT claim mapper: {@code Bearer <JWT>} signed with a key from the JWKS, permissions read from
 * the {@code permissions} claim.
 *
 * <p>Stricter than Temporal in ways that only reject tokens Temporal would also have reason to reject: only
 * asymmetric algorithms (RS*, PS*, ES256/384/512, EdDSA with Ed25519); the token must name its key ({@code kid}) and
 * carry {@code exp} and a string {@code sub} (a number is refused, as Temporal's mapper refuses it); {@code exp},
 * {@code nbf} and {@code iat} are checked with {@code clockSkew} tolerance; the header value is refused unparsed
 * beyond {@code maxTokenSize} characters.
 *
 * <p>Each key source is bound to its issuer ({@code jwtKeyProvider.issuers}): a token is accepted only when its
 * {@code iss} is the issuer of a source whose key verified its signature, so one identity provider's keys cannot
 * sign tokens in another's name. Without {@code issuers} there must be at most one source, and {@code iss} is not
 * checked, as in Temporal.
 *
 * <p>A verified token's claims are remembered under the token's SHA-256 until the token expires (bounded by
 * {@code tokenCacheSize}, dropped whenever the key set changes), so a client reusing its token pays for the
 * signature once.
 *
 * <p>Never waits for I/O: a token naming a key id the JWKS does not hold is refused at once as "unknown signing
 * key" and asks {@link JwksKeySource} for a refresh in the background, so a rotated key works by the client's retry.
 */
final class JwtClaimMapper implements ClaimMapper {
  private static final Set<JWSAlgorithm> ACCEPTED = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
      JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
      JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

  private final Clock clock;
  private final long skewMillis;
  private final int maxTokenSize;
  private final String configuredAudience;
  private final String permissionsClaim;
  private final Permissions permissions;
  private final TokenCache cache;
  private final JwksKeySource keys;
  // Empty when issuers are not bound (one source at most).
  private final Map<URI, String> issuerBySource;

  /** Loads the keys once before returning, then refreshes them on {@code context}'s scheduler. */
  JwtClaimMapper(PluginContext context) {
    this(context, JwksKeySource.FETCH_TIMEOUT);
  }

  /** @param fetchTimeout how long a JWKS fetch may take; tests of a key server that never answers set it */
  JwtClaimMapper(PluginContext context, Duration fetchTimeout) {
    Authorization config = context.authorization();
    ConfigOrigin origin = context.origin();
    this.clock = context.clock();
    if (config.clockSkew().isNegative()) {
      throw configError(origin, "global.authorization.clockSkew", "must not be negative");
    }
    if (config.maxTokenSize() <= 0) {
      throw configError(origin, "global.authorization.maxTokenSize", "must be positive");
    }
    if (config.tokenCacheSize() < 0) {
      throw configError(origin, "global.authorization.tokenCacheSize", "must not be negative");
    }
    this.skewMillis = config.clockSkew().toMillis();
    this.maxTokenSize = config.maxTokenSize();
    this.configuredAudience = config.audience();
    this.permissionsClaim = config.permissionsClaimName();
    this.permissions = new Permissions(config, origin);
    this.cache = new TokenCache(config.tokenCacheSize());
    String[] issuerProblem = config.jwtKeyProvider().issuerProblem();
    if (issuerProblem != null) {
      throw configError(origin, "global.authorization.jwtKeyProvider." + issuerProblem[0], issuerProblem[1]);
    }
    this.keys = new JwksKeySource(context, fetchTimeout, cache::clear);
    Map<URI, String> bound = new HashMap<>();
    List<String> issuers = config.jwtKeyProvider().issuers();
    for (int i = 0; i < issuers.size(); i++) {
      bound.put(keys.sources().get(i), issuers.get(i));
    }
    this.issuerBySource = Map.copyOf(bound);
  }

  private static ConfigException configError(ConfigOrigin origin, String key, String problem) {
    return new ConfigException(origin.fileOf(key), key, problem);
  }

  @Override
  public Claims getClaims(AuthInfo authInfo) throws AuthenticationException {
    String header = authInfo.authToken();
    if (header == null || header.isEmpty()) {
      return Claims.anonymous();
    }
    if (header.length() > maxTokenSize) {
      throw new AuthenticationException("authorization header longer than " + maxTokenSize + " characters");
    }
    int space = header.indexOf(' ');
    if (space < 0) {
      throw new AuthenticationException("unexpected authorization token format");
    }
    if (space != 6 || !header.regionMatches(true, 0, "bearer", 0, 6)) {
      throw new AuthenticationException("unexpected name in authorization token");
    }
    String token = header.substring(space + 1);
    if (!isCompactJws(token)) {
      // Nimbus's base64url decoding skips stray characters; Temporal's does not. Refuse them before parsing.
      throw new AuthenticationException("malformed token");
    }
    String audience = authInfo.audience() != null ? authInfo.audience() : configuredAudience;
    long now = clock.millis();

    TokenKey key = cache.enabled() ? TokenKey.of(token) : null;
    if (key != null) {
      Cached hit = cache.get(key);
      if (hit != null && now <= hit.expiresAtMillis && Objects.equals(hit.audience, audience)) {
        return hit.claims;
      }
    }
    JWTClaimsSet jwtClaims = verify(token, now, audience);
    Claims claims = toClaims(jwtClaims);
    if (key != null) {
      cache.put(key, new Cached(claims, jwtClaims.getExpirationTime().getTime() + skewMillis, audience), now);
    }
    return claims;
  }

  private static boolean isCompactJws(String token) {
    int dots = 0;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.') {
        dots++;
      } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
          || c == '_')) {
        return false;
      }
    }
    return dots == 2;
  }

  private JWTClaimsSet verify(String token, long now, String audience) throws AuthenticationException {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw new AuthenticationException("malformed token");
    }
    if (jwt instanceof PlainJWT) {
      throw new AuthenticationException("unsigned token (alg none) is not accepted");
    }
    if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT signed)) {
      throw new AuthenticationException("encrypted tokens are not accepted");
    }
    JWSHeader header = signed.getHeader();
    JWSAlgorithm alg = header.getAlgorithm();
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      throw new AuthenticationException("HMAC-signed tokens are not accepted");
    }
    if (!ACCEPTED.contains(alg)) {
      throw new AuthenticationException("signature algorithm " + alg + " is not accepted");
    }
    String kid = header.getKeyID();
    if (kid == null || kid.isEmpty()) {
      throw new AuthenticationException("token has no kid header");
    }
    List<JwksKeySource.VerificationKey> candidates = keys.keys(kid);
    if (candidates.isEmpty()) {
      // Answered now, not after a fetch: this may be an event loop. The retry finds the key if it was rotated in.
      keys.refreshForUnknownKid();
      throw new AuthenticationException("unknown signing key");
    }
    // Every source whose key verifies the signature; the token's issuer must own one of them.
    Set<String> owners = new HashSet<>();
    boolean verified = false;
    for (JwksKeySource.VerificationKey k : candidates) {
      if (!k.algorithms().contains(alg)) {
        continue;
      }
      try {
        if (signed.verify(k.verifier())) {
          verified = true;
          String owner = issuerBySource.get(k.source());
          if (owner != null) {
            owners.add(owner);
          }
          if (issuerBySource.isEmpty()) {
            break;
          }
        }
      } catch (JOSEException | IllegalStateException e) {
        // Treated as a bad signature: nothing about the token is trusted yet.
      }
    }
    if (!verified) {
      throw new AuthenticationException("invalid signature");
    }
    JWTClaimsSet claims;
    try {
      claims = signed.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new AuthenticationException("malformed token claims");
    }
    // The claims as sent: Nimbus turns a numeric sub into text, Temporal's mapper refuses it.
    Map<String, Object> raw = signed.getPayload().toJSONObject();
    if (raw == null) {
      throw new AuthenticationException("malformed token claims");
    }
    if (!issuerBySource.isEmpty()) {
      Object iss = raw.get("iss");
      if (!(iss instanceof String issuer) || !owners.contains(issuer)) {
        throw new AuthenticationException("token issuer does not own its signing key");
      }
    }
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new AuthenticationException("token has no exp claim");
    }
    if (now > exp.getTime() + skewMillis) {
      throw new AuthenticationException("token expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now + skewMillis < nbf.getTime()) {
      throw new AuthenticationException("token not yet valid");
    }
    Date iat = claims.getIssueTime();
    if (iat != null && now + skewMillis < iat.getTime()) {
      throw new AuthenticationException("token issued in the future");
    }
    if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
      throw new AuthenticationException("audience mismatch");
    }
    Object rawSub = raw.get("sub");
    if (rawSub != null && !(rawSub instanceof String)) {
      throw new AuthenticationException("unexpected value type of \"sub\" claim");
    }
    String sub = claims.getSubject();
    if (sub == null || sub.isBlank()) {
      throw new AuthenticationException("token has no sub claim");
    }
    return claims;
  }

  private Claims toClaims(JWTClaimsSet jwtClaims) {
    Permissions.Grants grants = new Permissions.Grants();
    if (jwtClaims.getClaim(permissionsClaim) instanceof List<?> list) {
      for (Object p : list) {
        if (p instanceof String s) {
          permissions.apply(s, grants);
        }
      }
    }
    return new Claims(jwtClaims.getSubject(), grants.system, grants.namespaces, "jwt", jwtClaims.getClaims());
  }

  /** The refresh of the signing keys in flight, or a completed future; tests wait on it instead of sleeping. */
  CompletableFuture<Void> keyRefresh() {
    return keys.refreshInFlight();
  }

  @Override
  public void close() {
    keys.close();
  }

  @Override
  public String toString() {
    return "default";
  }

  /** SHA-256 of a token; comparing digests leaks nothing about cached tokens through timing. */
  record TokenKey(long a, long b, long c, long d) {
    static TokenKey of(String token) {
      try {
        ByteBuffer h = ByteBuffer.wrap(
            MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        return new TokenKey(h.getLong(), h.getLong(), h.getLong(), h.getLong());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  record Cached(Claims claims, long expiresAtMillis, String audience) {}

  /** Bounded map of verified tokens; when full, expired entries go first, then everything. */
  static final class TokenCache {
    private final int capacity;
    private final Map<TokenKey, Cached> entries = new ConcurrentHashMap<>();

    TokenCache(int capacity) {
      this.capacity = capacity;
    }

    boolean enabled() {
      return capacity > 0;
    }

    Cached get(TokenKey key) {
      return entries.get(key);
    }

    void put(TokenKey key, Cached value, long now) {
      if (entries.size() >= capacity) {
        entries.values().removeIf(c -> c.expiresAtMillis < now);
        if (entries.size() >= capacity) {
          entries.clear();
        }
      }
      entries.put(key, value);
    }

    void clear() {
      entries.clear();
    }

    int size() {
      return entries.size();
    }
  }
}
