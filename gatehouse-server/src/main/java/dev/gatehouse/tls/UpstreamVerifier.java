package dev.gatehouse.tls;

import dev.gatehouse.tls.HandshakeFailures.Reason;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the upstream's certificate on the internode client side with the same path validation as client
 * certificates ({@link PathValidator}): its chain (to the configured root CAs, or to the JDK's system roots when none
 * are configured), the serverAuth extended key usage, and unless
 * {@code disableHostVerification} its name: {@code serverName} when set, else the host the channel dials.
 *
 * <p>The name check is done here rather than by the TLS stack because a custom trust manager replaces the
 * JDK's, which is where endpoint identification would otherwise happen.
 */
final class UpstreamVerifier extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(UpstreamVerifier.class);

  private final Supplier<TrustedCas> rootCas;
  private final boolean systemRoots;
  private final String serverName;
  private final boolean verifyHost;
  private final HandshakeFailures failures;
  private final Clock clock;
  private final String serverNameKey;

  /**
   * @param rootCas the configured roots, or the JDK's system roots
   * @param systemRoots true when {@code rootCas} are the system roots (for messages)
   * @param serverNameKey the config key to name in a mismatch message
   */
  UpstreamVerifier(Supplier<TrustedCas> rootCas, boolean systemRoots, String serverName,
      boolean verifyHost, HandshakeFailures failures, Clock clock, String serverNameKey) {
    this.rootCas = rootCas;
    this.systemRoots = systemRoots;
    this.serverName = serverName;
    this.verifyHost = verifyHost;
    this.failures = failures;
    this.clock = clock;
    this.serverNameKey = serverNameKey;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, authType, engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    String host = socket instanceof SSLSocket s && s.getHandshakeSession() != null
        ? s.getHandshakeSession().getPeerHost() : null;
    verify(chain, authType, host);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain, authType, null);
  }

  private void verify(X509Certificate[] chain, String authType, String dialedHost) throws CertificateException {
    CertificateChecks.Rejection rejection = check(chain, authType, dialedHost);
    if (rejection != null) {
      failures.count(rejection.reason());
      // Reconnects back off, so this cannot flood; and it is where an operator looks first.
      log.error("internode TLS handshake with the upstream refused ({}): {}", rejection.reason().tag(),
          rejection.message());
      throw rejection.reason().exception(rejection.message());
    }
  }

  private CertificateChecks.Rejection check(X509Certificate[] chain, String authType, String dialedHost) {
    CertificateChecks.Rejection r = CertificateChecks.verify(
        chain, rootCas.get(), clock.instant(), CertificateChecks.SERVER_AUTH, "upstream");
    if (r != null) {
      return systemRoots ? new CertificateChecks.Rejection(r.reason(), r.message()
          + " (not trusted by the system roots; set rootCaFiles)") : r;
    }
    if (!verifyHost) {
      return null;
    }
    String expected = serverName != null ? serverName : dialedHost;
    if (expected == null || expected.isBlank()) {
      return new CertificateChecks.Rejection(Reason.HOST_MISMATCH,
          "no server name to verify the upstream certificate against (set " + serverNameKey + ")");
    }
    if (!CertificateChecks.matchesServerName(chain[0], expected)) {
      return new CertificateChecks.Rejection(Reason.HOST_MISMATCH, "upstream certificate "
          + CertificateChecks.subject(chain[0]) + " does not match the expected server name \"" + expected
          + "\"; it holds " + CertificateChecks.serverNames(chain[0]) + " (set " + serverNameKey
          + " to one of them, or reissue the certificate; subject CN is not used)");
    }
    return null;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("this trust manager verifies the upstream server only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("this trust manager verifies the upstream server only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("this trust manager verifies the upstream server only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return rootCas.get().certificates().toArray(X509Certificate[]::new);
  }
}
