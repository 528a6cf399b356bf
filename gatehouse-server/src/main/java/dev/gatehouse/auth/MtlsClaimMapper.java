package dev.gatehouse.auth;

import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigOrigin;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.PeerCertificate;
import dev.gatehouse.tls.Pem;
import dev.gatehouse.tls.PemException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the verified client certificate to roles with {@code certificateRules}, so mutual TLS alone can authorize.
 * Field matching follows Temporal Cloud's certificate filters (see {@link CertificateRule}); values are compared
 * case-sensitively. The subject is the certificate's subject DN.
 *
 * <p>Each rule is bound to the CAs it trusts (its own {@code clientCaFiles}/{@code clientCaData}, else the
 * frontend's client CAs): it matches only a certificate whose presented chain leads, signature by signature, to one
 * of them. The handshake may have verified the chain against a host override's CA; that alone grants nothing. The
 * walk and the SAN lists are computed once per presented chain and remembered (bounded), so a call costs a lookup.
 */
final class MtlsClaimMapper implements ClaimMapper {
  private static final Logger log = LoggerFactory.getLogger(MtlsClaimMapper.class);
  private static final int MAX_REMEMBERED_CHAINS = 10_000;
  private static final long MAX_CA_BYTES = 4L * 1024 * 1024;

  private final List<Rule> rules;
  // Where each CA set a rule refers to (by index) comes from: the frontend's client CAs, or a rule's own.
  private final List<CaSource> sources;
  private final ConfigOrigin origin;
  private final ScheduledFuture<?> reload;
  private volatile Trust trust;

  /** Where one CA set is read from. */
  private record CaSource(String key, List<String> files, List<String> data) {}

  /** The CA sets as last read, and what was worked out against them per presented chain. */
  private record Trust(List<List<X509Certificate>> sets, Map<List<X509Certificate>, Facts> facts) {}

  /** Without reloading: the CA files are read once. */
  MtlsClaimMapper(List<CertificateRule> config, ConfigOrigin origin, RootTls tls) {
    this(config, origin, tls, null);
  }

  /**
   * @param origin names the file of a bad rule in the error
   * @param scheduler re-reads the CA files every {@code refreshInterval} of {@code tls.frontend}, as the TLS layer
   *     does, so a rotated CA is trusted by the rules when the handshake starts trusting it; {@code null}: never
   */
  MtlsClaimMapper(List<CertificateRule> config, ConfigOrigin origin, RootTls tls, ScheduledExecutorService scheduler) {
    this.origin = origin;
    ServerTls frontend = tls.frontend().server() == null ? ServerTls.EMPTY : tls.frontend().server();
    CaSource frontendSource =
        new CaSource("global.tls.frontend.server", frontend.clientCaFiles(), frontend.clientCaData());
    List<CaSource> sourceList = new ArrayList<>();
    List<Rule> compiled = new ArrayList<>();
    for (int i = 0; i < config.size(); i++) {
      String key = "global.authorization.certificateRules[" + i + "]";
      CertificateRule r = config.get(i);
      CaSource source = r.namesCas() ? new CaSource(key, r.clientCaFiles(), r.clientCaData()) : frontendSource;
      if (!r.namesCas() && !frontend.hasClientCas()) {
        log.warn("{} names no clientCaFiles and global.tls.frontend.server has no client CAs: it matches no "
            + "certificate", key);
      }
      int index = sourceList.indexOf(source);
      if (index < 0) {
        index = sourceList.size();
        sourceList.add(source);
      }
      compiled.add(Rule.compile(r, key, origin, index));
    }
    this.rules = List.copyOf(compiled);
    this.sources = List.copyOf(sourceList);
    this.trust = new Trust(load(), new ConcurrentHashMap<>());
    if (rules.isEmpty()) {
      log.warn("claimMapper mtls without certificateRules: client certificates identify callers but grant no role");
    }
    Duration every = tls.refreshIntervalFor(tls.frontend());
    boolean files = sources.stream().anyMatch(src -> !src.files().isEmpty());
    this.reload = scheduler != null && every != null && files && every.toMillis() > 0
        ? scheduler.scheduleWithFixedDelay(this::reload, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS)
        : null;
  }

  private List<List<X509Certificate>> load() {
    List<List<X509Certificate>> sets = new ArrayList<>();
    for (CaSource src : sources) {
      sets.add(loadCas(src.key(), src.files(), src.data(), origin));
    }
    return List.copyOf(sets);
  }

  /** Re-reads the CA files now (the scheduler's task; tests call it directly). */
  void reload() {
    try {
      List<List<X509Certificate>> sets = load();
      if (!sets.equals(trust.sets())) {
        trust = new Trust(sets, new ConcurrentHashMap<>());
        log.info("certificate rules: client CAs reloaded");
      }
    } catch (RuntimeException e) {
      // The last good CAs stay in force; the message names the key and file, never key material.
      log.warn("certificate rules: client CAs not reloaded, keeping the previous ones: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    if (reload != null) {
      reload.cancel(false);
    }
  }

  @Override
  public Claims getClaims(AuthInfo authInfo) {
    PeerCertificate peer = authInfo.tlsPeer();
    if (peer == null) {
      return Claims.anonymous();
    }
    Facts f = factsOf(peer);
    Permissions.Grants grants = new Permissions.Grants();
    for (Rule rule : rules) {
      if (f.anchoredIn.get(rule.caSet) && rule.matches(peer, f)) {
        grants.system = grants.system.union(rule.system);
        rule.namespaces.forEach(grants::grant);
      }
    }
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put("certificateSha256", peer.sha256Fingerprint());
    if (peer.commonName() != null) {
      ext.put("certificateCommonName", peer.commonName());
    }
    return new Claims(peer.subject(), grants.system, grants.namespaces, "mtls", ext);
  }

  private Facts factsOf(PeerCertificate peer) {
    List<X509Certificate> chain = peer.chain();
    Trust t = trust;
    Map<List<X509Certificate>, Facts> facts = t.facts();
    Facts f = facts.get(chain);
    if (f == null) {
      BitSet anchored = new BitSet(t.sets().size());
      for (int i = 0; i < t.sets().size(); i++) {
        anchored.set(i, leadsTo(chain, t.sets().get(i)));
      }
      f = new Facts(anchored, peer.dnsNames(), peer.uris(), peer.emails(), peer.ipAddresses());
      if (facts.size() >= MAX_REMEMBERED_CHAINS) {
        facts.clear();
      }
      facts.put(chain, f);
    }
    return f;
  }

  /**
   * True when {@code chain}, walked from the leaf through the presented certificates by issuer name and verified
   * signature, reaches a certificate in {@code cas} or one a CA in {@code cas} signed. A certificate merely present
   * in the chain counts only if the walk from the leaf reaches it: an unrelated certificate appended by the client
   * proves nothing about the leaf.
   */
  static boolean leadsTo(List<X509Certificate> chain, List<X509Certificate> cas) {
    if (chain.isEmpty() || cas.isEmpty()) {
      return false;
    }
    X509Certificate current = chain.get(0);
    boolean[] used = new boolean[chain.size()];
    used[0] = true;
    for (int step = 0; step < chain.size(); step++) {
      for (X509Certificate ca : cas) {
        if (current.equals(ca) || signedBy(current, ca)) {
          return true;
        }
      }
      X509Certificate next = null;
      for (int i = 1; i < chain.size() && next == null; i++) {
        if (!used[i] && signedBy(current, chain.get(i))) {
          used[i] = true;
          next = chain.get(i);
        }
      }
      if (next == null) {
        return false;
      }
      current = next;
    }
    return false;
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
    if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    try {
      cert.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static List<X509Certificate> loadCas(String key, List<String> files, List<String> data,
      ConfigOrigin origin) {
    List<X509Certificate> out = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      String k = key + ".clientCaFiles[" + i + "]";
      try {
        Path p = Path.of(files.get(i));
        if (Files.size(p) > MAX_CA_BYTES) {
          throw configError(origin, k, "is larger than " + MAX_CA_BYTES + " bytes");
        }
        out.addAll(parse(Files.readAllBytes(p), k, origin));
      } catch (IOException | InvalidPathException e) {
        throw configError(origin, k, "cannot be read: " + e.getClass().getSimpleName());
      }
    }
    for (int i = 0; i < data.size(); i++) {
      String k = key + ".clientCaData[" + i + "]";
      byte[] pem;
      try {
        pem = Base64.getMimeDecoder().decode(data.get(i).strip());
      } catch (IllegalArgumentException e) {
        throw configError(origin, k, "is not base64-encoded PEM");
      }
      out.addAll(parse(pem, k, origin));
    }
    return List.copyOf(out);
  }

  private static List<X509Certificate> parse(byte[] pem, String key, ConfigOrigin origin) {
    List<X509Certificate> certs;
    try {
      certs = Pem.certificates(pem);
    } catch (PemException e) {
      throw configError(origin, key, "holds no readable PEM certificate");
    }
    if (certs.isEmpty()) {
      throw configError(origin, key, "holds no PEM certificate");
    }
    return certs;
  }

  /** What the rules look at, per presented chain. */
  record Facts(BitSet anchoredIn, List<String> dns, List<String> uris, List<String> emails, List<String> ips) {}

  @Override
  public String toString() {
    return "mtls";
  }

  private static ConfigException configError(ConfigOrigin origin, String key, String problem) {
    return new ConfigException(origin.fileOf(key), key, problem);
  }

  record Rule(CertificateFields.Filter filter, Role system, Map<String, Role> namespaces, int caSet) {
    static Rule compile(CertificateRule r, String key, ConfigOrigin origin, int caSet) {
      CertificateFields.Filter filter = CertificateFields.Filter.compile(r.commonName(), r.organization(),
          r.organizationalUnit(), r.subjectAlternativeName(), key, (k, problem) -> configError(origin, k, problem));
      if (filter.matchesEverything()) {
        throw configError(origin, key, "matches every certificate; give at least one of commonName, "
            + "organization, organizationalUnit, subjectAlternativeName");
      }
      Role system = Role.UNDEFINED;
      if (r.system() != null) {
        system = parseRole(r.system(), key + ".system", origin);
      }
      Map<String, Role> namespaces = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : r.namespaces().entrySet()) {
        String nsKey = key + ".namespaces." + e.getKey();
        if (e.getKey() == null || e.getKey().isEmpty()) {
          throw configError(origin, key + ".namespaces", "has an empty namespace name");
        }
        Role role = parseRole(e.getValue(), nsKey, origin);
        if (e.getKey().equals(Permissions.SYSTEM_NAMESPACE)) {
          system = system.union(role);
        } else {
          namespaces.merge(e.getKey(), role, Role::union);
        }
      }
      if (system.bits() == 0 && namespaces.isEmpty()) {
        throw configError(origin, key, "grants no role; give namespaces or system");
      }
      return new Rule(filter, system, Map.copyOf(namespaces), caSet);
    }

    private static Role parseRole(String word, String key, ConfigOrigin origin) {
      Role role = Role.parse(word == null ? null : word.strip());
      if (role.bits() == 0) {
        throw configError(origin, key, "unknown role '" + word + "'; use read, write, worker or admin");
      }
      return role;
    }

    boolean matches(PeerCertificate peer, Facts facts) {
      return filter.matches(peer, facts.dns(), facts.uris(), facts.emails(), facts.ips());
    }
  }
}
