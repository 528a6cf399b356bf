package dev.gatehouse.tls;

import dev.gatehouse.config.ServerTls;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;

/**
 * A JDK {@link SSLContext} from a {@link ServerTls} block, for HTTPS servers that take one (the HTTP faces' Jetty
 * listener, {@link HttpsListener}): the same certificate checks as {@link FrontendTls} (client certificates verified against the
 * block's client CAs, validity, clientAuth extended key usage), with the JDK's TLS engine.
 *
 * <p>An {@link SSLContext} does not carry protocol versions, the client-auth mode, or a way to refuse
 * session resumption (a resumed session skips certificate verification). {@link #serverParameters()} holds
 * all three: set it on every engine or server socket, e.g. with Jetty
 * <pre>{@code
 * SslContextFactory.Server factory = new SslContextFactory.Server() {
 *   @Override public SSLParameters customize(SSLParameters ignored) { return tls.serverParameters(); }
 * };
 * factory.setSslContext(tls.sslContext());
 * }</pre>
 * The material is re-read when the owner calls {@link #reloadIfChanged()} ({@link HttpsListener} does on its
 * face's refresh interval); new handshakes then use the new certificate and client CAs, and the owner closes the
 * live connections whose client certificate the new CAs refuse ({@link #refusal}).
 */
public final class JdkServerTls {
  private final SSLContext sslContext;
  private final List<String> protocols;
  private final ClientAuth clientAuth;
  private final Reloadable<ServerMaterial> material;
  private final ReloadingKeyManager keyManager;
  private final Clock clock;
  private long generation = 1;

  private JdkServerTls(SSLContext sslContext, List<String> protocols, ClientAuth clientAuth,
      Reloadable<ServerMaterial> material, ReloadingKeyManager keyManager, Clock clock) {
    this.clock = clock;
    this.sslContext = sslContext;
    this.protocols = protocols;
    this.clientAuth = clientAuth;
    this.material = material;
    this.keyManager = keyManager;
  }

  /**
   * Reads and checks {@code tls}.
   *
   * @param minVersion {@code "1.3"} (also when {@code null}) or {@code "1.2"}
   * @param keyPrefix the dotted key of {@code tls}, e.g. {@code codecServer.tls}, for error messages
   * @param fileOfKey the config file that set a dotted key, or {@code null}
   * @param registry where refused client certificates are counted (group {@code codec}), or {@code null}
   * @throws dev.gatehouse.config.ConfigException when the material is unusable
   */
  public static JdkServerTls create(ServerTls tls, String minVersion, String keyPrefix,
      Function<String, String> fileOfKey, MeterRegistry registry) {
    return create(tls, minVersion, keyPrefix, fileOfKey, registry, Clock.systemUTC());
  }

  static JdkServerTls create(ServerTls tls, String minVersion, String keyPrefix,
      Function<String, String> fileOfKey, MeterRegistry registry, Clock clock) {
    ConfigProblems problems = new ConfigProblems(fileOfKey);
    List<String> protocols = TlsVersions.protocols(minVersion, keyPrefix + ".minVersion", problems);
    Reloadable<ServerMaterial> material = ServerMaterial.load(tls, keyPrefix, problems);
    ReloadingKeyManager keyManager = new ReloadingKeyManager(ServerSnapshot.of(1, material.current(), Map.of()));
    ClientCertificateVerifier verifier = new ClientCertificateVerifier("codec",
        serverName -> keyManager.current().forServerName(serverName).clientCas(),
        new HandshakeFailures(registry, "codec"), clock);
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager}, new TrustManager[] {verifier}, null);
      return new JdkServerTls(context, protocols, ServerMaterial.clientAuth(tls), material, keyManager, clock);
    } catch (GeneralSecurityException e) {
      throw problems.at(keyPrefix, "the JDK's TLS engine refused the material: " + e.getClass().getSimpleName());
    }
  }

  public SSLContext sslContext() {
    return sslContext;
  }

  /**
   * Re-reads the certificate, key and client CA files; when their content changed and still forms valid material,
   * new handshakes use it. A broken file (e.g. mid-rotation) keeps the current material and is logged.
   *
   * @return true when new material was put in use
   */
  public synchronized boolean reloadIfChanged() {
    if (!material.refresh()) {
      return false;
    }
    keyManager.publish(ServerSnapshot.of(++generation, material.current(), Map.of()));
    return true;
  }

  /**
   * Why the current material (after a reload of the client CAs) refuses the client certificate of an established
   * session, or {@code null} when it still validates or the client sent none. {@link HttpsListener} closes such
   * connections once their request in flight is answered.
   */
  public String refusal(SSLSession session) {
    X509Certificate[] chain;
    try {
      Certificate[] peer = session.getPeerCertificates();
      chain = new X509Certificate[peer.length];
      for (int i = 0; i < peer.length; i++) {
        chain[i] = (X509Certificate) peer[i];
      }
    } catch (SSLPeerUnverifiedException | ClassCastException e) {
      return null;
    }
    if (chain.length == 0) {
      return null;
    }
    TrustedCas cas = keyManager.current().forServerName(ServerNames.requested(session)).clientCas();
    CertificateChecks.Rejection r = CertificateChecks.verify(chain, cas, clock.instant(), CertificateChecks.CLIENT_AUTH,
        "client");
    return r == null ? null : r.message();
  }

  /**
   * Fresh parameters for one engine or server socket: {@link #protocols()}, the client-auth mode, and an
   * endpoint identification value unique to this call, which keeps the JDK from resuming a session made on
   * another connection (it only rejoins sessions whose value matches).
   */
  public SSLParameters serverParameters() {
    SSLParameters parameters = new SSLParameters();
    parameters.setProtocols(protocols.toArray(String[]::new));
    if (clientAuth == ClientAuth.REQUIRE) {
      parameters.setNeedClientAuth(true);
    } else if (clientAuth == ClientAuth.OPTIONAL) {
      parameters.setWantClientAuth(true);
    }
    parameters.setEndpointIdentificationAlgorithm(SessionResumption.uniqueIdentity());
    return parameters;
  }

  /** The protocol versions to enable: {@code TLSv1.3}, plus {@code TLSv1.2} with minVersion 1.2. */
  public List<String> protocols() {
    return protocols;
  }

  /** True with {@code requireClientAuth}: a client without a valid certificate fails the handshake. */
  public boolean needClientAuth() {
    return clientAuth == ClientAuth.REQUIRE;
  }

  /** True when client CAs are set without {@code requireClientAuth}: a certificate is asked for, not required. */
  public boolean wantClientAuth() {
    return clientAuth == ClientAuth.OPTIONAL;
  }
}
