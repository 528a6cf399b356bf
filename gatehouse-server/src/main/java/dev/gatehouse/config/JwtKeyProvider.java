package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;

/** Temporal's {@code jwtKeyProvider}: JWKS sources ({@code https://}, {@code http://}, {@code file:}) and refresh. */
public record JwtKeyProvider(List<String> keySourceURIs, Duration refreshInterval) {
  public static final JwtKeyProvider NONE = new JwtKeyProvider(null, null);

  public JwtKeyProvider {
    keySourceURIs = keySourceURIs == null ? List.of() : List.copyOf(keySourceURIs);
    refreshInterval = refreshInterval == null ? Duration.ofMinutes(1) : refreshInterval;
  }
}
