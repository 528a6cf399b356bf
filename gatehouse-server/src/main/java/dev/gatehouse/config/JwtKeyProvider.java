package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * Temporal's {@code jwtKeyProvider}: JWKS sources ({@code https://}, {@code http://}, {@code file:}) and refresh,
 * plus Gatehouse's {@code issuers}, which bind each source to the one issuer whose tokens its keys may sign.
 *
 * @param keySourceURIs the JWKS sources
 * @param refreshInterval how often they are reloaded; default 1 minute
 * @param issuers the {@code iss} each source's keys sign for, index-aligned with {@code keySourceURIs}: a token is
 *     accepted only when its {@code iss} is the issuer of the source whose key verified it. Empty: {@code iss} is
 *     not checked (Temporal's behaviour), which is allowed only with at most one key source
 */
public record JwtKeyProvider(List<String> keySourceURIs, Duration refreshInterval, List<String> issuers) {
  public static final JwtKeyProvider NONE = new JwtKeyProvider(null, null, null);

  public JwtKeyProvider {
    keySourceURIs = keySourceURIs == null ? List.of() : List.copyOf(keySourceURIs);
    refreshInterval = refreshInterval == null ? Duration.ofMinutes(1) : refreshInterval;
    issuers = issuers == null ? List.of() : List.copyOf(issuers);
  }

  /**
   * What is wrong with {@code issuers}, or {@code null}: it must be empty or name one non-blank issuer per key
   * source, and several key sources need it, since otherwise any of them could sign for every issuer.
   *
   * @return {@code [key suffix, problem]} or {@code null}
   */
  public String[] issuerProblem() {
    if (issuers.isEmpty()) {
      return keySourceURIs.size() > 1 ? new String[] {"issuers", "is required with more than one keySourceURIs "
          + "entry: name the issuer (iss) each source signs for, in the same order, so one source's keys cannot "
          + "sign another issuer's tokens"} : null;
    }
    if (issuers.size() != keySourceURIs.size()) {
      return new String[] {"issuers", "has " + issuers.size() + " entries for " + keySourceURIs.size()
          + " keySourceURIs; give one issuer per key source, in the same order"};
    }
    for (int i = 0; i < issuers.size(); i++) {
      if (issuers.get(i) == null || issuers.get(i).isBlank()) {
        return new String[] {"issuers[" + i + "]", "is empty; name the iss of the tokens keySourceURIs[" + i
            + "] signs"};
      }
      for (int j = 0; j < i; j++) {
        if (keySourceURIs.get(j).strip().equals(keySourceURIs.get(i).strip())
            && !issuers.get(j).equals(issuers.get(i))) {
          return new String[] {"keySourceURIs[" + i + "]", "repeats keySourceURIs[" + j + "] with another issuer; "
              + "one key source signs for one issuer"};
        }
      }
    }
    return null;
  }

  /** Temporal's keys only: no issuer binding. */
  public JwtKeyProvider(List<String> keySourceURIs, Duration refreshInterval) {
    this(keySourceURIs, refreshInterval, null);
  }
}
