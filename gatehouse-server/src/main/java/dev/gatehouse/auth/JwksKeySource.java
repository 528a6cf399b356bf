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
import io.micrometer.core.instrument.Counter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JWT verification keys from {@code jwtKeyProvider.keySourceURIs} ({@code https:}, {@code http:}, {@code file:}).
 *
 * <p>Readers never wait: {@link #keys} reads the immutable map the last refresh published, and no lock is ever held
 * across I/O. A refresh loads every source and publishes the merged result; a source that fails keeps its last good
 * keys. HTTP sources are fetched asynchronously, so a slow key server holds no thread (the shared scheduler's
 * included), and given up on after {@link #FETCH_TIMEOUT}. At most one refresh is in flight. Refreshes happen once
 * while constructing (so the first tokens verify), every {@code refreshInterval} on the scheduler, and on the
 * scheduler when a token names an unknown key id ({@link #refreshForUnknownKid}), at most once per
 * {@link #MIN_ON_DEMAND_SPACING}: a rotated key works by the client's retry, but random key ids cannot make Gatehouse
 * hammer the key server.
 *
 * <p>Metrics: counter {@code gatehouse.auth.jwks.loads} tagged {@code result} ({@code ok}, {@code failed}), one per
 * source per refresh.
 */
final class JwksKeySource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JwksKeySource.class);

  static final Duration MIN_ON_DEMAND_SPACING = Duration.ofSeconds(10);
  static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_JWKS_BYTES = 1 << 20;
  private static final int MIN_RSA_BITS = 2048;

  private static final Set<JWSAlgorithm> RSA_ALGS = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);

  /**
   * One usable key: the algorithms it may verify, a thread-safe verifier, and the source it came from, which
   * decides the issuer it may sign for.
   */
  record VerificationKey(
      String kid, Set<JWSAlgorithm> algorithms, JWSVerifier verifier, String thumbprint, URI source) {}

  private final List<URI> sources;
  private final Duration fetchTimeout;
  private final Clock clock;
  private final HttpClient http;
  private final ScheduledExecutorService scheduler;
  private final Runnable onChange;
  private final Counter loaded;
  private final Counter failed;
  private final ScheduledFuture<?> periodic;
  // Written only by the one refresh in flight, one entry per source; concurrent because sources load in parallel.
  private final Map<URI, List<VerificationKey>> lastGood = new ConcurrentHashMap<>();
  private final AtomicReference<CompletableFuture<Void>> inFlight = new AtomicReference<>();
  private final AtomicLong nextOnDemandMillis = new AtomicLong(Long.MIN_VALUE);
  private final Set<CompletableFuture<?>> exchanges = ConcurrentHashMap.newKeySet();
  private volatile Map<String, List<VerificationKey>> byKid = Map.of();
  private volatile boolean closed;

  /**
   * Loads the keys once before returning (bounded by {@code fetchTimeout}), then keeps them fresh on
   * {@code context}'s scheduler.
   *
   * @param fetchTimeout how long one HTTP source may take, connection to last byte ({@link #FETCH_TIMEOUT})
   * @param onChange run after a refresh that changed the key set, on whichever thread completed it
   */
  JwksKeySource(PluginContext context, Duration fetchTimeout, Runnable onChange) {
    JwtKeyProvider config = context.authorization().jwtKeyProvider();
    this.fetchTimeout = fetchTimeout;
    this.sources = parse(config.keySourceURIs(), context.origin());
    this.clock = context.clock();
    this.scheduler = context.scheduler();
    this.onChange = onChange;
    this.loaded = Counter.builder("gatehouse.auth.jwks.loads").description("JWKS source loads by result")
        .tag("result", "ok").register(context.meterRegistry());
    this.failed = Counter.builder("gatehouse.auth.jwks.loads").description("JWKS source loads by result")
        .tag("result", "failed").register(context.meterRegistry());
    this.http = sources.stream().anyMatch(u -> !u.getScheme().equals("file"))
        ? HttpClient.newBuilder().connectTimeout(fetchTimeout).followRedirects(HttpClient.Redirect.NORMAL).build()
        : null;
    if (sources.isEmpty()) {
      log.warn("global.authorization.jwtKeyProvider.keySourceURIs is empty: every bearer token will be rejected");
      this.periodic = null;
      return;
    }
    // Start-up may wait for the keys (no call is waiting yet), so the first tokens verify.
    startRefresh(Runnable::run).join();
    long ms = Math.max(1000, config.refreshInterval().toMillis());
    try {
      this.periodic = scheduler.scheduleWithFixedDelay(this::refreshPeriodically, ms, ms, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      if (http != null) {
        http.shutdownNow();
      }
      throw e;
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

  /** The sources, in {@code keySourceURIs} order. */
  List<URI> sources() {
    return sources;
  }

  /** The keys with id {@code kid}; empty when none. */
  List<VerificationKey> keys(String kid) {
    List<VerificationKey> k = byKid.get(kid);
    return k == null ? List.of() : k;
  }

  /**
   * Asks for a refresh because a token named an unknown key, and returns at once: the refresh runs on the
   * scheduler. Nothing happens while a refresh is in flight (it may bring the key) or within
   * {@link #MIN_ON_DEMAND_SPACING} of the last refresh asked for this way.
   */
  void refreshForUnknownKid() {
    if (sources.isEmpty() || closed || inFlight.get() != null) {
      return;
    }
    long now = clock.millis();
    long allowedFrom = nextOnDemandMillis.get();
    // One caller wins the compare-and-set; a burst of unknown key ids asks for one refresh, not one each.
    if (now < allowedFrom
        || !nextOnDemandMillis.compareAndSet(allowedFrom, now + MIN_ON_DEMAND_SPACING.toMillis())) {
      return;
    }
    startRefresh(scheduler);
  }

  /** The refresh in flight, or a completed future when none is; tests wait on it instead of sleeping. */
  CompletableFuture<Void> refreshInFlight() {
    CompletableFuture<Void> f = inFlight.get();
    return f != null ? f : CompletableFuture.completedFuture(null);
  }

  private void refreshPeriodically() {
    try {
      startRefresh(Runnable::run);
    } catch (RuntimeException e) {
      // Thrown out of here, it would cancel every later periodic refresh.
      log.warn("JWKS refresh failed: {}", e.toString());
    }
  }

  /**
   * Starts a refresh whose loading begins on {@code where}, or joins the one in flight. The returned future
   * completes (never exceptionally) once the result is published.
   */
  private CompletableFuture<Void> startRefresh(Executor where) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture<Void> running = inFlight.compareAndExchange(null, done);
    if (running != null) {
      return running;
    }
    try {
      where.execute(() -> {
        CompletableFuture<Void> all;
        try {
          all = CompletableFuture.allOf(sources.stream().map(this::load).toArray(CompletableFuture[]::new));
        } catch (RuntimeException e) {
          all = CompletableFuture.failedFuture(e);
        }
        all.whenComplete((ignored, failure) -> publish(done, failure));
      });
    } catch (RejectedExecutionException e) {
      // The scheduler stops with Gatehouse; the keys stay as they are.
      publish(done, e);
    }
    return done;
  }

  /** Loads one source into {@link #lastGood}; the future never fails, a failure keeps the last good keys. */
  private CompletableFuture<Void> load(URI source) {
    CompletableFuture<String> text;
    if (source.getScheme().equals("file")) {
      try {
        text = CompletableFuture.completedFuture(readFile(source));
      } catch (IOException | RuntimeException e) {
        text = CompletableFuture.failedFuture(e);
      }
    } else {
      text = fetch(source);
    }
    return text.thenApply(json -> usableKeys(parseJwks(json), source)).handle((keys, failure) -> {
      if (failure == null) {
        lastGood.put(source, keys);
        loaded.increment();
      } else {
        failed.increment();
        log.warn("could not load JWKS from {} ({}); keeping its last good keys", redact(source), describe(failure));
      }
      return null;
    });
  }

  private void publish(CompletableFuture<Void> done, Throwable failure) {
    try {
      if (failure != null) {
        log.warn("JWKS refresh failed: {}", describe(failure));
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
    } catch (RuntimeException e) {
      log.warn("JWKS refresh failed: {}", e.toString());
    } finally {
      // Cleared before completing, so whoever waits on done may start the next refresh.
      inFlight.compareAndSet(done, null);
      done.complete(null);
    }
  }

  private static Map<String, Set<String>> fingerprint(Map<String, List<VerificationKey>> keys) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    // The source counts: a key moving to another source changes which issuer it signs for.
    keys.forEach((kid, list) ->
        out.put(kid, Set.copyOf(list.stream().map(k -> k.thumbprint() + " " + k.source()).toList())));
    return out;
  }

  private static String readFile(URI source) throws IOException {
    Path p = Path.of(source);
    if (Files.size(p) > MAX_JWKS_BYTES) {
      throw new IOException("JWKS larger than " + MAX_JWKS_BYTES + " bytes");
    }
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  private CompletableFuture<String> fetch(URI source) {
    HttpRequest req = HttpRequest.newBuilder(source).timeout(fetchTimeout).header("Accept", "application/json").GET()
        .build();
    CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(req, BoundedBody.handler(MAX_JWKS_BYTES));
    exchanges.add(exchange);
    // The request timeout covers only the wait for headers; this deadline covers the body too.
    return exchange.copy().orTimeout(fetchTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((response, failure) -> {
          exchanges.remove(exchange);
          if (failure != null) {
            exchange.cancel(true);
          }
        })
        .thenApply(response -> {
          if (response.statusCode() != 200) {
            throw new UncheckedIOException(new IOException("HTTP status " + response.statusCode()));
          }
          return new String(response.body(), StandardCharsets.UTF_8);
        });
  }

  private static JWKSet parseJwks(String json) {
    try {
      return JWKSet.parse(json);
    } catch (java.text.ParseException e) {
      throw new IllegalArgumentException("not a JWKS: " + e.getMessage());
    }
  }

  private String describe(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof java.util.concurrent.TimeoutException) {
      return "no answer within " + fetchTimeout.toMillis() + " ms";
    }
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
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
        VerificationKey k = toKey(jwk, source);
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

  private static VerificationKey toKey(JWK jwk, URI source) throws JOSEException, GeneralSecurityException {
    JWSAlgorithm declared = jwk.getAlgorithm() == null ? null : JWSAlgorithm.parse(jwk.getAlgorithm().getName());
    String thumb = jwk.computeThumbprint().toString();
    if (jwk instanceof RSAKey rsa) {
      if (rsa.size() < MIN_RSA_BITS) {
        throw new GeneralSecurityException("RSA key shorter than " + MIN_RSA_BITS + " bits");
      }
      Set<JWSAlgorithm> algs = restrict(RSA_ALGS, declared);
      return algs.isEmpty() ? null
          : new VerificationKey(jwk.getKeyID(), algs, new RSASSAVerifier(rsa.toRSAPublicKey()), thumb, source);
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
          : new VerificationKey(jwk.getKeyID(), algs, new ECDSAVerifier(ec.toECPublicKey()), thumb, source);
    }
    if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
      Set<JWSAlgorithm> algs = restrict(Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519), declared);
      return algs.isEmpty() ? null
          : new VerificationKey(jwk.getKeyID(), algs, new JdkEd25519Verifier(okp.getDecodedX()), thumb, source);
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
    closed = true;
    if (periodic != null) {
      periodic.cancel(false);
    }
    exchanges.forEach(exchange -> exchange.cancel(true));
    if (http != null) {
      http.shutdownNow();
    }
  }

  /** Collects a response body, refusing it as soon as it grows beyond {@code limit} bytes. */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    private BoundedBody(int limit) {
      this.limit = limit;
    }

    /** The body of a 200 response; any other status is discarded unread (the body is {@code null}). */
    static HttpResponse.BodyHandler<byte[]> handler(int limit) {
      return info -> info.statusCode() == 200
          ? new BoundedBody(limit)
          : HttpResponse.BodySubscribers.<byte[]>replacing(null);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (bytes.size() + buffer.remaining() > limit) {
          subscription.cancel();
          body.completeExceptionally(new IOException("JWKS larger than " + limit + " bytes"));
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        bytes.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable failure) {
      body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      body.complete(bytes.toByteArray());
    }
  }
}
