package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The codec server the Temporal Web UI and CLI call to decode payloads.
 *
 * @param address {@code host:port} to listen on; {@code null} disables the codec server
 * @param tls the server certificate, in Temporal's {@code ServerTLS} shape
 * @param allowedOrigins CORS origins allowed to call (exact match, e.g. {@code http://localhost:8233})
 * @param allowCredentials whether CORS responses allow credentials
 * @param maxBodyBytes largest request body accepted
 * @param keyringFile the keyring used for namespaces without their own
 * @param namespaceKeyrings a keyring file per namespace
 * @param refreshInterval how often the keyring files and the TLS certificate, key and client CA files are checked
 *     for changes (by content hash) and reloaded;
 *     default 1 minute
 * @param maxInFlightBodyBytes request-body bytes buffered at once over all requests; a request that would go past
 *     it is answered 503; default 64 MiB, at least {@code maxBodyBytes}
 * @param bodyReadTimeout how long an admitted request may take to send its whole body (answered 408 after);
 *     default 30 seconds
 */
public record CodecServer(
    String address,
    ServerTls tls,
    List<String> allowedOrigins,
    boolean allowCredentials,
    Long maxBodyBytes,
    String keyringFile,
    Map<String, String> namespaceKeyrings,
    Duration refreshInterval,
    Long maxInFlightBodyBytes,
    Duration bodyReadTimeout) {
  public static final CodecServer DISABLED = new CodecServer(null, null, null, false, null, null, null);

  public CodecServer {
    tls = tls == null ? ServerTls.EMPTY : tls;
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    maxBodyBytes = maxBodyBytes == null ? 4L * 1024 * 1024 : maxBodyBytes;
    namespaceKeyrings = namespaceKeyrings == null ? Map.of() : Map.copyOf(namespaceKeyrings);
    refreshInterval = refreshInterval == null ? Duration.ofMinutes(1) : refreshInterval;
    maxInFlightBodyBytes = maxInFlightBodyBytes == null ? 64L * 1024 * 1024 : maxInFlightBodyBytes;
    bodyReadTimeout = bodyReadTimeout == null ? Duration.ofSeconds(30) : bodyReadTimeout;
  }

  /** Without the body budget and deadline (their defaults apply). */
  public CodecServer(String address, ServerTls tls, List<String> allowedOrigins, boolean allowCredentials,
      Long maxBodyBytes, String keyringFile, Map<String, String> namespaceKeyrings, Duration refreshInterval) {
    this(address, tls, allowedOrigins, allowCredentials, maxBodyBytes, keyringFile, namespaceKeyrings,
        refreshInterval, null, null);
  }

  /** Without {@code refreshInterval} (the default applies). */
  public CodecServer(String address, ServerTls tls, List<String> allowedOrigins, boolean allowCredentials,
      Long maxBodyBytes, String keyringFile, Map<String, String> namespaceKeyrings) {
    this(address, tls, allowedOrigins, allowCredentials, maxBodyBytes, keyringFile, namespaceKeyrings, null, null,
        null);
  }

  public boolean enabled() {
    return address != null && !address.isBlank();
  }
}
