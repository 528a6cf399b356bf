package dev.gatehouse.config;

/**
 * Temporal's {@code global.authorization}. {@code claimMapper} and {@code authorizer} name a built-in
 * ({@code default}, {@code mtls}, {@code noop}) or a plugin class found through {@link java.util.ServiceLoader}.
 */
public record Authorization(
    JwtKeyProvider jwtKeyProvider,
    String permissionsClaimName,
    String permissionsRegex,
    String authorizer,
    String claimMapper,
    String authHeaderName,
    String authExtraHeaderName,
    String audience) {
  public static final Authorization DEFAULT = new Authorization(null, null, null, null, null, null, null, null);

  public Authorization {
    jwtKeyProvider = jwtKeyProvider == null ? JwtKeyProvider.NONE : jwtKeyProvider;
    permissionsClaimName = blankToNull(permissionsClaimName) == null ? "permissions" : permissionsClaimName;
    permissionsRegex = blankToNull(permissionsRegex);
    authorizer = blankToNull(authorizer) == null ? "noop" : authorizer;
    claimMapper = blankToNull(claimMapper) == null ? "noop" : claimMapper;
    authHeaderName = blankToNull(authHeaderName) == null ? "authorization" : authHeaderName;
    authExtraHeaderName = blankToNull(authExtraHeaderName) == null ? "authorization-extras" : authExtraHeaderName;
    audience = blankToNull(audience);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
