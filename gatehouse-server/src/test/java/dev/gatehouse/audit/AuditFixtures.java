package dev.gatehouse.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Events, brokers and read-backs for the audit tests: real files, real keys. */
final class AuditFixtures {
  static final ApiCatalog CATALOG = ApiCatalog.temporal();
  static final String WF = ApiCatalog.WORKFLOW + "/";

  private AuditFixtures() {}

  static ApiMethod method(String name) {
    return CATALOG.find(WF + name);
  }

  static Claims worker() {
    return new Claims("worker-1", Role.UNDEFINED, Map.of("orders", Role.WRITER), "jwt",
        Map.of("jti", "token-42", "email", "secret-looking@example.com"));
  }

  static AuditEvent allowed(String method, String namespace, byte[] request) {
    ApiMethod m = method(method);
    Claims c = worker();
    return event(m, namespace, c, new AccessCheck(AccessCheck.Outcome.ALLOW, c, m, namespace, null, null, false),
        request);
  }

  static AuditEvent denied(String method, String namespace) {
    ApiMethod m = method(method);
    Claims c = worker();
    return event(m, namespace, c, new AccessCheck(AccessCheck.Outcome.PERMISSION_DENIED, c, m, namespace,
        "Request unauthorized.", "worker-1 holds no role in " + namespace, false), new byte[0]);
  }

  static AuditEvent event(ApiMethod m, String namespace, Claims c, AccessCheck access, byte[] request) {
    return new AuditEvent(AuditBroker.newCallId(), "grpc", m, null, namespace, c, access,
        new AuthInfo("Bearer eyJhbGciOi.secret.token", null, null, null, null), null,
        new InetSocketAddress("127.0.0.1", 50123), System.currentTimeMillis(), request,
        request == null ? -1 : request.length, null, 0, 0, -1);
  }

  static AuditEvent closed(AuditEvent e, String status) {
    return new AuditEvent(e.callId(), e.face(), e.method(), e.operation(), e.namespace(), e.claims(), e.access(), e.credentials(),
        e.forwardedFor(), e.remoteAddress(), e.startEpochMillis(), null, e.requestBytes(), status, 0, 321, 1_500_000);
  }

  static AuditKeys keys(Path dir) throws IOException {
    return AuditKeys.loadOrCreate(dir, null);
  }

  static FileSink fileSink(Path dir, AuditKeys keys) throws IOException {
    return FileSink.builder(dir, keys.signing().getPrivate()).node("n1").build();
  }

  static AuditBroker.Builder broker(List<? extends AuditSink> sinks, AuditKeys keys) {
    return AuditBroker.builder(CATALOG, sinks).node("n1").salt(keys.salt());
  }

  static List<JsonNode> records(Path dir) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    new AuditReader(dir).forEach(AuditReader.Filter.ALL, out::add);
    return out;
  }

  static AuditVerifier.Report verify(Path dir, AuditKeys keys) throws IOException {
    return new AuditVerifier(keys.signing().getPublic(), null, null).verify(dir);
  }
}
