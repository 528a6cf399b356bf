package dev.gatehouse.codecserver;

import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Cross-origin access for the Temporal Web UI, which calls the codec server from the browser: only the configured
 * origins, compared exactly as the browser sends them (no wildcards, no suffix matching), get CORS headers.
 */
final class CorsPolicy {
  /**
   * What the Web UI sends ({@code Content-Type}, {@code X-Namespace}, {@code Authorization} with its access token)
   * plus Temporal's {@code Authorization-Extras}, which custom clients use to pass an ID token.
   */
  static final String ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization, Authorization-Extras";
  static final String ALLOWED_METHODS = "POST";
  // Browsers cap this (Chrome at 2 h); 10 min keeps a removed origin from lingering long.
  static final String MAX_AGE_SECONDS = "600";

  private final Set<String> origins;
  private final boolean allowCredentials;

  CorsPolicy(List<String> origins, boolean allowCredentials) {
    this.origins = Set.copyOf(origins);
    this.allowCredentials = allowCredentials;
  }

  boolean allows(String origin) {
    return origin != null && origins.contains(origin);
  }

  /** Headers for an actual (non-preflight) response to an allowed origin. */
  void addResponseHeaders(HttpFields.Mutable headers, String origin) {
    headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    if (allowCredentials) {
      headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
  }

  /** Headers for a preflight answer to an allowed origin. */
  void addPreflightHeaders(HttpFields.Mutable headers, String origin) {
    addResponseHeaders(headers, origin);
    headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS);
    headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
    headers.put(HttpHeader.ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS);
  }
}
