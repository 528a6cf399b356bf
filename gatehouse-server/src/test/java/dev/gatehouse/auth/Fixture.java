package dev.gatehouse.auth;

import dev.gatehouse.MutableClock;
import dev.gatehouse.tls.PeerCertificate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/** An access controller over real JWTs (ES256, JWKS in a temp file) for pipeline tests. */
final class Fixture implements AutoCloseable {
  static final String WF = "/temporal.api.workflowservice.v1.WorkflowService/";
  static final String OP = "/temporal.api.operatorservice.v1.OperatorService/";
  static final String HEALTH_CHECK = "/grpc.health.v1.Health/Check";

  private static final TestKeys.SigningKey KEY = TestKeys.ec("fixture-1");
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  final MutableClock clock = new MutableClock(T0);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final AccessController controller;

  Fixture(Path dir, Consumer<AuthConfig> config) throws IOException {
    this(dir, config, b -> {});
  }

  Fixture(Path dir, Consumer<AuthConfig> config, Consumer<AccessController.Builder> builder) throws IOException {
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, TestKeys.jwks(KEY));
    AuthConfig cfg = new AuthConfig().keys(jwks.toUri().toString());
    config.accept(cfg);
    AccessController.Builder b = AccessController.builder(cfg.build()).meterRegistry(registry).clock(clock);
    builder.accept(b);
    controller = b.build();
  }

  static String token(String subject, String... permissions) {
    return KEY.token(b -> {
      TestKeys.validClaims(T0).build().getClaims().forEach(b::claim);
      b.subject(subject).claim("permissions", List.of(permissions));
    });
  }

  static AuthInfo bearer(String token) {
    return new AuthInfo("Bearer " + token, null, null, null, null);
  }

  static AuthInfo bearerAndCert(String token, PeerCertificate peer) {
    return new AuthInfo(token == null ? null : "Bearer " + token, null, peer, null, null);
  }

  AccessCheck check(AuthInfo info, String method, String namespace) {
    return controller.check(info, method, namespace, null);
  }

  AccessCheck check(AuthInfo info, String method, String namespace, byte[] request) {
    return controller.check(info, method, namespace, request);
  }

  @Override
  public void close() {
    controller.close();
  }
}
