package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Temporal's {@code global.authorization}, plus Gatehouse's own keys.
 *
 * <p>{@code claimMapper} names a built-in ({@code default}: JWT bearer tokens, {@code mtls}: rules over the
 * verified client certificate, {@code noop}: no identity) or a plugin found through {@link java.util.ServiceLoader};
 * two names joined by {@code +} (e.g. {@code default+mtls}) require both credentials and grant only what both grant.
 * {@code authorizer} names {@code default} (Temporal's role rules), {@code noop} (allow everything) or a plugin.
 * Both default to {@code default}: allowing everything must be asked for by name.
 *
 * @param jwtKeyProvider JWKS sources and their refresh interval
 * @param permissionsClaimName the JWT claim holding {@code namespace:role} permissions; default {@code permissions}
 * @param permissionsRegex a regex with named groups {@code namespace} and {@code role} applied to each permission
 *     (Go's {@code (?P<name>...)} syntax is accepted too); {@code null} splits on the first {@code :}
 * @param authorizer the authorizer's name
 * @param claimMapper the claim mapper's name
 * @param authHeaderName the header carrying {@code Bearer <token>}; default {@code authorization}
 * @param authExtraHeaderName the header passed to claim mappers as extra data; default {@code authorization-extras}
 * @param audience the audience a JWT must name when the transport supplies none; {@code null}: not checked
 * @param certificateRules rules mapping the verified client certificate to roles (claim mapper {@code mtls})
 * @param exposeDenialReason when true, denials tell the caller why; by default they say only "Request unauthorized."
 * @param propagatePrincipal when true, the caller's principal is sent upstream as {@code temporal-principal-*}
 * @param clockSkew tolerance applied to a JWT's {@code exp}, {@code nbf} and {@code iat}; default 60 s
 * @param maxTokenSize the largest bearer header accepted, in characters, checked before parsing; default 16384
 * @param tokenCacheSize how many verified tokens (by SHA-256) are remembered until they expire; 0 disables;
 *     default 10000
 */
public record Authorization(
    JwtKeyProvider jwtKeyProvider,
    String permissionsClaimName,
    String permissionsRegex,
    String authorizer,
    String claimMapper,
    String authHeaderName,
    String authExtraHeaderName,
    String audience,
    List<CertificateRule> certificateRules,
    boolean exposeDenialReason,
    boolean propagatePrincipal,
    Duration clockSkew,
    Integer maxTokenSize,
    Integer tokenCacheSize) {
  public static final Authorization DEFAULT = new Authorization(null, null, null, null, null, null, null, null);

  public Authorization {
    jwtKeyProvider = jwtKeyProvider == null ? JwtKeyProvider.NONE : jwtKeyProvider;
    permissionsClaimName = blankToNull(permissionsClaimName) == null ? "permissions" : permissionsClaimName;
    permissionsRegex = blankToNull(permissionsRegex);
    authorizer = blankToNull(authorizer) == null ? "default" : authorizer.strip();
    claimMapper = blankToNull(claimMapper) == null ? "default" : claimMapper.strip();
    authHeaderName = blankToNull(authHeaderName) == null ? "authorization" : authHeaderName;
    authExtraHeaderName = blankToNull(authExtraHeaderName) == null ? "authorization-extras" : authExtraHeaderName;
    audience = blankToNull(audience);
    certificateRules = certificateRules == null ? List.of() : List.copyOf(certificateRules);
    clockSkew = clockSkew == null ? Duration.ofSeconds(60) : clockSkew;
    maxTokenSize = maxTokenSize == null ? 16 * 1024 : maxTokenSize;
    tokenCacheSize = tokenCacheSize == null ? 10_000 : tokenCacheSize;
  }

  /** Temporal's keys only; Gatehouse's own keys take their defaults. */
  public Authorization(
      JwtKeyProvider jwtKeyProvider,
      String permissionsClaimName,
      String permissionsRegex,
      String authorizer,
      String claimMapper,
      String authHeaderName,
      String authExtraHeaderName,
      String audience) {
    this(jwtKeyProvider, permissionsClaimName, permissionsRegex, authorizer, claimMapper, authHeaderName,
        authExtraHeaderName, audience, null, false, false, null, null, null);
  }

  /**
   * {@code permissionsRegex} compiled, or {@code null} when it is not set. Temporal's regex is Go's, whose examples
   * name groups {@code (?P<namespace>...)}; that spelling is read as Java's {@code (?<namespace>...)}.
   *
   * @throws java.util.regex.PatternSyntaxException if the expression is invalid; {@link ConfigValidator} reports
   *     that with the key and file before anyone calls this
   */
  public Pattern permissionsPattern() {
    if (permissionsRegex == null) {
      return null;
    }
    StringBuilder java = new StringBuilder(permissionsRegex.length());
    int backslashes = 0;
    for (int i = 0; i < permissionsRegex.length(); i++) {
      char c = permissionsRegex.charAt(i);
      boolean escaped = backslashes % 2 == 1;
      if (c == '(' && !escaped && permissionsRegex.startsWith("?P<", i + 1)) {
        java.append("(?<");
        i += 3;
        backslashes = 0;
        continue;
      }
      java.append(c);
      backslashes = c == '\\' ? backslashes + 1 : 0;
    }
    return Pattern.compile(java.toString());
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
