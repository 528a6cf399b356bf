package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * Temporal's HTTP API ({@code /api/v1/...}, from the {@code google.api.http} annotations) served through the same
 * pipeline as gRPC.
 *
 * @param address {@code host:port} to listen on; {@code null} disables the HTTP API
 * @param tls the server certificate and client CAs, in Temporal's {@code ServerTLS} shape; when it has no
 *     certificate, the frontend's ({@code global.tls.frontend.server}) is used, client CAs and
 *     {@code requireClientAuth} included
 * @param allowedOrigins CORS origins allowed to call from a browser (exact match, e.g. {@code https://ops.example.com})
 * @param allowCredentials whether CORS responses allow credentials (cookies, client certificates)
 * @param maxBodyBytes largest request body accepted (answered 413 beyond); default 4 MiB, Temporal's
 *     {@code MaxHTTPAPIRequestBytes}
 * @param maxInFlightBodyBytes request-body bytes buffered at once over all requests (answered 503 beyond); default
 *     64 MiB, at least {@code maxBodyBytes}
 * @param bodyReadTimeout how long an admitted request may take to send its body (answered 408 after); default 30 s
 * @param namespaceDomain when set, {@code <namespace>.<namespaceDomain>} is a per-namespace HTTPS endpoint whose
 *     calls may only act on that namespace, {@code <namespaceDomain>} itself the endpoint for every namespace, and
 *     any other {@code Host} is refused; {@code null} serves any host name
 */
public record HttpApi(
    String address,
    ServerTls tls,
    List<String> allowedOrigins,
    boolean allowCredentials,
    Long maxBodyBytes,
    Long maxInFlightBodyBytes,
    Duration bodyReadTimeout,
    String namespaceDomain) {
  public static final HttpApi DISABLED = new HttpApi(null);

  public HttpApi {
    tls = tls == null ? ServerTls.EMPTY : tls;
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    maxBodyBytes = maxBodyBytes == null ? 4L * 1024 * 1024 : maxBodyBytes;
    maxInFlightBodyBytes = maxInFlightBodyBytes == null ? 64L * 1024 * 1024 : maxInFlightBodyBytes;
    bodyReadTimeout = bodyReadTimeout == null ? Duration.ofSeconds(30) : bodyReadTimeout;
    namespaceDomain = namespaceDomain == null || namespaceDomain.isBlank() ? null : namespaceDomain.strip();
  }

  /** Listening on {@code address} with every other setting at its default (the frontend's TLS material). */
  public HttpApi(String address) {
    this(address, null, null, false, null, null, null, null);
  }

  public boolean enabled() {
    return address != null && !address.isBlank();
  }
}
