package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.MutableClock;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.PeerCertificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client certificate is checked when the connection opens, but a connection can outlive it: every call compares
 * the leaf's validity with the clock.
 */
class LeafValidityPerCallTest {
  private static final CertificateAuthority CA =
      CertificateAuthority.create("Clients CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));

  @Test
  void aCertificateThatExpiresOnAnOpenConnectionStopsWorking() {
    Instant notBefore = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter = notBefore.plus(Duration.ofHours(1));
    PeerCertificate peer = PeerCertificate.of(CA.leaf("worker").clientAuth().validity(notBefore, notAfter).issue()
        .chain());
    MutableClock clock = new MutableClock(notBefore.plus(Duration.ofMinutes(30)));
    AuthConfig cfg = new AuthConfig();
    cfg.claimMapper = "mtls";
    cfg.certificateRules.add(new CertificateRule("worker", null, null, null, Map.of("orders", "write"), null));
    try (AccessController access = AccessController.builder(cfg.build()).clock(clock)
        .tls(MtlsClaimMapperTest.frontendTrusting(CA.certificate())).build()) {
      ApiMethod start = ApiCatalog.temporal().find(ApiCatalog.WORKFLOW + "/StartWorkflowExecution");
      AuthInfo info = new AuthInfo(null, null, peer, null, null);

      assertThat(access.identify(info, start).refused()).isFalse();
      assertThat(access.check(info, start.fullName(), "orders", null).allowed()).isTrue();

      clock.set(notAfter.plusSeconds(1));
      Identification expired = access.identify(info, start);
      assertThat(expired.refused()).isTrue();
      assertThat(expired.refusal().outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
      assertThat(expired.refusal().reason()).contains("expired");
      // Even for calls anyone may make: the connection's credential is no longer valid.
      ApiMethod health = ApiCatalog.temporal().find(ApiCatalog.WORKFLOW + "/GetSystemInfo");
      assertThat(access.identify(info, health).refused()).isTrue();

      clock.set(notBefore.minusSeconds(1));
      assertThat(access.identify(info, start).refusal().reason()).contains("not yet valid");
    }
  }
}
