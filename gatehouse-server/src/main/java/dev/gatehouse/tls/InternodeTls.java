package dev.gatehouse.tls;

import dev.gatehouse.config.ClientTls;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for the channel to the upstream Temporal frontend, from Temporal's {@code global.tls.internode}.
 *
 * <ul>
 *   <li>Client certificate: {@code internode.server}'s certFile/keyFile (or certData/keyData), as Temporal's
 *       own nodes present their server certificate when they dial each other; reloaded on refreshInterval.
 *   <li>Upstream verification: a path to {@code internode.client}'s rootCaFiles/rootCaData (reloaded too), or
 *       to the JDK's system roots when none are configured; the serverAuth extended key usage; and the name:
 *       {@code serverName} when set, else the host the channel dials. Names are matched against the DNS and IP
 *       subject alternative names only (as Go does), never the subject CN. {@code disableHostVerification}
 *       skips the name check only; the chain is still verified.
 *   <li>TLS is {@link #enabled()} when any of a certificate, root CAs, {@code serverName} or {@code forceTLS}
 *       is set, as in Temporal.
 * </ul>
 *
 * <p>Wiring: {@code NettyChannelBuilder.forTarget(address).sslContext(internode.clientContext())}, plus
 * {@code .overrideAuthority(name)} for {@link #authorityOverride()} so SNI and the name check use it.
 *
 * <p>Surfacing failures: a refused upstream certificate fails the handshake, and calls on the channel fail
 * {@code UNAVAILABLE} with the refusal in the status's cause chain. The reason is logged here at ERROR and
 * counted ({@code gatehouse.tls.handshake.failures}, group {@code internode}); to put it in the proxy's own
 * log line, pass the status's cause to {@link #handshakeFailure(Throwable)}. Do not send it to callers: it
 * describes the upstream.
 */
public final class InternodeTls implements AutoCloseable {
  static final String GROUP = "internode";
  private static final String PREFIX = "global.tls.internode";
  private static final Logger log = LoggerFactory.getLogger(InternodeTls.class);

  private final boolean enabled;
  private final String serverName;
  private final SslContext context;
  private final Reloadable<CertifiedKey> clientCertificate;
  private final Reloadable<TrustedCas> rootCas;
  private final ReloadingKeyManager keyManager;
  private final TlsSchedule schedule;
  private long generation;

  /**
   * Reads and checks the internode material and starts reload and expiration checks on {@code scheduler}.
   *
   * @param fileOfKey the config file that set a dotted key, or {@code null}; names the file in errors
   * @throws ConfigException when the material is unusable (see {@link FrontendTls})
   */
  public InternodeTls(RootTls tls, Function<String, String> fileOfKey, MeterRegistry registry,
      ScheduledExecutorService scheduler) {
    this(tls, fileOfKey, registry, scheduler, Clock.systemUTC(), SslProviders.preferred());
  }

  InternodeTls(RootTls tls, Function<String, String> fileOfKey, MeterRegistry registry,
      ScheduledExecutorService scheduler, Clock clock, SslProvider provider) {
    ConfigProblems problems = new ConfigProblems(fileOfKey);
    GroupTls group = tls.internode();
    ServerTls server = group.server();
    ClientTls client = group.client();
    List<String> protocols = TlsVersions.protocols(group.minVersion(), PREFIX + ".minVersion", problems);
    this.serverName = client.serverName() == null || client.serverName().isBlank() ? null : client.serverName().strip();
    boolean hasCertificate = server.hasCertificate() || ServerMaterial.hasKey(server);
    this.enabled = hasCertificate || client.hasRootCas() || serverName != null || client.forceTLS();
    if (!enabled) {
      this.context = null;
      this.clientCertificate = null;
      this.rootCas = null;
      this.keyManager = null;
      this.schedule = null;
      return;
    }
    if (server.hasClientCas() || server.requireClientAuth()) {
      log.warn("{}.server clientCaFiles/clientCaData/requireClientAuth are ignored: Gatehouse accepts no"
          + " internode connections, it only dials the upstream", PREFIX);
    }
    if (!group.hostOverrides().isEmpty()) {
      log.warn("{}.hostOverrides are ignored: they only apply to a listening server", PREFIX);
    }
    this.clientCertificate = hasCertificate
        ? ServerMaterial.loadCertifiedKey(server, PREFIX + ".server", problems) : null;
    this.rootCas = client.hasRootCas()
        ? ServerMaterial.loadCas(PREFIX + ".client", "rootCa", client.rootCaFiles(), client.rootCaData(), problems)
        : null;
    this.keyManager = new ReloadingKeyManager(snapshot());

    HandshakeFailures failures = new HandshakeFailures(registry, GROUP);
    TrustedCas system = rootCas == null ? TrustedCas.of(List.of(systemRoots().getAcceptedIssuers())) : null;
    UpstreamVerifier verifier = new UpstreamVerifier(
        rootCas == null ? () -> system : rootCas::current,
        rootCas == null,
        serverName,
        !client.disableHostVerification(),
        failures,
        clock,
        PREFIX + ".client.serverName");
    SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider)
        .protocols(protocols)
        .trustManager(verifier);
    if (clientCertificate != null) {
      builder.keyManager(keyManager);
    }
    try {
      this.context = SessionResumption.disableForClient(builder.build());
    } catch (SSLException e) {
      throw new ConfigException(problems.sourceOf(PREFIX), PREFIX,
          "the TLS engine refused the material: " + e.getMessage(), e);
    }
    ExpiryMonitor expiry = new ExpiryMonitor(GROUP, tls.expirationChecksFor(group), registry, clock);
    expiry.track(tracked());
    this.schedule = new TlsSchedule(scheduler, tls.refreshIntervalFor(group), tls.expirationChecksFor(group),
        this::reloadNow, expiry);
  }

  /** True when the upstream is dialed with TLS: a certificate, root CAs, serverName or forceTLS is set. */
  public boolean enabled() {
    return enabled;
  }

  /**
   * The client context for {@code NettyChannelBuilder.sslContext(..)}, built once for the life of this object.
   *
   * @throws IllegalStateException when TLS is not {@link #enabled()}
   */
  public SslContext clientContext() {
    if (context == null) {
      throw new IllegalStateException(PREFIX + " configures no TLS: the upstream is dialed in plain text");
    }
    return context;
  }

  /**
   * {@code internode.client.serverName}, for {@code NettyChannelBuilder.overrideAuthority(..)}: the channel
   * then sends it as SNI and verifies the upstream certificate against it whatever address it dials.
   */
  public Optional<String> authorityOverride() {
    return Optional.ofNullable(serverName);
  }

  /**
   * The reason a TLS handshake failed, found in a failed call's cause chain (e.g. a
   * {@code StatusRuntimeException}'s cause): the certificate refusal (it names the expected server name on
   * a mismatch), else the TLS engine's message; empty when the chain holds no TLS failure.
   */
  public static Optional<String> handshakeFailure(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    String tlsMessage = null;
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      if (t instanceof CertificateException && t.getMessage() != null) {
        return Optional.of(t.getMessage());
      }
      if (tlsMessage == null && t instanceof SSLException && t.getMessage() != null) {
        tlsMessage = t.getMessage();
      }
    }
    return Optional.ofNullable(tlsMessage);
  }

  /** Reads the files again now and swaps in what changed; the timer calls this every refreshInterval. */
  synchronized void reloadNow() {
    if (context == null) {
      return;
    }
    boolean changed = clientCertificate != null && clientCertificate.refresh();
    changed |= rootCas != null && rootCas.refresh();
    if (changed) {
      keyManager.publish(snapshot());
      SessionResumption.forget(context);
      schedule.expiry().track(tracked());
      schedule.expiry().check();
    }
  }

  List<ExpiryMonitor.Finding> checkExpirations() {
    return schedule == null ? List.of() : schedule.expiry().check();
  }

  /** Stops reloads and expiration checks and removes this group's certificate gauges. */
  @Override
  public void close() {
    if (schedule != null) {
      schedule.close();
    }
  }

  private ServerSnapshot snapshot() {
    return ServerSnapshot.ofClient(++generation, clientCertificate == null ? null : clientCertificate.current());
  }

  private List<ExpiryMonitor.Tracked> tracked() {
    List<ExpiryMonitor.Tracked> all = new ArrayList<>();
    if (clientCertificate != null) {
      List<X509Certificate> chain = clientCertificate.current().chain();
      all.add(new ExpiryMonitor.Tracked("client", chain.get(0)));
      for (X509Certificate intermediate : chain.subList(1, chain.size())) {
        all.add(new ExpiryMonitor.Tracked("intermediate", intermediate));
      }
    }
    if (rootCas != null) {
      for (X509Certificate ca : rootCas.current().certificates()) {
        all.add(new ExpiryMonitor.Tracked("ca", ca));
      }
    }
    return all;
  }

  private static X509TrustManager systemRoots() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      for (TrustManager tm : factory.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return x;
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's system trust store cannot be loaded", e);
    }
    throw new IllegalStateException("the JDK offers no X.509 trust manager");
  }
}
