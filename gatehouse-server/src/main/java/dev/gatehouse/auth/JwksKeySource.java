package dev.gatehouse.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigOrigin;
import dev.gatehouse.config.JwtKeyProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JWT verification keys from {@code jwtKeyProvider.keySourceURIs} ({@code https:}, {@code http:}, {@code file:}),
 * reloaded every {@code refreshInterval} in the background. A source that fails to load keeps its last good keys.
 * A token naming an unknown key id triggers one reload, at most once per {@link #MIN_ON_DEMAND_SPACING}, so a
 * rotated key works at once but random key ids cannot make Gatehouse hammer the key server.
 */
final class JwksKeySource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JwksKeySource.class);

  static final Duration MIN_ON_DEMAND_SPACING = Duration.ofSeconds(10);
  private static final int MAX_JWKS_BYTES = 1 << 20;
  private static final int MIN_RSA_BITS = 2048;
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

  private static final Set<JWSAlgorithm> RSA_ALGS = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);

  /** One usable key: the algorithms it may verify and a thread-safe verifier. */
  record VerificationKey(String kid, Set<JWSAlgorithm> algorithms, JWSVerifier verifier, String thumbprint) {}

  private final List<URI> sources;
  private final Clock clock;
  private final HttpClient http;
  private final Runnable onChange;
  private final ScheduledFuture<?> periodic;
  private final Map<URI, List<VerificationKey>> lastGood = new HashMap<>();
  private final Object onDemandLock = new Object();
  private volatile Map<String, List<VerificationKey>> byKid = Map.of();
  private long lastOnDemandMillis = Long.MIN_VALUE / 2;

  /** Loads the keys once, then refreshes them every {@code refreshInterval} on {@code context}'s scheduler. */
  JwksKeySource(PluginContext context, Runnable onChange) {
    JwtKeyProvider config = context.authorization().jwtKeyProvider();
    this.sources = parse(config.keySourceURIs(), context.origin());
    this.clock = context.clock();
    this.onChange = onChange;
    this.http = sources.stream().anyMatch(u -> !u.getScheme().equals("file"))
        ? HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build()
        : null;
    refresh();
    if (sources.isEmpty()) {
      log.warn("global.authorization.jwtKeyProvider.keySourceURIs is empty: every bearer token will be rejected");
      this.periodic = null;
    } else {
      long ms = Math.max(1000, config.refreshInterval().toMillis());
      this.periodic = context.scheduler().scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  private static List<URI> parse(List<String> uris, ConfigOrigin origin) {
    List<URI> out = new ArrayList<>();
    for (int i = 0; i < uris.size(); i++) {
      String key = "global.authorization.jwtKeyProvider.keySourceURIs[" + i + "]";
      URI u;
      try {
        u = new URI(uris.get(i).strip());
      } catch (Exception e) {
        throw new ConfigException(origin.fileOf(key), key, "not a URI");
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("file")) {
        throw new ConfigException(origin.fileOf(key), key, "use an https:, http: or file: URI");
      }
      if (scheme.equals("file")) {
        try {
          Path.of(u);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
          throw new ConfigException(origin.fileOf(key), key,
              "use an absolute file URI, e.g. file:///etc/gatehouse/jwks.json");
        }
      } else if (u.getHost() == null) {
        throw new ConfigException(origin.fileOf(key), key, "has no host");
      }
      if (scheme.equals("http")) {
        log.warn("{} is plain http: a network attacker could substitute signing keys", redact(u));
      }
      out.add(u);
    }
    return List.copyOf(out);
  }

  /** The keys with id {@code kid}; empty when none. */
  List<VerificationKey> keys(String kid) {
    List<VerificationKey> k = byKid.get(kid);
    return k == null ? List.of() : k;
  }

  /**
   * Reloads all sources because a token named an unknown key, unless that was done less than
   * {@link #MIN_ON_DEMAND_SPACING} ago. Callers look the key up again afterwards either way: a concurrent caller
   * may just have loaded it.
   */
  void reloadForUnknownKid() {
    synchronized (onDemandLock) {
      long now = clock.millis();
      if (now - lastOnDemandMillis < MIN_ON_DEMAND_SPACING.toMillis()) {
        return;
      }
      lastOnDemandMillis = now;
      refresh();
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.warn("JWKS refresh failed: {}", e.toString());
    }
  }

  private synchronized void refresh() {
    for (URI source : sources) {
      try {
        List<VerificationKey> keys = usableKeys(JWKSet.parse(fetch(source)), source);
        lastGood.put(source, keys);
      } catch (IOException | java.text.ParseException | RuntimeException e) {
        log.warn("could not load JWKS from {} ({}); keeping its last good keys", redact(source), e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    Map<String, List<VerificationKey>> next = new HashMap<>();
    for (URI source : sources) {
      for (VerificationKey k : lastGood.getOrDefault(source, List.of())) {
        next.computeIfAbsent(k.kid(), x -> new ArrayList<>()).add(k);
      }
    }
    next.replaceAll((kid, list) -> List.copyOf(list));
    Map<String, List<VerificationKey>> previous = byKid;
    byKid = Map.copyOf(next);
    if (!fingerprint(previous).equals(fingerprint(byKid))) {
      onChange.run();
    }
  }

  private static Map<String, Set<String>> fingerprint(Map<String, List<VerificationKey>> keys) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    keys.forEach((kid, list) -> out.put(kid, Set.copyOf(list.stream().map(VerificationKey::thumbprint).toList())));
    return out;
  }

  private String fetch(URI source) throws IOException, InterruptedException {
    if (source.getScheme().equalsIgnoreCase("file")) {
      Path p = Path.of(source);
      if (Files.size(p) > MAX_JWKS_BYTES) {
        throw new IOException("JWKS larger than " + MAX_JWKS_BYTES + " bytes");
      }
      return Files.readString(p, StandardCharsets.UTF_8);
    }
    HttpRequest req = HttpRequest.newBuilder(source).timeout(FETCH_TIMEOUT).header("Accept", "application/json").GET()
        .build();
    HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = resp.body()) {
      if (resp.statusCode() != 200) {
        throw new IOException("HTTP status " + resp.statusCode());
      }
      byte[] bytes = body.readNBytes(MAX_JWKS_BYTES + 1);
      if (bytes.length > MAX_JWKS_BYTES) {
        throw new IOException("JWKS larger than " + MAX_JWKS_BYTES + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static List<VerificationKey> usableKeys(JWKSet set, URI source) {
    List<VerificationKey> out = new ArrayList<>();
    for (JWK jwk : set.getKeys()) {
      String kid = jwk.getKeyID();
      if (kid == null || kid.isEmpty()) {
        log.warn("skipping a key without kid from {}", redact(source));
        continue;
      }
      if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
        continue;
      }
      try {
        VerificationKey k = toKey(jwk);
        if (k != null) {
          out.add(k);
        } else {
          log.warn("skipping unsupported key {} ({}) from {}", safe(kid), jwk.getKeyType(), redact(source));
        }
      } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
        log.warn("skipping unusable key {} from {}: {}", safe(kid), redact(source), e.getMessage());
      }
    }
    return out;
  }

  private static VerificationKey toKey(JWK jwk) throws JOSEException, GeneralSecurityException {
    JWSAlgorithm declared = jwk.getAlgorithm() == null ? null : JWSAlgorithm.parse(jwk.getAlgorithm().getName());
    String thumb = jwk.computeThumbprint().toString();
    if (jwk instanceof RSAKey rsa) {
      if (rsa.size() < MIN_RSA_BITS) {
        throw new GeneralSecurityException("RSA key shorter than " + MIN_RSA_BITS + " bits");
      }
      Set<JWSAlgorithm> algs = restrict(RSA_ALGS, declared);
      return algs.isEmpty() ? null
          : new VerificationKey(jwk.getKeyID(), algs, new RSASSAVerifier(rsa.toRSAPublicKey()), thumb);
    }
    if (jwk instanceof ECKey ec) {
      JWSAlgorithm alg = Curve.P_256.equals(ec.getCurve()) ? JWSAlgorithm.ES256
          : Curve.P_384.equals(ec.getCurve()) ? JWSAlgorithm.ES384
          : Curve.P_521.equals(ec.getCurve()) ? JWSAlgorithm.ES512
          : null;
      if (alg == null) {
        return null;
      }
      Set<JWSAlgorithm> algs = restrict(Set.of(alg), declared);
      return algs.isEmpty() ? null
          : new VerificationKey(jwk.getKeyID(), algs, new ECDSAVerifier(ec.toECPublicKey()), thumb);
    }
    if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
      Set<JWSAlgorithm> algs = restrict(Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519), declared);
      return algs.isEmpty() ? null
          : new VerificationKey(jwk.getKeyID(), algs, new JdkEd25519Verifier(okp.getDecodedX()), thumb);
    }
    return null;
  }

  private static Set<JWSAlgorithm> restrict(Set<JWSAlgorithm> possible, JWSAlgorithm declared) {
    if (declared == null) {
      return possible;
    }
    return possible.contains(declared) ? Set.of(declared) : Set.of();
  }

  /** The URI without user info, query or fragment, which may hold credentials. */
  static String redact(URI u) {
    return u.getScheme() + ":" + (u.getHost() == null ? "" : "//" + u.getHost() + (u.getPort() < 0 ? "" : ":"
        + u.getPort())) + (u.getPath() == null ? "" : u.getPath());
  }

  private static String safe(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s.replaceAll("[^\\x20-\\x7e]", "?");
  }

  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
  }
}
