package dev.gatehouse.auth;

import static dev.gatehouse.auth.Fixture.WF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.MutableClock;
import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.tls.PeerCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClaimMappers#firstOf} and {@link ClaimMappers#allOf}, with the built-in mappers and with stubs. */
class ClaimMappersTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final TestKeys.SigningKey KEY = TestKeys.ec("key-1");
  private static final TestKeys.SigningKey FORGER = TestKeys.ec("key-1");
  private static final PeerCertificate ORDERS_CERT =
      TestCerts.peerAt(T0, "CN=worker.orders.acme.com,O=Acme", "worker.orders.acme.com");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private PluginContext context;

  @BeforeEach
  void start() throws Exception {
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, TestKeys.jwks(KEY));
    AuthConfig config = new AuthConfig().keys(jwks.toUri().toString());
    config.certificateRules.add(new CertificateRule("*.orders.acme.com", null, null, null,
        Map.of("orders", "write"), null));
    context = PluginContext.builder(config.build()).clock(clock).scheduler(scheduler)
        .tls(MtlsClaimMapperTest.frontendTrusting(ORDERS_CERT.certificate())).build();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    scheduler.shutdownNow();
  }

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  private static String token(TestKeys.SigningKey key, String subject, String... permissions) {
    return key.token(b -> {
      TestKeys.validClaims(T0).build().getClaims().forEach(b::claim);
      b.subject(subject).claim("permissions", List.of(permissions));
    });
  }

  private static AuthInfo info(String token, PeerCertificate peer) {
    return new AuthInfo(token == null ? null : "Bearer " + token, null, peer, null, null);
  }

  /** Counts how often it is asked; answers with {@code claims} or rejects when {@code rejection} is set. */
  private static final class Stub implements ClaimMapper {
    final AtomicInteger asked = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    private final String name;
    private final Claims claims;
    private final String rejection;
    private final boolean authInfoRequired;

    Stub(String name, Claims claims, String rejection, boolean authInfoRequired) {
      this.name = name;
      this.claims = claims;
      this.rejection = rejection;
      this.authInfoRequired = authInfoRequired;
    }

    static Stub identifies(String subject, Role system, Map<String, Role> namespaces) {
      return new Stub(subject, new Claims(subject, system, namespaces, subject + "-type", Map.of()), null, true);
    }

    static Stub findsNothing(String name) {
      return new Stub(name, Claims.anonymous(), null, true);
    }

    static Stub rejects(String name, String why) {
      return new Stub(name, null, why, true);
    }

    @Override
    public Claims getClaims(AuthInfo authInfo) throws AuthenticationException {
      asked.incrementAndGet();
      if (rejection != null) {
        throw new AuthenticationException(rejection);
      }
      return claims;
    }

    @Override
    public boolean authInfoRequired() {
      return authInfoRequired;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  // --- firstOf with the built-in mappers: "token, else certificate" ---

  @Test
  void firstOfTakesTheTokenWhenOneIsSentAndTheCertificateOtherwise() throws Exception {
    ClaimMapper m = closing(ClaimMappers.firstOf(ClaimMappers.jwt(context), ClaimMappers.certificateRules(context)));
    Claims byToken = m.getClaims(info(token(KEY, "alice", "billing:read"), ORDERS_CERT));
    assertThat(byToken.subject()).isEqualTo("alice");
    assertThat(byToken.authType()).isEqualTo("jwt");
    assertThat(byToken.namespaces()).containsOnly(Map.entry("billing", Role.READER));

    Claims byCertificate = m.getClaims(info(null, ORDERS_CERT));
    assertThat(byCertificate.subject()).isEqualTo(ORDERS_CERT.subject());
    assertThat(byCertificate.authType()).isEqualTo("mtls");
    assertThat(m.getClaims(AuthInfo.none()).isAnonymous()).isTrue();
    assertThat(m).hasToString("firstOf(default, mtls)");
  }

  @Test
  void firstOfRefusesARejectedTokenEvenWithAValidCertificate() {
    Stub certificate = new Stub("mtls", new Claims(ORDERS_CERT.subject(), Role.UNDEFINED,
        Map.of("orders", Role.WRITER), "mtls", Map.of()), null, true);
    ClaimMapper m = closing(ClaimMappers.firstOf(ClaimMappers.jwt(context), certificate));
    String forged = token(FORGER, "mallory", "temporal-system:admin");
    String expired = KEY.token(b -> b.subject("alice").expirationTime(java.util.Date.from(T0.minusSeconds(3600))));
    String unknownKey = token(TestKeys.ec("not-in-the-jwks"), "mallory");
    for (String bad : List.of(forged, expired, unknownKey, "not.a.jwt")) {
      assertThatThrownBy(() -> m.getClaims(info(bad, ORDERS_CERT))).isInstanceOf(AuthenticationException.class);
    }
    assertThatThrownBy(() -> m.getClaims(new AuthInfo("Basic dXNlcjpwYXNz", null, ORDERS_CERT, null, null)))
        .isInstanceOf(AuthenticationException.class);
    assertThat(certificate.asked).hasValue(0);
  }

  @Test
  void throughTheAccessControllerARejectedTokenWithAValidCertificateIsUnauthenticated() throws Exception {
    ClaimMapper m = closing(ClaimMappers.firstOf(ClaimMappers.jwt(context), ClaimMappers.certificateRules(context)));
    AccessController access =
        closing(AccessController.builder(context.authorization()).claimMapper(m).clock(clock).build());
    AccessCheck forged = access.check(info(token(FORGER, "mallory", "orders:admin"), ORDERS_CERT),
        WF + "StartWorkflowExecution", "orders", null);
    assertThat(forged.outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    assertThat(access.check(info(null, ORDERS_CERT), WF + "StartWorkflowExecution", "orders", null).allowed())
        .isTrue();
  }

  // --- firstOf, rule by rule ---

  @Test
  void firstOfAsksInOrderUntilOneIdentifies() throws Exception {
    Stub apiKey = Stub.findsNothing("api-key");
    Stub jwt = Stub.identifies("alice", Role.UNDEFINED, Map.of("orders", Role.READER));
    Stub certificate = Stub.identifies("worker", Role.ADMIN, Map.of());
    ClaimMapper m = ClaimMappers.firstOf(apiKey, jwt, certificate);
    assertThat(m.getClaims(info("t", ORDERS_CERT)).subject()).isEqualTo("alice");
    assertThat(apiKey.asked).hasValue(1);
    assertThat(certificate.asked).hasValue(0);
  }

  @Test
  void firstOfStopsAtTheFirstRejection() {
    Stub later = Stub.identifies("worker", Role.ADMIN, Map.of());
    ClaimMapper m = ClaimMappers.firstOf(Stub.findsNothing("a"), Stub.rejects("b", "revoked key"), later);
    assertThatThrownBy(() -> m.getClaims(info("t", null)))
        .isInstanceOf(AuthenticationException.class).hasMessage("revoked key");
    assertThat(later.asked).hasValue(0);
  }

  @Test
  void firstOfLetsOtherFailuresThroughSoTheCallIsRefused() {
    ClaimMapper broken = authInfo -> {
      throw new IllegalStateException("bug");
    };
    Stub later = Stub.identifies("worker", Role.ADMIN, Map.of());
    ClaimMapper m = ClaimMappers.firstOf(broken, later);
    assertThatThrownBy(() -> m.getClaims(info("t", null))).isInstanceOf(IllegalStateException.class);
    assertThat(later.asked).hasValue(0);
    try (AccessController access = AccessController.builder(context.authorization()).claimMapper(m).build()) {
      assertThat(access.check(info("t", null), WF + "DescribeNamespace", "orders", null).outcome())
          .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    }
  }

  @Test
  void firstOfIdentifiesACallerThatIsGrantedNothing() throws Exception {
    Stub nobody = Stub.identifies("nobody", Role.UNDEFINED, Map.of());
    Stub later = Stub.identifies("worker", Role.ADMIN, Map.of());
    Claims c = ClaimMappers.firstOf(nobody, later).getClaims(info("t", null));
    assertThat(c.subject()).isEqualTo("nobody");
    assertThat(c.system()).isEqualTo(Role.UNDEFINED);
    assertThat(later.asked).hasValue(0);
  }

  @Test
  void firstOfWithNobodyIdentifyingIsAnonymousAndNullCountsAsAnonymous() throws Exception {
    ClaimMapper returnsNull = authInfo -> null;
    assertThat(ClaimMappers.firstOf(returnsNull, Stub.findsNothing("b")).getClaims(info("t", null)).isAnonymous())
        .isTrue();
  }

  @Test
  void firstOfNeedsCredentialsOnlyIfEveryMapperDoesAndSkipsThoseThatNeedThem() throws Exception {
    Stub needsCredentials = Stub.identifies("alice", Role.ADMIN, Map.of());
    ClaimMapper byAddress = new ClaimMapper() {
      @Override
      public Claims getClaims(AuthInfo authInfo) {
        return new Claims("local", Role.UNDEFINED, Map.of("orders", Role.READER), "address", Map.of());
      }

      @Override
      public boolean authInfoRequired() {
        return false;
      }
    };
    assertThat(ClaimMappers.firstOf(needsCredentials, Stub.findsNothing("b")).authInfoRequired()).isTrue();
    ClaimMapper m = ClaimMappers.firstOf(needsCredentials, byAddress);
    assertThat(m.authInfoRequired()).isFalse();
    AuthInfo noCredentials = new AuthInfo(null, null, null, null, new InetSocketAddress("127.0.0.1", 1));
    assertThat(m.getClaims(noCredentials).subject()).isEqualTo("local");
    assertThat(needsCredentials.asked).hasValue(0);
    assertThat(m.getClaims(info("t", null)).subject()).isEqualTo("alice");
  }

  // --- allOf ---

  @Test
  void allOfGrantsTheIntersection() throws Exception {
    Stub token = Stub.identifies("alice", Role.UNDEFINED, Map.of("orders", Role.ADMIN, "billing", Role.ADMIN));
    Stub certificate = Stub.identifies("worker", Role.UNDEFINED, Map.of("orders", Role.WRITER));
    ClaimMapper m = ClaimMappers.allOf(List.of(token, certificate));
    Claims c = m.getClaims(info("t", ORDERS_CERT));
    assertThat(c.subject()).isEqualTo("alice");
    assertThat(c.authType()).isEqualTo("alice-type+worker-type");
    // Admin in the token, write in the certificate: write, not admin.
    assertThat(c.namespaceRole("orders").atLeast(Role.WRITER)).isTrue();
    assertThat(c.namespaceRole("orders").atLeast(Role.ADMIN)).isFalse();
    assertThat(c.namespaceRole("billing")).isEqualTo(Role.UNDEFINED);
    assertThat(c.extensions()).containsEntry("subjects", List.of("alice", "worker"));
    assertThat(m).hasToString("alice+worker");
  }

  @Test
  void allOfRefusesWhenAnyFindsNothingOrRejects() {
    Stub first = Stub.identifies("alice", Role.ADMIN, Map.of());
    assertThatThrownBy(() -> ClaimMappers.allOf(first, Stub.findsNothing("mtls")).getClaims(info("t", null)))
        .isInstanceOf(AuthenticationException.class).hasMessageContaining("mtls found no credentials");
    Stub after = Stub.identifies("worker", Role.ADMIN, Map.of());
    assertThatThrownBy(() -> ClaimMappers.allOf(first, Stub.rejects("jwt", "expired"), after)
        .getClaims(info("t", null))).isInstanceOf(AuthenticationException.class).hasMessage("expired");
    assertThat(after.asked).hasValue(0);
  }

  @Test
  void allOfWithTheBuiltInsNeedsBothCredentials() throws Exception {
    ClaimMapper m = closing(ClaimMappers.allOf(ClaimMappers.jwt(context), ClaimMappers.certificateRules(context)));
    Claims both = m.getClaims(info(token(KEY, "alice", "orders:admin"), ORDERS_CERT));
    assertThat(both.namespaceRole("orders").atLeast(Role.WRITER)).isTrue();
    assertThat(both.namespaceRole("orders").atLeast(Role.ADMIN)).isFalse();
    assertThatThrownBy(() -> m.getClaims(info(null, ORDERS_CERT))).isInstanceOf(AuthenticationException.class);
    assertThatThrownBy(() -> m.getClaims(info(token(KEY, "alice", "orders:admin"), null)))
        .isInstanceOf(AuthenticationException.class);
    assertThatThrownBy(() -> m.getClaims(info(token(FORGER, "alice", "orders:admin"), ORDERS_CERT)))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void closingACompositeClosesEveryMapperEvenWhenOneFails() {
    Stub a = Stub.findsNothing("a");
    Stub c = Stub.findsNothing("c");
    ClaimMapper failing = new ClaimMapper() {
      @Override
      public Claims getClaims(AuthInfo authInfo) {
        return Claims.anonymous();
      }

      @Override
      public void close() {
        throw new IllegalStateException("close failed");
      }
    };
    assertThatThrownBy(() -> ClaimMappers.firstOf(a, failing, c).close()).hasMessage("close failed");
    assertThatThrownBy(() -> ClaimMappers.allOf(a, failing, c).close()).hasMessage("close failed");
    assertThat(a.closed).hasValue(2);
    assertThat(c.closed).hasValue(2);
  }

  @Test
  void nothingToCombineIsAnError() {
    assertThatThrownBy(() -> ClaimMappers.firstOf()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClaimMappers.allOf(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClaimMappers.firstOf(Stub.findsNothing("a"), null))
        .isInstanceOf(NullPointerException.class);
  }
}
