package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.gatehouse.MutableClock;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.Listen;
import dev.gatehouse.config.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each JWKS source signs only for its own issuer (invariant 7), and {@code sub} must be a string. */
class JwtIssuerBindingTest {
  private static final TestKeys.SigningKey CORP = TestKeys.ec("corp-1");
  private static final TestKeys.SigningKey PARTNER = TestKeys.ec("partner-1");
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final String CORP_ISS = "https://login.corp.example";
  private static final String PARTNER_ISS = "https://idp.partner.example";

  @TempDir Path dir;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private String corpJwks;
  private String partnerJwks;
  private JwtClaimMapper mapper;

  @BeforeEach
  void keys() throws Exception {
    Path corp = dir.resolve("corp.json");
    Path partner = dir.resolve("partner.json");
    Files.writeString(corp, TestKeys.jwks(CORP));
    Files.writeString(partner, TestKeys.jwks(PARTNER));
    corpJwks = corp.toUri().toString();
    partnerJwks = partner.toUri().toString();
  }

  @AfterEach
  void stop() {
    if (mapper != null) {
      mapper.close();
    }
    scheduler.shutdownNow();
  }

  private JwtClaimMapper create(Consumer<AuthConfig> c) {
    AuthConfig cfg = new AuthConfig();
    c.accept(cfg);
    return new JwtClaimMapper(PluginContext.builder(cfg.build()).clock(new MutableClock(T0)).scheduler(scheduler)
        .build());
  }

  private static AuthInfo bearer(TestKeys.SigningKey key, Consumer<JWTClaimsSet.Builder> extra) {
    return new AuthInfo("Bearer " + key.token(b -> {
      TestKeys.validClaims(T0).build().getClaims().forEach(b::claim);
      b.claim("permissions", List.of("temporal-system:admin"));
      extra.accept(b);
    }), null, null, null, null);
  }

  @Test
  void aSourceCannotSignForAnotherIssuer() throws Exception {
    mapper = create(c -> {
      c.keys(corpJwks, partnerJwks);
      c.issuers.addAll(List.of(CORP_ISS, PARTNER_ISS));
    });
    assertThat(mapper.getClaims(bearer(CORP, b -> b.issuer(CORP_ISS))).system()).isEqualTo(Role.ADMIN);
    assertThat(mapper.getClaims(bearer(PARTNER, b -> b.issuer(PARTNER_ISS))).system()).isEqualTo(Role.ADMIN);

    // The partner's key, claiming to be the corporate issuer: refused.
    assertThatThrownBy(() -> mapper.getClaims(bearer(PARTNER, b -> b.issuer(CORP_ISS))))
        .isInstanceOf(AuthenticationException.class).hasMessageContaining("issuer does not own");
    assertThatThrownBy(() -> mapper.getClaims(bearer(CORP, b -> b.issuer(PARTNER_ISS))))
        .isInstanceOf(AuthenticationException.class).hasMessageContaining("issuer does not own");
    // No iss, or a non-string one: no issuer owns the key.
    assertThatThrownBy(() -> mapper.getClaims(bearer(PARTNER, b -> {})))
        .isInstanceOf(AuthenticationException.class).hasMessageContaining("issuer does not own");
    assertThatThrownBy(() -> mapper.getClaims(bearer(PARTNER, b -> b.claim("iss", List.of(PARTNER_ISS)))))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void severalSourcesWithoutIssuersAreAConfigurationError() {
    assertThatThrownBy(() -> create(c -> c.keys(corpJwks, partnerJwks)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("global.authorization.jwtKeyProvider.issuers")
        .hasMessageContaining("more than one");
    assertThatThrownBy(() -> create(c -> {
      c.keys(corpJwks, partnerJwks);
      c.issuers.add(CORP_ISS);
    })).isInstanceOf(ConfigException.class).hasMessageContaining("one issuer per key source");
    assertThatThrownBy(() -> create(c -> {
      c.keys(corpJwks, partnerJwks);
      c.issuers.addAll(List.of(CORP_ISS, " "));
    })).isInstanceOf(ConfigException.class).hasMessageContaining("issuers[1]");

    // The static validator says the same before anything starts.
    AuthConfig cfg = new AuthConfig().keys(corpJwks, partnerJwks);
    Authorization auth = cfg.build();
    GatehouseConfig config = new GatehouseConfig(new Global(null, auth),
        new Listen("127.0.0.1:0", null, Duration.ofSeconds(1)), new Upstream("127.0.0.1:7233", null), null);
    assertThatThrownBy(() -> ConfigValidator.validate(ConfigLoader.of(config)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("global.authorization.jwtKeyProvider.issuers");
  }

  @Test
  void oneSourceWithoutIssuersDoesNotCheckIssAsInTemporal() throws Exception {
    mapper = create(c -> c.keys(corpJwks));
    assertThat(mapper.getClaims(bearer(CORP, b -> b.issuer("anyone"))).system()).isEqualTo(Role.ADMIN);
    assertThat(mapper.getClaims(bearer(CORP, b -> {})).system()).isEqualTo(Role.ADMIN);
  }

  @Test
  void aNumericSubIsRefusedAsTemporalRefusesIt() throws Exception {
    mapper = create(c -> c.keys(corpJwks));
    assertThatThrownBy(() -> mapper.getClaims(bearer(CORP, b -> b.claim("sub", 12345))))
        .isInstanceOf(AuthenticationException.class).hasMessageContaining("sub");
    assertThatThrownBy(() -> mapper.getClaims(bearer(CORP, b -> b.claim("sub", true))))
        .isInstanceOf(AuthenticationException.class);
    assertThat(mapper.getClaims(bearer(CORP, b -> b.subject("12345"))).subject()).isEqualTo("12345");
  }
}
