package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A token naming an unknown key is refused at once and the keys are refreshed in the background: identification
 * never waits for the key server, and a burst of unknown key ids costs the key server one request.
 */
class JwksUnknownKeyTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final TestKeys.SigningKey KNOWN = TestKeys.ec("known-1");
  private static final long WAIT_SECONDS = 10;

  private final MutableClock clock = new MutableClock(T0);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  /** Every thread the scheduler ran a task on. */
  private final Set<Thread> schedulerThreads = ConcurrentHashMap.newKeySet();
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1) {
    @Override
    protected void beforeExecute(Thread t, Runnable r) {
      schedulerThreads.add(t);
    }
  };
  private final ExecutorService callers = Executors.newFixedThreadPool(8);
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private final AtomicReference<String> body = new AtomicReference<>(TestKeys.jwks(KNOWN));
  private final AtomicInteger requests = new AtomicInteger();
  /** When set, the handler counts down {@link #fetchArrived} and then waits for this before answering. */
  private final AtomicReference<CountDownLatch> hold = new AtomicReference<>();
  private final CountDownLatch fetchArrived = new CountDownLatch(1);
  private HttpServer server;
  private PluginContext context;
  private JwtClaimMapper mapper;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(handlers);
    server.createContext("/jwks.json", exchange -> {
      requests.incrementAndGet();
      CountDownLatch gate = hold.get();
      if (gate != null) {
        fetchArrived.countDown();
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, b.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(b);
      }
    });
    server.start();
    AuthConfig config = new AuthConfig().keys("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    // Long enough that no periodic refresh happens during a test: every request counted here is on demand.
    config.refreshInterval = Duration.ofHours(1);
    context = PluginContext.builder(config.build()).clock(clock).scheduler(scheduler).meterRegistry(registry)
        .build();
    // No fetch is given up on during a test unless the test says so: what the assertions see never depends on time.
    mapper = new JwtClaimMapper(context, Duration.ofHours(1));
  }

  @AfterEach
  void stop() {
    CountDownLatch gate = hold.get();
    if (gate != null) {
      gate.countDown();
    }
    mapper.close();
    callers.shutdownNow();
    scheduler.shutdownNow();
    server.stop(0);
    handlers.shutdownNow();
  }

  private static String token(TestKeys.SigningKey key) {
    return key.token(b -> TestKeys.validClaims(T0).build().getClaims().forEach(b::claim));
  }

  private static AuthInfo bearer(String token) {
    return new AuthInfo("Bearer " + token, null, null, null, null);
  }

  private void assertUnknownKey(String token) {
    assertThatThrownBy(() -> mapper.getClaims(bearer(token)))
        .isInstanceOf(AuthenticationException.class).hasMessage("unknown signing key");
  }

  /** The subject, or the refusal's message. */
  private String outcome(String token) {
    try {
      return mapper.getClaims(bearer(token)).subject();
    } catch (AuthenticationException e) {
      return e.getMessage();
    }
  }

  private double loads(String result) {
    return registry.get("gatehouse.auth.jwks.loads").tag("result", result).counter().count();
  }

  @Test
  void anUnknownKeyIsRefusedAtOnceWhileTheFetchHangsAndKnownKeysKeepWorking() throws Exception {
    assertThat(requests.get()).isEqualTo(1);
    CountDownLatch release = new CountDownLatch(1);
    hold.set(release);

    // Refused, though the key server will not answer the fetch this asks for until released: a mapper that waited
    // for the fetch would never return.
    AtomicReference<Thread> caller = new AtomicReference<>();
    assertThat(callers.submit(() -> {
      caller.set(Thread.currentThread());
      return outcome(token(TestKeys.ec("rotated-1")));
    }).get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("unknown signing key");
    assertThat(fetchArrived.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(release.getCount()).isEqualTo(1);
    // The fetch was started by the scheduler, not by the caller.
    assertThat(schedulerThreads).isNotEmpty().doesNotContain(caller.get());

    // While the fetch hangs: a known key verifies, another unknown key is refused at once and asks for nothing
    // (a refresh is in flight, even though the on-demand interval has passed).
    assertThat(callers.submit(() -> outcome(token(KNOWN))).get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo("alice@example.com");
    clock.advance(JwksKeySource.MIN_ON_DEMAND_SPACING);
    assertThat(callers.submit(() -> outcome(token(TestKeys.ec("rotated-2")))).get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo("unknown signing key");
    assertThat(mapper.keyRefresh()).isNotDone();
    assertThat(release.getCount()).isEqualTo(1);

    release.countDown();
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void aThousandUnknownKeyIdsCostOneFetchPerInterval() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      tokens.add(TestKeys.token(KNOWN, KNOWN.alg(), "random-" + i,
          b -> TestKeys.validClaims(T0).build().getClaims().forEach(b::claim)));
    }
    int before = requests.get();
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<String>> refusals = new ArrayList<>();
    for (String t : tokens) {
      refusals.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return "interrupted";
        }
        return outcome(t);
      }, callers));
    }
    go.countDown();
    for (CompletableFuture<String> r : refusals) {
      assertThat(r.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("unknown signing key");
    }
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(requests.get()).isEqualTo(before + 1);

    // Within the interval, after that refresh: still nothing.
    clock.advance(JwksKeySource.MIN_ON_DEMAND_SPACING.minusMillis(1));
    for (String t : tokens.subList(0, 100)) {
      assertUnknownKey(t);
    }
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(requests.get()).isEqualTo(before + 1);

    // The next interval buys one more fetch, however many ask.
    clock.advance(Duration.ofMillis(1));
    for (String t : tokens.subList(100, 200)) {
      assertUnknownKey(t);
    }
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(requests.get()).isEqualTo(before + 2);
    assertThat(loads("ok")).isEqualTo(3.0);
    assertThat(loads("failed")).isZero();
  }

  @Test
  void aRotatedKeyIsAcceptedOnceTheBackgroundRefreshHasLoadedIt() throws Exception {
    TestKeys.SigningKey rotated = TestKeys.rsa("rotated-1");
    body.set(TestKeys.jwks(KNOWN, rotated));
    String t = token(rotated);

    assertUnknownKey(t);
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(mapper.getClaims(bearer(t)).subject()).isEqualTo("alice@example.com");
    assertThat(mapper.getClaims(bearer(token(KNOWN))).subject()).isEqualTo("alice@example.com");
  }

  @Test
  void aFailedRefreshKeepsTheLastGoodKeys() throws Exception {
    body.set("not json");
    assertUnknownKey(token(TestKeys.ec("rotated-1")));
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(loads("failed")).isEqualTo(1.0);
    assertThat(mapper.getClaims(bearer(token(KNOWN))).subject()).isEqualTo("alice@example.com");
  }

  @Test
  void aKeyServerThatNeverAnswersIsGivenUpOnAndTheKeysStay() throws Exception {
    mapper.close();
    mapper = new JwtClaimMapper(context, Duration.ofMillis(200));
    hold.set(new CountDownLatch(1));
    assertUnknownKey(token(TestKeys.ec("rotated-1")));
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(fetchArrived.getCount()).isZero();
    assertThat(loads("failed")).isEqualTo(1.0);
    assertThat(mapper.getClaims(bearer(token(KNOWN))).subject()).isEqualTo("alice@example.com");
  }

  @Test
  void afterCloseAnUnknownKeyAsksForNothing() throws Exception {
    int before = requests.get();
    mapper.close();
    assertUnknownKey(token(TestKeys.ec("rotated-1")));
    mapper.keyRefresh().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(requests.get()).isEqualTo(before);
  }
}
