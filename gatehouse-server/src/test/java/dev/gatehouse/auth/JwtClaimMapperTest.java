package dev.gatehouse.auth;

import dev.gatehouse.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.Base64URL;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtClaimMapperTest {
  private static final TestKeys.SigningKey RSA = TestKeys.rsa("rsa-1");
  private static final TestKeys.SigningKey EC = TestKeys.ec("ec-1");
  private static final TestKeys.SigningKey ED = TestKeys.ed25519("ed-1");
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private JwksServer jwks;
  private JwtClaimMapper mapper;

  @BeforeEach
  void start() throws Exception {
    jwks = new JwksServer();
    jwks.body.set(TestKeys.jwks(RSA, EC, ED));
  }

  @AfterEach
  void stop() {
    if (mapper != null) {
      mapper.close();
    }
    scheduler.shutdownNow();
    jwks.close();
  }

  private JwtClaimMapper create(Authorization config) {
    return new JwtClaimMapper(PluginContext.builder(config).clock(clock).scheduler(scheduler).build());
  }

  private JwtClaimMapper mapper(Consumer<AuthConfig> c) {
    AuthConfig cfg = new AuthConfig().keys(jwks.uri());
    c.accept(cfg);
    mapper = create(cfg.build());
    return mapper;
  }

  private JwtClaimMapper mapper() {
    return mapper(c -> {});
  }

  private static AuthInfo bearer(String token) {
    return new AuthInfo("Bearer " + token, null, null, null, null);
  }

  private static String token(TestKeys.SigningKey key, Consumer<com.nimbusds.jwt.JWTClaimsSet.Builder> extra) {
    return key.token(b -> {
      TestKeys.validClaims(T0).build().getClaims().forEach(b::claim);
      extra.accept(b);
    });
  }

  private void assertRejected(JwtClaimMapper m, AuthInfo info, String reason) {
    assertThatThrownBy(() -> m.getClaims(info))
        .isInstanceOf(AuthenticationException.class).hasMessageContaining(reason);
  }

  @Test
  void acceptsRs256Es256AndEdDsaFromAnHttpJwks() throws Exception {
    JwtClaimMapper m = mapper();
    for (TestKeys.SigningKey key : List.of(RSA, EC, ED)) {
      Claims c = m.getClaims(bearer(token(key, b -> b.claim("permissions", List.of("orders:write")))));
      assertThat(c.subject()).isEqualTo("alice@example.com");
      assertThat(c.authType()).isEqualTo("jwt");
      assertThat(c.namespaceRole("orders")).isEqualTo(Role.WRITER);
      assertThat(c.extensions()).containsEntry("sub", "alice@example.com");
    }
  }

  @Test
  void loadsKeysFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, TestKeys.jwks(EC));
    mapper = create(new AuthConfig().keys(file.toUri().toString()).build());
    assertThat(mapper.getClaims(bearer(token(EC, b -> {}))).subject()).isEqualTo("alice@example.com");
    assertRejected(mapper, bearer(token(RSA, b -> {})), "unknown signing key");
  }

  @Test
  void noTokenIsAnonymousNotAnError() throws Exception {
    assertThat(mapper().getClaims(AuthInfo.none()).isAnonymous()).isTrue();
    assertThat(mapper.getClaims(new AuthInfo("", null, null, null, null)).isAnonymous()).isTrue();
  }

  @Test
  void bearerSchemeIsCaseInsensitiveAndRequired() throws Exception {
    JwtClaimMapper m = mapper();
    String t = token(RSA, b -> {});
    assertThat(m.getClaims(new AuthInfo("bearer " + t, null, null, null, null)).subject()).isNotNull();
    assertThat(m.getClaims(new AuthInfo("BEARER " + t, null, null, null, null)).subject()).isNotNull();
    assertRejected(m, new AuthInfo(t, null, null, null, null), "unexpected authorization token format");
    assertRejected(m, new AuthInfo("Basic " + t, null, null, null, null), "unexpected name");
    assertRejected(m, new AuthInfo("Bearerx " + t, null, null, null, null), "unexpected name");
    assertRejected(m, new AuthInfo("Bear " + t, null, null, null, null), "unexpected name");
    assertRejected(m, new AuthInfo("Bearer  " + t, null, null, null, null), "malformed token");
  }

  @Test
  void rejectsAlgNone() {
    String header = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"rsa-1\"}").toString();
    String payload = Base64URL.encode("{\"sub\":\"mallory\",\"exp\":" + (T0.getEpochSecond() + 3600)
        + ",\"permissions\":[\"temporal-system:admin\"]}").toString();
    assertRejected(mapper(), bearer(header + "." + payload + "."), "alg none");
  }

  @Test
  void rejectsHmacEvenWithThePublicKeyAsSecret() {
    // The classic confusion attack: sign HS256 with bytes the attacker knows (the public key).
    byte[] secret = RSA.publicJwk().toJSONString().getBytes(StandardCharsets.UTF_8);
    String t = TestKeys.hmacToken("rsa-1", secret, b -> TestKeys.validClaims(T0).build().getClaims().forEach(b::claim));
    assertRejected(mapper(), bearer(t), "HMAC");
  }

  @Test
  void rejectsAlgorithmTheKeyIsNotFor() {
    // An EC key id with an RS256 header: the key cannot verify RS256.
    String t = TestKeys.token(RSA, JWSAlgorithm.RS256, "ec-1", b -> TestKeys.validClaims(T0).build().getClaims()
        .forEach(b::claim));
    assertRejected(mapper(), bearer(t), "invalid signature");
  }

  @Test
  void rejectsUnknownKidAndMissingKid() {
    JwtClaimMapper m = mapper();
    TestKeys.SigningKey stranger = TestKeys.ec("stranger");
    assertRejected(m, bearer(token(stranger, b -> {})), "unknown signing key");
    String noKid = TestKeys.token(EC, JWSAlgorithm.ES256, null, b -> TestKeys.validClaims(T0).build().getClaims()
        .forEach(b::claim));
    assertRejected(m, bearer(noKid), "no kid");
  }

  @Test
  void rejectsBadSignature() {
    JwtClaimMapper m = mapper();
    // Same kid, different key: an impostor who knows the key id.
    TestKeys.SigningKey impostor = TestKeys.ec("ec-1");
    assertRejected(m, bearer(token(impostor, b -> {})), "invalid signature");
    // A genuine token whose payload was swapped for a more generous one.
    String genuine = token(EC, b -> b.claim("permissions", List.of("orders:read")));
    String[] parts = genuine.split("\\.");
    String forgedPayload = Base64URL.encode(("{\"sub\":\"alice@example.com\",\"exp\":" + (T0.getEpochSecond() + 3600)
        + ",\"permissions\":[\"temporal-system:admin\"]}").getBytes(StandardCharsets.UTF_8)).toString();
    assertRejected(m, bearer(parts[0] + "." + forgedPayload + "." + parts[2]), "invalid signature");
    // Ed25519 too.
    String ed = token(ED, b -> {});
    String[] e = ed.split("\\.");
    assertRejected(m, bearer(e[0] + "." + forgedPayload + "." + e[2]), "invalid signature");
  }

  @Test
  void checksExpiryWithClockSkew() throws Exception {
    JwtClaimMapper m = mapper(c -> c.tokenCacheSize = 0);
    String t = token(RSA, b -> b.expirationTime(Date.from(T0.plusSeconds(10))));
    assertThat(m.getClaims(bearer(t)).subject()).isNotNull();
    clock.advance(Duration.ofSeconds(10 + 59));
    assertThat(m.getClaims(bearer(t)).subject()).as("within the 60 s default skew").isNotNull();
    clock.advance(Duration.ofSeconds(2));
    assertRejected(m, bearer(t), "token expired");
  }

  @Test
  void expiredTokenIsRejectedEvenWhenCached() throws Exception {
    JwtClaimMapper m = mapper(c -> c.clockSkew = Duration.ZERO);
    String t = token(RSA, b -> b.expirationTime(Date.from(T0.plusSeconds(10))));
    assertThat(m.getClaims(bearer(t)).subject()).isNotNull();
    clock.advance(Duration.ofSeconds(11));
    assertRejected(m, bearer(t), "token expired");
  }

  @Test
  void rejectsNotYetValidAndIssuedInTheFuture() {
    JwtClaimMapper m = mapper(c -> c.clockSkew = Duration.ofSeconds(5));
    assertRejected(m, bearer(token(RSA, b -> b.notBeforeTime(Date.from(T0.plusSeconds(6))))), "not yet valid");
    assertRejected(m, bearer(token(RSA, b -> b.issueTime(Date.from(T0.plusSeconds(6))))), "issued in the future");
  }

  @Test
  void notBeforeWithinSkewIsAccepted() throws Exception {
    JwtClaimMapper m = mapper(c -> c.clockSkew = Duration.ofSeconds(5));
    assertThat(m.getClaims(bearer(token(RSA, b -> b.notBeforeTime(Date.from(T0.plusSeconds(4)))))).subject())
        .isNotNull();
  }

  @Test
  void requiresExpAndSub() {
    JwtClaimMapper m = mapper();
    assertRejected(m, bearer(RSA.token(b -> b.subject("x"))), "no exp");
    assertRejected(m, bearer(RSA.token(b -> b.expirationTime(Date.from(T0.plusSeconds(60))))), "no sub");
    assertRejected(m, bearer(token(RSA, b -> b.subject(" "))), "no sub");
  }

  @Test
  void checksAudienceFromConfigOrTransport() throws Exception {
    JwtClaimMapper m = mapper(c -> c.audience = "gatehouse");
    assertThat(m.getClaims(bearer(token(RSA, b -> b.audience(List.of("other", "gatehouse"))))).subject())
        .isNotNull();
    assertRejected(m, bearer(token(RSA, b -> b.audience("other"))), "audience mismatch");
    assertRejected(m, bearer(token(RSA, b -> {})), "audience mismatch");
    String forCodec = token(RSA, b -> b.audience("codec"));
    assertThat(m.getClaims(new AuthInfo("Bearer " + forCodec, null, null, "codec", null)).subject()).isNotNull();
    // A token cached for one audience is not accepted for another.
    assertRejected(m, bearer(forCodec), "audience mismatch");
  }

  @Test
  void rejectsOversizedTokenBeforeParsing() {
    JwtClaimMapper m = mapper(c -> c.maxTokenSize = 2048);
    String big = token(RSA, b -> b.claim("padding", "x".repeat(3000)));
    assertRejected(m, bearer(big), "longer than 2048");
    assertRejected(m, bearer("A".repeat(5000)), "longer than 2048");
  }

  @Test
  void rejectsGarbage() {
    JwtClaimMapper m = mapper();
    assertRejected(m, bearer("not-a-jwt"), "malformed");
    assertRejected(m, bearer("a.b.c"), "malformed");
    assertRejected(m, bearer("a.b"), "malformed");
    String t = token(RSA, b -> {});
    assertRejected(m, bearer(t + " "), "malformed");
    assertRejected(m, bearer(t.replace(".", ".\n")), "malformed");
    assertRejected(m, bearer(t.substring(0, 10) + "=" + t.substring(10)), "malformed");
  }

  @Test
  void readsPermissionsTheTemporalWay() throws Exception {
    JwtClaimMapper m = mapper();
    Claims c = m.getClaims(bearer(token(RSA, b -> b.claim("permissions", List.of(
        "orders:read", "orders:write", "billing:admin", "temporal-system:read", "Payments:worker",
        "no-colon", "bad:owner", "x:", ":read")).claim("other", 1))));
    assertThat(c.namespaceRole("orders")).isEqualTo(Role.READER.union(Role.WRITER));
    assertThat(c.namespaceRole("billing")).isEqualTo(Role.ADMIN);
    assertThat(c.namespaceRole("Payments")).isEqualTo(Role.WORKER);
    assertThat(c.namespaceRole("payments")).isEqualTo(Role.UNDEFINED);
    assertThat(c.system()).isEqualTo(Role.READER);
    assertThat(c.namespaces()).containsOnlyKeys("orders", "billing", "Payments");
  }

  @Test
  void nonListOrNonStringPermissionsAreIgnored() throws Exception {
    JwtClaimMapper m = mapper();
    assertThat(m.getClaims(bearer(token(RSA, b -> b.claim("permissions", "orders:admin")))).namespaces()).isEmpty();
    assertThat(m.getClaims(bearer(token(RSA, b -> b.claim("permissions", List.of(1, Map.of("a", "b"),
        "orders:read"))))).namespaces()).containsOnlyKeys("orders");
  }

  @Test
  void customClaimName() throws Exception {
    JwtClaimMapper m = mapper(c -> c.permissionsClaimName = "roles");
    Claims c = m.getClaims(bearer(token(RSA, b -> b.claim("roles", List.of("orders:write"))
        .claim("permissions", List.of("temporal-system:admin")))));
    assertThat(c.namespaceRole("orders")).isEqualTo(Role.WRITER);
    assertThat(c.system()).isEqualTo(Role.UNDEFINED);
  }

  @Test
  void permissionsRegexWithNamedGroupsIncludingGoSyntax() throws Exception {
    JwtClaimMapper m = mapper(c -> c.permissionsRegex = "^temporal\\.(?P<namespace>[a-z0-9-]+)\\.(?<role>\\w+)$");
    Claims c = m.getClaims(bearer(token(RSA, b -> b.claim("permissions", List.of(
        "temporal.orders.write", "temporal.temporal-system.admin", "orders:admin", "other.billing.admin")))));
    assertThat(c.namespaces()).containsOnly(Map.entry("orders", Role.WRITER));
    assertThat(c.system()).isEqualTo(Role.ADMIN);
  }

  @Test
  void invalidPermissionsRegexIsAConfigError() {
    assertThatThrownBy(() -> mapper(c -> c.permissionsRegex = "(?<namespace>[a-z]+"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("global.authorization.permissionsRegex");
    assertThatThrownBy(() -> mapper(c -> c.permissionsRegex = "(?<ns>\\w+):(?<role>\\w+)"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("namespace");
  }

  @Test
  void invalidKeySourceIsAConfigError() {
    assertThatThrownBy(() -> create(new AuthConfig().keys("ftp://keys.example/jwks").build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("keySourceURIs[0]");
    AuthConfig two = new AuthConfig().keys(jwks.uri(), "file:jwks.json");
    two.issuers.addAll(List.of("https://a.example", "https://b.example"));
    assertThatThrownBy(() -> create(two.build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("keySourceURIs[1]").hasMessageContaining("absolute");
    assertThatThrownBy(() -> create(new AuthConfig().keys("https:///jwks.json").build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("no host");
  }

  @Test
  void cachesVerifiedTokensByHashAndCanBeTurnedOff() throws Exception {
    String t = token(RSA, b -> {});
    JwtClaimMapper cached = mapper();
    assertThat(cached.getClaims(bearer(t))).isSameAs(cached.getClaims(bearer(t)));
    cached.close();
    JwtClaimMapper uncached = mapper(c -> c.tokenCacheSize = 0);
    Claims a = uncached.getClaims(bearer(t));
    assertThat(uncached.getClaims(bearer(t))).isNotSameAs(a).isEqualTo(a);
  }

  @Test
  void keyRemovedFromJwksDropsCachedTokens() throws Exception {
    JwtClaimMapper m = mapper();
    String t = token(EC, b -> {});
    assertThat(m.getClaims(bearer(t)).subject()).isNotNull();
    jwks.body.set(TestKeys.jwks(RSA));
    // Trigger a reload through an unknown kid; the key set changes and the verified-token cache is dropped.
    assertRejected(m, bearer(token(TestKeys.ec("unknown"), b -> {})), "unknown signing key");
    m.keyRefresh().get(10, TimeUnit.SECONDS);
    assertRejected(m, bearer(t), "unknown signing key");
  }

  @Test
  void keepsLastGoodKeysWhenTheSourceFails() throws Exception {
    JwtClaimMapper m = mapper(c -> {
      c.refreshInterval = Duration.ofSeconds(1);
      c.tokenCacheSize = 0;
    });
    jwks.status.set(500);
    int seen = jwks.requests.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> jwks.requests.get() >= seen + 2);
    assertThat(m.getClaims(bearer(token(RSA, b -> {}))).subject()).isNotNull();
    jwks.status.set(200);
    jwks.body.set("not json");
    int seen2 = jwks.requests.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> jwks.requests.get() >= seen2 + 2);
    assertThat(m.getClaims(bearer(token(ED, b -> {}))).subject()).isNotNull();
  }

  @Test
  void backgroundRefreshPicksUpNewKeys() throws Exception {
    JwtClaimMapper m = mapper(c -> c.refreshInterval = Duration.ofSeconds(1));
    TestKeys.SigningKey added = TestKeys.rsa("rsa-2");
    // Spend the on-demand budget so only the background refresh can load the key.
    assertRejected(m, bearer(token(TestKeys.ec("nope"), b -> {})), "unknown signing key");
    m.keyRefresh().get(10, TimeUnit.SECONDS);
    jwks.body.set(TestKeys.jwks(RSA, added));
    String t = token(added, b -> {});
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      try {
        return m.getClaims(bearer(t)).subject() != null;
      } catch (AuthenticationException e) {
        return false;
      }
    });
  }

  @Test
  @SuppressWarnings("deprecation") // signing with a weak key is the point
  void weakRsaKeysAndKeysForEncryptionAreIgnored() throws Exception {
    com.nimbusds.jose.jwk.RSAKey weak = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(1024, true).keyID("weak")
        .generate();
    com.nimbusds.jose.jwk.ECKey enc = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256)
        .keyID("enc").keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).generate();
    jwks.body.set(new com.nimbusds.jose.jwk.JWKSet(List.of(weak.toPublicJWK(), enc.toPublicJWK(),
        EC.publicJwk())).toString());
    JwtClaimMapper m = mapper();
    String weakToken = TestKeys.token(new TestKeys.SigningKey("weak", JWSAlgorithm.RS256,
        new com.nimbusds.jose.crypto.RSASSASigner(weak.toPrivateKey(), true), weak.toPublicJWK()),
        JWSAlgorithm.RS256, "weak",
        b -> TestKeys.validClaims(T0).build().getClaims().forEach(b::claim));
    assertRejected(m, bearer(weakToken), "unknown signing key");
    String encToken = TestKeys.token(new TestKeys.SigningKey("enc", JWSAlgorithm.ES256,
        new com.nimbusds.jose.crypto.ECDSASigner(enc), enc.toPublicJWK()), JWSAlgorithm.ES256, "enc",
        b -> TestKeys.validClaims(T0).build().getClaims().forEach(b::claim));
    assertRejected(m, bearer(encToken), "unknown signing key");
    assertThat(m.getClaims(bearer(token(EC, b -> {}))).subject()).isNotNull();
  }

  @Test
  void defaultsOfTheConfigRecord() {
    Authorization d = Authorization.DEFAULT;
    assertThat(d.claimMapper()).isEqualTo("default");
    assertThat(d.authorizer()).isEqualTo("default");
    assertThat(d.clockSkew()).isEqualTo(Duration.ofSeconds(60));
    assertThat(d.maxTokenSize()).isEqualTo(16384);
    assertThat(d.tokenCacheSize()).isEqualTo(10_000);
    assertThat(d.exposeDenialReason()).isFalse();
    assertThat(d.propagatePrincipal()).isFalse();
    assertThat(d.certificateRules()).isEmpty();
  }
}
