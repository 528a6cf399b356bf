package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchIssuerTest {
  private static final String DESCRIBE_NAMESPACE =
      "/temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace";

  @TempDir
  Path dir;

  @Test
  void theJwtGatewaysAuthorizationAcceptsTheBenchTokenForTheDefaultNamespaceOnly() {
    BenchIssuer issuer = BenchIssuer.create(dir.resolve("jwks.json"), Clock.systemUTC());
    try (AccessController controller = AccessController.create(BenchCluster.jwtAuthorization(issuer.jwks()), null)) {
      AccessCheck allowed = controller.check(bearer(issuer.authorizationHeader()), DESCRIBE_NAMESPACE, "default", null);
      assertThat(allowed.allowed()).as(allowed.reason()).isTrue();
      assertThat(allowed.claims().subject()).isEqualTo(BenchIssuer.SUBJECT);

      assertThat(controller.check(bearer(issuer.authorizationHeader()), DESCRIBE_NAMESPACE, "other", null).outcome())
          .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      assertThat(controller.check(AuthInfo.none(), DESCRIBE_NAMESPACE, "default", null).allowed()).isFalse();
    }
  }

  @Test
  void aTokenSignedByAnotherKeyWithTheSameKeyIdIsRefused() {
    BenchIssuer issuer = BenchIssuer.create(dir.resolve("jwks.json"), Clock.systemUTC());
    BenchIssuer other = BenchIssuer.create(dir.resolve("other-jwks.json"), Clock.systemUTC());
    try (AccessController controller = AccessController.create(BenchCluster.jwtAuthorization(issuer.jwks()), null)) {
      assertThat(controller.check(bearer(other.authorizationHeader()), DESCRIBE_NAMESPACE, "default", null).outcome())
          .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    }
  }

  @Test
  void theJwksFileHoldsOnlyThePublicKey() throws Exception {
    BenchIssuer issuer = BenchIssuer.create(dir.resolve("jwks.json"), Clock.systemUTC());
    JWKSet set = JWKSet.parse(Files.readString(issuer.jwks()));
    assertThat(set.getKeys()).singleElement().satisfies(k -> {
      assertThat(k.getKeyID()).isEqualTo(BenchIssuer.KEY_ID);
      assertThat(k.isPrivate()).isFalse();
    });
  }

  @Test
  void oneTokenIsReusedUntilHalfItsLifetimeThenReplaced() throws Exception {
    SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    BenchIssuer issuer = BenchIssuer.create(dir.resolve("jwks.json"), clock);
    String first = issuer.authorizationHeader();
    assertThat(first).startsWith("Bearer ");
    assertThat(expiry(first)).isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));

    clock.now = clock.now.plus(Duration.ofMinutes(29));
    assertThat(issuer.authorizationHeader()).isSameAs(first);

    clock.now = clock.now.plus(Duration.ofMinutes(1));
    String second = issuer.authorizationHeader();
    assertThat(second).isNotEqualTo(first);
    assertThat(expiry(second)).isEqualTo(Instant.parse("2026-01-01T01:30:00Z"));
  }

  private static AuthInfo bearer(String header) {
    return new AuthInfo(header, null, null, null, null);
  }

  private static Instant expiry(String header) throws Exception {
    return SignedJWT.parse(header.substring("Bearer ".length())).getJWTClaimsSet().getExpirationTime().toInstant();
  }

  private static final class SettableClock extends Clock {
    Instant now;

    SettableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
