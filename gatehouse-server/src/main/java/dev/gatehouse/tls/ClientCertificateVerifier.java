package dev.gatehouse.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies client certificates during the handshake against the CAs configured for the SNI host name the
 * client asked for, with Go crypto/x509's rules ({@link PathValidator}): a path to one of them, validity, constraints
 * and the clientAuth extended key usage. A refusal fails the handshake with bad_certificate (certificate_expired for
 * an expired certificate) and is counted.
 *
 * <p>{@link #getAcceptedIssuers()} is empty on purpose. OpenSSL reads it once when the context is built, so
 * a CA list sent to clients would go stale after a reload (and cannot follow SNI); and clients that filter
 * their certificates by that list would then withhold a valid new certificate. With no list, clients send
 * their certificate and this class decides.
 */
final class ClientCertificateVerifier extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(ClientCertificateVerifier.class);
  private static final X509Certificate[] NONE = new X509Certificate[0];

  private final Function<String, TrustedCas> casForServerName;
  private final HandshakeFailures failures;
  private final Clock clock;
  private final String group;

  ClientCertificateVerifier(
      String group, Function<String, TrustedCas> casForServerName, HandshakeFailures failures, Clock clock) {
    this.group = group;
    this.casForServerName = casForServerName;
    this.failures = failures;
    this.clock = clock;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, ServerNames.requested(engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain, ServerNames.requested(socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain, null);
  }

  private void verify(X509Certificate[] chain, String serverName) throws CertificateException {
    CertificateChecks.Rejection rejection = CertificateChecks.verify(
        chain, casForServerName.apply(serverName), clock.instant(), CertificateChecks.CLIENT_AUTH, "client");
    if (rejection != null) {
      failures.count(rejection.reason());
      log.debug("{} TLS handshake refused ({}): {}", group, rejection.reason().tag(), rejection.message());
      throw rejection.reason().exception(rejection.message());
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("this trust manager verifies clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("this trust manager verifies clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("this trust manager verifies clients only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NONE;
  }
}
