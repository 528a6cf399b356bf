package dev.gatehouse.config;

import java.util.regex.Pattern;

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
