package dev.gatehouse.auth;

import static dev.gatehouse.auth.Fixture.HEALTH_CHECK;
import static dev.gatehouse.auth.Fixture.OP;
import static dev.gatehouse.auth.Fixture.WF;
import static dev.gatehouse.auth.Fixture.bearer;
import static dev.gatehouse.auth.Fixture.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class AccessControllerTest {
  @TempDir Path dir;
  private Fixture f;

  private Fixture fixture(Consumer<AuthConfig> c) throws Exception {
    f = new Fixture(dir, c);
    return f;
  }

  private Fixture fixture() throws Exception {
    return fixture(c -> {});
  }

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void allowsWhatTheRolesAllow() throws Exception {
    Fixture f = fixture();
    AccessCheck c = f.check(bearer(token("alice", "orders:write")), WF + "StartWorkflowExecution", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.ALLOW);
    assertThat(c.allowed()).isTrue();
    assertThat(c.claims().subject()).isEqualTo("alice");
    assertThat(c.method().methodName()).isEqualTo("StartWorkflowExecution");
    assertThat(c.namespace()).isEqualTo("orders");
    assertThat(c.message()).isNull();
    assertThat(c.filtersResponse()).isFalse();
  }

  @Test
  void knownCallerWithoutPermissionIsPermissionDeniedWithTemporalsMessage() throws Exception {
    Fixture f = fixture();
    AccessCheck c = f.check(bearer(token("bob", "orders:read")), WF + "StartWorkflowExecution", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(c.message()).isEqualTo("Request unauthorized.");
    assertThat(c.reason()).contains("writer");
    assertThat(c.claims().subject()).isEqualTo("bob");
    assertThat(f.check(bearer(token("bob", "orders:read")), WF + "DescribeWorkflowExecution", "orders").allowed())
        .isTrue();
    assertThat(f.check(bearer(token("bob", "orders:write")), WF + "StartWorkflowExecution", "billing").outcome())
        .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
  }

  @Test
  void exposeDenialReasonPutsTheReasonInTheMessage() throws Exception {
    Fixture f = fixture(c -> c.exposeDenialReason = true);
    AccessCheck c = f.check(bearer(token("bob", "orders:read")), WF + "StartWorkflowExecution", "orders");
    assertThat(c.message()).startsWith("Request unauthorized. ").contains("StartWorkflowExecution");
    AccessCheck anonymous = f.check(AuthInfo.none(), WF + "StartWorkflowExecution", "orders");
    assertThat(anonymous.message()).startsWith("Request unauthenticated. ");
    AccessCheck invalid = f.check(bearer("x.y.z"), WF + "StartWorkflowExecution", "orders");
    assertThat(invalid.message()).isEqualTo("Request unauthenticated. malformed token");
  }

  @Test
  void missingCredentialsAreUnauthenticated() throws Exception {
    Fixture f = fixture();
    AccessCheck c = f.check(AuthInfo.none(), WF + "StartWorkflowExecution", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    assertThat(c.message()).isEqualTo("Request unauthenticated.");
    assertThat(c.claims().isAnonymous()).isTrue();
    assertThat(f.controller.check(null, WF + "ListNamespaces", null, null).outcome())
        .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
  }

  @Test
  void invalidOrExpiredCredentialsAreUnauthenticated() throws Exception {
    Fixture f = fixture(c -> c.clockSkew = Duration.ZERO);
    String t = token("alice", "temporal-system:admin");
    assertThat(f.check(bearer(t), WF + "StartWorkflowExecution", "orders").allowed()).isTrue();
    f.clock.advance(Duration.ofHours(2));
    AccessCheck c = f.check(bearer(t), WF + "StartWorkflowExecution", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    assertThat(c.reason()).isEqualTo("token expired");
    assertThat(c.message()).isEqualTo("Request unauthenticated.");
    assertThat(f.check(bearer("x.y.z"), WF + "StartWorkflowExecution", "orders").outcome())
        .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
  }

  @Test
  void healthChecksNeedNoCredentialsButBadCredentialsStillFail() throws Exception {
    Fixture f = fixture();
    assertThat(f.check(AuthInfo.none(), HEALTH_CHECK, "").allowed()).isTrue();
    assertThat(f.check(AuthInfo.none(), WF + "GetSystemInfo", "").allowed()).isTrue();
    assertThat(f.check(AuthInfo.none(), "/grpc.health.v1.Health/Watch", "").outcome())
        .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    assertThat(f.check(bearer("garbage"), HEALTH_CHECK, "").outcome())
        .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
  }

  @Test
  void namespaceScopedCallWithoutNamespaceIsInvalidArgument() throws Exception {
    Fixture f = fixture();
    for (String ns : new String[] {"", null}) {
      AccessCheck c = f.check(bearer(token("root", "temporal-system:admin")), WF + "DescribeNamespace", ns);
      assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.INVALID_ARGUMENT);
      assertThat(c.message()).isEqualTo("Namespace not set on request.");
    }
  }

  @Test
  void clusterScopedCallsIgnoreAnyNamespaceGiven() throws Exception {
    Fixture f = fixture();
    // A namespace admin cannot reach a cluster method by naming their namespace.
    AccessCheck c = f.check(bearer(token("ns-admin", "orders:admin")), OP + "ListClusters", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(c.namespace()).isEmpty();
    assertThat(f.check(bearer(token("root", "temporal-system:admin")), OP + "ListClusters", "").allowed()).isTrue();
  }

  @Test
  void unknownMethodsAreDenied() throws Exception {
    Fixture f = fixture(c -> c.authorizer = "noop");
    for (String m : new String[] {"/temporal.server.api.adminservice.v1.AdminService/DescribeCluster",
        WF + "NoSuchMethod", "", null, "StartWorkflowExecution"}) {
      AccessCheck c = f.check(bearer(token("root", "temporal-system:admin")), m, "orders");
      assertThat(c.outcome()).as(m).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
      assertThat(c.reason()).isEqualTo("unknown method");
    }
  }

  @Test
  void noopAuthorizerAllowsEvenAnonymousButOnlyWhenNamed() throws Exception {
    Fixture f = fixture(c -> c.authorizer = "noop");
    assertThat(f.check(AuthInfo.none(), OP + "DeleteNamespace", "orders").allowed()).isTrue();
    // Credentials presented are still verified.
    assertThat(f.check(bearer("garbage"), OP + "DeleteNamespace", "orders").outcome())
        .isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
  }

  @Test
  void noopClaimMapperIdentifiesNobody() throws Exception {
    Fixture f = fixture(c -> c.claimMapper = "noop");
    AccessCheck c = f.check(bearer(token("root", "temporal-system:admin")), WF + "DescribeNamespace", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
  }

  @Test
  void failingClaimMapperFailsClosedWithoutLeakingItsMessage() throws Exception {
    String token = token("alice", "orders:write");
    f = new Fixture(dir, c -> c.exposeDenialReason = true, b -> b.claimMapper(info -> {
      throw new IllegalStateException("boom " + info.authToken());
    }));
    AccessCheck c = f.check(bearer(token), WF + "StartWorkflowExecution", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
    assertThat(c.reason()).doesNotContain(token).contains("IllegalStateException");
    assertThat(c.message()).doesNotContain(token);
  }

  @Test
  void failingOrSilentAuthorizerFailsClosed() throws Exception {
    f = new Fixture(dir, c -> {}, b -> b.authorizer((claims, target) -> {
      throw new IllegalArgumentException("bug");
    }));
    assertThat(f.check(bearer(token("root", "temporal-system:admin")), WF + "DescribeNamespace", "orders").outcome())
        .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    f.close();
    f = new Fixture(dir, c -> {}, b -> b.authorizer((claims, target) -> null));
    AccessCheck c = f.check(bearer(token("root", "temporal-system:admin")), WF + "DescribeNamespace", "orders");
    assertThat(c.outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(c.reason()).contains("no decision");
  }

  @Test
  void mapperThatNeedsNoCredentialsIsAskedAnyway() throws Exception {
    ClaimMapper byAddress = new ClaimMapper() {
      @Override
      public Claims getClaims(AuthInfo info) {
        return new Claims("10.0.0.1", Role.UNDEFINED, Map.of("orders", Role.READER), "address", null);
      }

      @Override
      public boolean authInfoRequired() {
        return false;
      }
    };
    f = new Fixture(dir, c -> {}, b -> b.claimMapper(byAddress));
    assertThat(f.check(AuthInfo.none(), WF + "DescribeNamespace", "orders").allowed()).isTrue();
    assertThat(f.check(AuthInfo.none(), WF + "StartWorkflowExecution", "orders").outcome())
        .isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
  }

  @Test
  void requestIsParsedOnlyWhenAnAuthorizerAsks() throws Exception {
    f = new Fixture(dir, c -> {}, b -> b.authorizer((claims, target) ->
        target.request() != null && target.request().toString().contains("wf-1")
            ? Decision.allow() : Decision.deny("no")));
    byte[] req = io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("orders")
        .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId("wf-1"))
        .build().toByteArray();
    assertThat(f.check(bearer(token("a")), WF + "DescribeWorkflowExecution", "orders", req).allowed()).isTrue();
    assertThat(f.check(bearer(token("a")), WF + "DescribeWorkflowExecution", "orders", new byte[] {(byte) 0xff})
        .outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
  }

  @Test
  void forgeableHeaders() {
    assertThat(PrincipalHeaders.isForgeable("temporal-principal-name")).isTrue();
    assertThat(PrincipalHeaders.isForgeable("Temporal-Principal-Type")).isTrue();
    assertThat(PrincipalHeaders.isForgeable("TEMPORAL-PRINCIPAL-anything")).isTrue();
    assertThat(PrincipalHeaders.isForgeable("gatehouse-subject")).isTrue();
    assertThat(PrincipalHeaders.isForgeable("GateHouse-Audit-Id")).isTrue();
    assertThat(PrincipalHeaders.isForgeable("authorization")).isFalse();
    assertThat(PrincipalHeaders.isForgeable("temporal-namespace")).isFalse();
    assertThat(PrincipalHeaders.isForgeable("x-gatehouse-subject")).isFalse();
    assertThat(PrincipalHeaders.isForgeable(null)).isFalse();
  }

  @Test
  void principalHeadersOnlyWhenConfigured() throws Exception {
    Fixture off = fixture();
    AccessCheck c = off.check(bearer(token("alice", "orders:read")), WF + "DescribeNamespace", "orders");
    assertThat(off.controller.principalHeaders().forCaller(c.claims())).isEmpty();
    off.close();

    f = fixture(cfg -> cfg.propagatePrincipal = true);
    AccessCheck c2 = f.check(bearer(token("älice\r\nx: y", "orders:read")), WF + "DescribeNamespace", "orders");
    assertThat(f.controller.principalHeaders().forCaller(c2.claims())).containsExactly(
        Map.entry("temporal-principal-type", "jwt"),
        Map.entry("temporal-principal-name", "%C3%A4lice%0D%0Ax: y"));
    assertThat(f.controller.principalHeaders().forCaller(Claims.anonymous())).isEmpty();
  }

  @Test
  void countsDecisionsAndTimesThem() throws Exception {
    Fixture f = fixture();
    f.check(bearer(token("a", "orders:write")), WF + "StartWorkflowExecution", "orders");
    f.check(bearer(token("a", "orders:read")), WF + "StartWorkflowExecution", "orders");
    f.check(AuthInfo.none(), WF + "StartWorkflowExecution", "orders");
    // An identified caller without a namespace: anonymous callers are refused before the request is looked at.
    f.check(bearer(token("a", "orders:write")), WF + "StartWorkflowExecution", "");
    f.check(AuthInfo.none(), HEALTH_CHECK, "");
    assertThat(count(f, "allow")).isEqualTo(2);
    assertThat(count(f, "permission_denied")).isEqualTo(1);
    assertThat(count(f, "unauthenticated")).isEqualTo(1);
    assertThat(count(f, "invalid_argument")).isEqualTo(1);
    assertThat(f.registry.get("gatehouse.auth.decision.latency").timer().count()).isEqualTo(5);
  }

  private static double count(Fixture f, String result) {
    return f.registry.get("gatehouse.auth.decisions").tag("result", result).counter().count();
  }

  @Test
  void noTokenInLogsOrMessages() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("dev.gatehouse.auth");
    Level before = logger.getLevel();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
    try {
      f = new Fixture(dir, c -> c.exposeDenialReason = true);
      String good = token("alice", "orders:read");
      String signature = good.substring(good.lastIndexOf('.') + 1);
      String tampered = good.substring(0, good.lastIndexOf('.') + 1) + "A" + signature.substring(1);
      for (String t : new String[] {good, tampered}) {
        AccessCheck c = f.check(bearer(t), WF + "StartWorkflowExecution", "orders");
        assertThat(c.allowed()).isFalse();
        assertThat(c.message() + c.reason()).doesNotContain(signature).doesNotContain(t);
      }
      f.close();
      f = new Fixture(dir, c -> {}, b -> b.claimMapper(info -> {
        throw new IllegalStateException("leaky " + info.authToken());
      }));
      f.check(bearer(good), WF + "StartWorkflowExecution", "orders");
      assertThat(appender.list).isNotEmpty();
      for (ILoggingEvent e : appender.list) {
        String text = e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
        assertThat(text).doesNotContain(signature);
      }
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(before);
    }
  }

  @Test
  void unknownPluginNamesAreConfigErrorsNamingTheKey() {
    assertThatThrownBy(() -> fixture(c -> c.claimMapper = "ldap"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("global.authorization.claimMapper")
        .hasMessageContaining("ldap")
        .hasMessageContaining("example-api-keys");
    assertThatThrownBy(() -> fixture(c -> c.authorizer = "opa"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("global.authorization.authorizer");
    assertThatThrownBy(() -> fixture(c -> c.claimMapper = "default+noop"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("global.authorization.claimMapper");
    assertThatThrownBy(() -> fixture(c -> c.claimMapper = "default+default"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("global.authorization.claimMapper");
    assertThatThrownBy(() -> fixture(c -> c.claimMapper = "default+"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("global.authorization.claimMapper");
  }
}
