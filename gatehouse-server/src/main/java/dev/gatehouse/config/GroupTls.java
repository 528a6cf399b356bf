package dev.gatehouse.config;

import java.time.Duration;
import java.util.Map;

/**
 * One TLS group ({@code frontend} or {@code internode}), as in Temporal's {@code GroupTLS}.
 *
 * <p>For {@code frontend}, {@code server} is what Gatehouse presents to callers and {@code hostOverrides}
 * picks another server certificate by SNI. For {@code internode}, {@code server}'s certificate and key are
 * the client certificate Gatehouse presents to the upstream (as Temporal's nodes do) and {@code client}
 * says how the upstream is verified.
 *
 * @param minVersion lowest TLS version accepted: {@code "1.3"} (default) or {@code "1.2"}; {@code "TLSv1.3"} and
 *     {@code "TLSv1.2"} are read as the same. Any other value is kept as written for {@link ConfigValidator} to reject.
 */
public record GroupTls(
    ServerTls server,
    ClientTls client,
    Map<String, ServerTls> hostOverrides,
    Duration refreshInterval,
    ExpirationChecks expirationChecks,
    String minVersion) {
  public static final GroupTls EMPTY = new GroupTls(null, null, null, null, null, null);

  public GroupTls {
    server = server == null ? ServerTls.EMPTY : server;
    client = client == null ? ClientTls.EMPTY : client;
    hostOverrides = hostOverrides == null ? Map.of() : Map.copyOf(hostOverrides);
    minVersion = minVersion == null || minVersion.isBlank() ? "1.3" : normalizeTlsVersion(minVersion.strip());
  }

  private static String normalizeTlsVersion(String v) {
    return v.regionMatches(true, 0, "TLSv", 0, 4) && (v.endsWith("1.2") || v.endsWith("1.3")) && v.length() == 7
        ? v.substring(4)
        : v;
  }
}
