package dev.gatehouse.tls;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * TLS for the data plane's listener, from Temporal's {@code global.tls.frontend}: the server certificate
 * (by SNI from {@code hostOverrides}), client certificate verification, TLS 1.3 only unless
 * {@code minVersion: "1.2"}, reload on {@code refreshInterval} and expiration checks.
 *
 * <p>{@link #serverContext()} is built once over a key manager and a trust manager that read the current
 * version of the material, so a reload never rebuilds the server: new handshakes use the new certificate,
 * established connections keep theirs (unless the new client CAs refuse them, below). A reload that finds broken
 * material (a certificate replaced before its key) logs an error naming the file and key and keeps serving the
 * previous version.
 *
 * <p>Client certificates are verified during the handshake with Go crypto/x509's rules ({@link PathValidator}); a
 * reload that changes the client CAs closes, after their calls in flight, the connections {@link #track tracked}
 * whose certificate the new CAs refuse. Refusals are counted in
 * {@code gatehouse.tls.handshake.failures} (tags group, reason). Failures the TLS engine decides on its own
 * (no certificate under {@code requireClientAuth}, no common protocol version) do not reach gRPC's public
 * API and are not counted.
 *
 * <p>{@code requireClientAuth} and the presence of client CAs must agree between {@code server} and every
 * {@code hostOverrides} entry: the engine decides whether to ask for a client certificate before it has read
 * the SNI name.
 */
public final class FrontendTls implements AutoCloseable {
  static final String GROUP = "frontend";
  private static final String PREFIX = "global.tls.frontend";

  private final SslContext context;
  private final Reloadable<ServerMaterial> defaults;
  private final Map<String, Reloadable<ServerMaterial>> overrides;
  private final ReloadingKeyManager keyManager;
  private final TlsSchedule schedule;
  private final Clock clock;
  private final LiveConnections connections = new LiveConnections(GROUP);
  private long generation;
  // The store's namespace CAs, or null without a store; swapped whole by trustNamespaces.
  private volatile NamespaceTrust namespaces;
  private volatile MergedCas merged;

  /** The static client CAs of each server-name entry joined with one version of the namespace CAs. */
  private record MergedCas(ServerSnapshot snapshot, NamespaceTrust trust, Map<String, TrustedCas> byAlias) {}

  /**
   * Reads and checks the frontend material and starts reload and expiration checks on {@code scheduler}.
   *
   * @param fileOfKey the config file that set a dotted key, or {@code null}; names the file in errors
   * @throws ConfigException when the material is unusable: a file missing or unparsable, a key that does
   *     not match its certificate, a CA file without CA certificates, an unknown {@code minVersion}
   */
  public FrontendTls(RootTls tls, Function<String, String> fileOfKey, MeterRegistry registry,
      ScheduledExecutorService scheduler) {
    this(tls, fileOfKey, registry, scheduler, TlsEngine.BORINGSSL);
  }

  /** As above, on the TLS engine {@code engine} ({@code listen.tlsEngine}). */
  public FrontendTls(RootTls tls, Function<String, String> fileOfKey, MeterRegistry registry,
      ScheduledExecutorService scheduler, TlsEngine engine) {
    this(tls, fileOfKey, registry, scheduler, Clock.systemUTC(), engine.provider(), null);
  }

  /**
   * As above, also trusting the store's namespace CAs ({@code namespaces}, then what {@link #trustNamespaces}
   * publishes): the listener then asks every client for a certificate without requiring one (API-key callers send
   * none), and verifies it against the listener's own CAs joined with every namespace's, or on a namespace endpoint
   * against that namespace's alone.
   *
   * @param namespaces the namespace CAs in force at start; {@code null} without a store
   */
  public FrontendTls(RootTls tls, Function<String, String> fileOfKey, MeterRegistry registry,
      ScheduledExecutorService scheduler, TlsEngine engine, NamespaceTrust namespaces) {
    this(tls, fileOfKey, registry, scheduler, Clock.systemUTC(), engine.provider(), namespaces);
  }

  FrontendTls(RootTls tls, Function<String, String> fileOfKey, MeterRegistry registry,
      ScheduledExecutorService scheduler, Clock clock, SslProvider provider) {
    this(tls, fileOfKey, registry, scheduler, clock, provider, null);
  }

  FrontendTls(RootTls tls, Function<String, String> fileOfKey, MeterRegistry registry,
      ScheduledExecutorService scheduler, Clock clock, SslProvider provider, NamespaceTrust namespaces) {
    this.clock = clock;
    this.namespaces = namespaces;
    ConfigProblems problems = new ConfigProblems(fileOfKey);
    GroupTls group = tls.frontend();
    List<String> protocols = TlsVersions.protocols(group.minVersion(), PREFIX + ".minVersion", problems);
    ServerTls server = group.server();
    if (!server.hasCertificate() && !ServerMaterial.hasKey(server)) {
      if (server.hasClientCas() || server.requireClientAuth()) {
        throw problems.at(PREFIX + ".server.certFile",
            "client certificate checks need TLS: set certFile and keyFile (or certData and keyData)");
      }
      if (!group.hostOverrides().isEmpty()) {
        throw problems.at(PREFIX + ".hostOverrides",
            "hostOverrides need a default certificate in " + PREFIX + ".server (set certFile and keyFile)");
      }
      this.context = null;
      this.defaults = null;
      this.overrides = Map.of();
      this.keyManager = null;
      this.schedule = null;
      return;
    }
    ClientAuth clientAuth = ServerMaterial.clientAuth(server);
    this.defaults = ServerMaterial.load(server, PREFIX + ".server", problems);
    Map<String, Reloadable<ServerMaterial>> byHost = new LinkedHashMap<>();
    Set<String> hosts = new HashSet<>();
    for (Map.Entry<String, ServerTls> e : new TreeMap<>(group.hostOverrides()).entrySet()) {
      String prefix = PREFIX + ".hostOverrides." + e.getKey();
      if (e.getKey().isBlank() || !hosts.add(e.getKey().toLowerCase(Locale.ROOT))) {
        throw problems.at(prefix, "host names must be non-empty and differ in more than letter case"
            + " (SNI names are matched case-insensitively)");
      }
      if (ServerMaterial.clientAuth(e.getValue()) != clientAuth) {
        throw problems.at(prefix + ".requireClientAuth", "client authentication ("
            + ServerMaterial.clientAuth(e.getValue()) + ") differs from " + PREFIX + ".server (" + clientAuth
            + "); give every host the same requireClientAuth and, if one has client CAs, give all client CAs"
            + " (TLS asks for a client certificate before it reads the SNI name)");
      }
      byHost.put(e.getKey(), ServerMaterial.load(e.getValue(), prefix, problems));
    }
    this.overrides = Map.copyOf(byHost);
    this.keyManager = new ReloadingKeyManager(snapshot());
    if (namespaces != null && clientAuth == ClientAuth.NONE) {
      // Namespace CAs come and go at run time; the engine decides whether to ask for a certificate at build time.
      clientAuth = ClientAuth.OPTIONAL;
    }

    HandshakeFailures failures = new HandshakeFailures(registry, GROUP);
    SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager), provider)
        .protocols(protocols)
        .clientAuth(clientAuth);
    if (clientAuth != ClientAuth.NONE) {
      builder.trustManager(new ClientCertificateVerifier(GROUP,
          serverName -> clientCasFor(keyManager.current(), serverName), failures, clock));
    }
    try {
      this.context = SessionResumption.disable(builder.build());
    } catch (SSLException e) {
      throw new ConfigException(problems.sourceOf(PREFIX + ".server"), PREFIX + ".server",
          "the TLS engine refused the material: " + e.getMessage(), e);
    }
    ExpiryMonitor expiry = new ExpiryMonitor(GROUP, tls.expirationChecksFor(group), registry, clock);
    expiry.track(tracked());
    this.schedule = new TlsSchedule(scheduler, tls.refreshIntervalFor(group), tls.expirationChecksFor(group),
        this::reloadNow, expiry);
  }

  /** True when {@code global.tls.frontend.server} has a certificate; otherwise the listener is plain text. */
  public boolean enabled() {
    return context != null;
  }

  /**
   * The server context for {@code NettyServerBuilder.sslContext(..)}, ALPN h2, built once for the life of
   * this object.
   *
   * @throws IllegalStateException when TLS is not {@link #enabled()}
   */
  public SslContext serverContext() {
    if (context == null) {
      throw new IllegalStateException(PREFIX + ".server has no certificate: the frontend is plain text");
    }
    return context;
  }

  /**
   * The verified client certificate of an established connection, or {@code null} when the client sent
   * none (possible only when {@code requireClientAuth} is off). Cheap enough for once per connection, e.g.
   * from a gRPC {@code ServerTransportFilter} reading {@code Grpc.TRANSPORT_ATTR_SSL_SESSION}.
   *
   * <p>The certificate was verified by this class during the handshake; this method only parses it, with the chain
   * the client presented (leaf first).
   */
  public static PeerCertificate peerOf(SSLSession session) {
    if (session == null) {
      return null;
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
      return null;
    }
    List<X509Certificate> presented = new ArrayList<>(chain.length);
    for (Certificate c : chain) {
      if (!(c instanceof X509Certificate x509)) {
        break;
      }
      presented.add(x509);
    }
    return PeerCertificate.of(presented);
  }

  /**
   * The SNI host name the client of an established connection asked for, lower case, or {@code null} when it sent
   * none. Once per connection, as {@link #peerOf}.
   */
  public static String serverNameOf(SSLSession session) {
    try {
      return session == null ? null : ServerNames.requested(session);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Registers an accepted connection of the listener (call it for each one, e.g. from a handler on the server
   * channel), so that a reload of the client CAs closes it gracefully when its client certificate no longer
   * validates: grpc-java answers a close with GOAWAY and lets the calls in flight finish first.
   */
  public void track(Channel connection) {
    connections.add(connection);
  }

  /**
   * Publishes a new version of the store's namespace CAs: new handshakes use it at once, and the tracked connections
   * whose certificate it no longer accepts are closed after their calls in flight (the per-call check refuses their
   * next call anyway). Ignored by a listener built without namespace CAs or without TLS.
   */
  public void trustNamespaces(NamespaceTrust next) {
    if (context == null || namespaces == null || next == null) {
      return;
    }
    NamespaceTrust previous = namespaces;
    namespaces = next;
    if (!previous.union().equals(next.union()) || !previous.endpoints().equals(next.endpoints())
        || !java.util.Objects.equals(previous.domain(), next.domain())) {
      revalidateConnections();
    }
  }

  /**
   * The CAs a client certificate must chain to on a connection made to {@code serverName}: a namespace endpoint's
   * own bundle, else the server-name entry's static CAs joined with every namespace's.
   */
  private TrustedCas clientCasFor(ServerSnapshot snapshot, String serverName) {
    NamespaceTrust trust = namespaces;
    ServerSnapshot.Entry entry = snapshot.forServerName(serverName);
    if (trust == null) {
      return entry.clientCas();
    }
    String namespace = trust.endpointNamespace(serverName);
    if (namespace != null) {
      CaBundle own = trust.endpoints().get(namespace);
      return own == null ? TrustedCas.NONE : own.trusted();
    }
    if (trust.union().isEmpty()) {
      return entry.clientCas();
    }
    MergedCas m = merged;
    if (m == null || m.snapshot() != snapshot || m.trust() != trust) {
      m = new MergedCas(snapshot, trust, new java.util.concurrent.ConcurrentHashMap<>());
      merged = m;
    }
    return m.byAlias().computeIfAbsent(entry.alias(), alias -> {
      java.util.LinkedHashSet<X509Certificate> all = new java.util.LinkedHashSet<>(entry.clientCas().certificates());
      all.addAll(trust.union().certificates());
      return TrustedCas.of(new ArrayList<>(all));
    });
  }

  /** Reads the files again now and swaps in what changed; the timer calls this every refreshInterval. */
  synchronized void reloadNow() {
    if (context == null) {
      return;
    }
    boolean changed = defaults.refresh();
    for (Reloadable<ServerMaterial> r : overrides.values()) {
      changed |= r.refresh();
    }
    if (changed) {
      keyManager.publish(snapshot());
      revalidateConnections();
      schedule.expiry().track(tracked());
      schedule.expiry().check();
    }
  }

  int liveConnections() {
    return connections.size();
  }

  /** Closes, after their calls in flight, the tracked connections whose chain the current CAs refuse. */
  int revalidateConnections() {
    ServerSnapshot snapshot = keyManager.current();
    return connections.revalidate((chain, serverName) -> {
      TrustedCas cas = clientCasFor(snapshot, serverName);
      return CertificateChecks.verify(chain, cas, clock.instant(), CertificateChecks.CLIENT_AUTH, "client");
    });
  }

  /** Runs the expiration checks now. */
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
    Map<String, ServerMaterial> byHost = new LinkedHashMap<>();
    overrides.forEach((host, r) -> byHost.put(host, r.current()));
    return ServerSnapshot.of(++generation, defaults.current(), byHost);
  }

  private List<ExpiryMonitor.Tracked> tracked() {
    List<ExpiryMonitor.Tracked> all = new ArrayList<>();
    List<ServerMaterial> materials = new ArrayList<>();
    materials.add(defaults.current());
    overrides.values().forEach(r -> materials.add(r.current()));
    for (ServerMaterial m : materials) {
      List<X509Certificate> chain = m.certifiedKey().chain();
      all.add(new ExpiryMonitor.Tracked("server", chain.get(0)));
      for (X509Certificate intermediate : chain.subList(1, chain.size())) {
        all.add(new ExpiryMonitor.Tracked("intermediate", intermediate));
      }
      for (X509Certificate ca : m.clientCas().certificates()) {
        all.add(new ExpiryMonitor.Tracked("ca", ca));
      }
    }
    return all;
  }
}
