package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.Message;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.tls.PeerCertificate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The record's JSON: the top level as Temporal Cloud's {@code temporal.api.cloud.auditlog.v1.LogRecord} in its
 * JSON form ({@code version}, {@code log_id}, {@code emit_time}, {@code operation}, {@code status},
 * {@code principal}, {@code x_forwarded_for}, {@code raw_details}), Gatehouse's own fields in {@code raw_details}.
 *
 * <p>A record is rendered on the caller's thread without its chain fields; the writer thread appends those
 * ({@code node}, {@code seq}, {@code prev_sha256}) as the last members of {@code raw_details}, so the bytes the
 * chain hashes are produced once and never re-serialized.
 */
final class RecordFormat {
  /** The {@code version} of the record schema; raw_details carries {@code schema: gatehouse.audit/1}. */
  static final int VERSION = 1;
  static final String SCHEMA = "gatehouse.audit/1";
  private static final byte[] CLOSE = "}}".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_FORWARDED_FOR = 256;

  private final JsonFactory json = new JsonFactory();
  private final String node;
  private final ApiCatalog catalog;
  private final RequestDetails details;
  private final byte[] chainPrefix;

  RecordFormat(String node, ApiCatalog catalog, RequestDetails details) {
    this.node = node;
    this.catalog = catalog;
    this.details = details;
    this.chainPrefix = (",\"node\":" + quoted(node) + ",\"seq\":").getBytes(StandardCharsets.UTF_8);
  }

  String node() {
    return node;
  }

  /** A call's record of {@code kind} ({@code decision}, {@code completion} or {@code rejected}), unchained. */
  byte[] call(String kind, AuditEvent call, AuditLevel level, long emitMillis) {
    AccessCheck access = call.access();
    boolean completion = kind.equals("completion");
    String status = completion || access == null ? nonNull(call.status(), "UNKNOWN") : decisionStatus(access);
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(768);
      try (JsonGenerator g = json.createGenerator(bytes)) {
        g.writeStartObject();
        g.writeNumberField("version", VERSION);
        g.writeStringField("log_id", completion ? call.callId() + ".c" : call.callId());
        g.writeStringField("emit_time", emitTime(emitMillis));
        g.writeStringField("operation", call.operation() != null ? call.operation() : call.method().methodName());
        g.writeStringField("status", status);
        writePrincipal(g, call.claims());
        g.writeStringField("x_forwarded_for", forwardedFor(call));
        g.writeObjectFieldStart("raw_details");
        g.writeStringField("schema", SCHEMA);
        g.writeStringField("kind", kind);
        if (completion) {
          g.writeStringField("call_id", call.callId());
        }
        g.writeStringField("api", call.method().fullName());
        if (call.operation() != null) {
          g.writeStringField("checked_as", call.method().methodName());
        }
        g.writeStringField("face", call.face());
        g.writeStringField("namespace", nonNull(call.namespace(), ""));
        g.writeStringField("access_class", call.method().access().name().toLowerCase(java.util.Locale.ROOT));
        writeDecision(g, access);
        if (completion || access == null) {
          g.writeStringField("grpc_status", nonNull(call.status(), "UNKNOWN"));
          if (call.httpStatus() != 0) {
            g.writeNumberField("http_status", call.httpStatus());
          }
          g.writeNumberField("latency_us", call.latencyNanos() < 0 ? -1 : call.latencyNanos() / 1000);
          g.writeNumberField("response_bytes", call.responseBytes());
        }
        g.writeNumberField("request_bytes", call.requestBytes());
        if (!completion && call.request() != null) {
          writeTarget(g, call);
          if (level == AuditLevel.REQUEST) {
            Message prototype = prototype(call);
            if (prototype != null) {
              g.writeFieldName("request");
              details.writeRequest(g, prototype, call.request());
            }
          }
        }
        writeCredentials(g, call);
        g.writeEndObject();
        g.writeEndObject();
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // The control plane's calls come from its own catalog; one broker records every face.
  private Message prototype(AuditEvent call) {
    for (ApiCatalog c : new ApiCatalog[] {catalog, ApiCatalog.cloud()}) {
      if (c.owns(call.method())) {
        return c.requestPrototype(call.method());
      }
    }
    return null;
  }

  /** A record the log writes about itself: {@code gap}, {@code start}, {@code repair}. */
  byte[] event(String kind, String logId, long emitMillis, String message, long count) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
      try (JsonGenerator g = json.createGenerator(bytes)) {
        g.writeStartObject();
        g.writeNumberField("version", VERSION);
        g.writeStringField("log_id", logId);
        g.writeStringField("emit_time", emitTime(emitMillis));
        g.writeStringField("operation", "AuditLog." + kind);
        g.writeStringField("status", "OK");
        g.writeObjectFieldStart("principal");
        g.writeStringField("type", "system");
        g.writeStringField("id", "gatehouse");
        g.writeStringField("name", "gatehouse audit log");
        g.writeEndObject();
        g.writeStringField("x_forwarded_for", "");
        g.writeObjectFieldStart("raw_details");
        g.writeStringField("schema", SCHEMA);
        g.writeStringField("kind", kind);
        g.writeStringField("message", message);
        g.writeNumberField("count", count);
        g.writeEndObject();
        g.writeEndObject();
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code body} with its chain fields: the line the chain hashes. */
  byte[] chained(byte[] body, long seq, byte[] previousHash) {
    byte[] seqText = Long.toString(seq).getBytes(StandardCharsets.US_ASCII);
    String prev = HexFormat.of().formatHex(previousHash);
    int head = body.length - CLOSE.length;
    byte[] tail = (",\"prev_sha256\":\"" + prev + "\"}}").getBytes(StandardCharsets.US_ASCII);
    byte[] line = Arrays.copyOf(body, head + chainPrefix.length + seqText.length + tail.length);
    System.arraycopy(chainPrefix, 0, line, head, chainPrefix.length);
    System.arraycopy(seqText, 0, line, head + chainPrefix.length, seqText.length);
    System.arraycopy(tail, 0, line, head + chainPrefix.length + seqText.length, tail.length);
    return line;
  }

  /**
   * RFC 3339 UTC with milliseconds, as protobuf's JSON writes a {@code Timestamp}. By hand because
   * {@code Instant.toString} (a {@code DateTimeFormatter}) was an eighth of a record's rendering time.
   */
  static String emitTime(long epochMillis) {
    long seconds = Math.floorDiv(epochMillis, 1000L);
    java.time.LocalDate day = java.time.LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
    int year = day.getYear();
    if (year < 0 || year > 9999) {
      return Instant.ofEpochMilli(epochMillis).toString();
    }
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    byte[] t = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0', '.',
        '0', '0', '0', 'Z'};
    digits(t, 0, 4, year);
    digits(t, 5, 2, day.getMonthValue());
    digits(t, 8, 2, day.getDayOfMonth());
    digits(t, 11, 2, secondOfDay / 3600);
    digits(t, 14, 2, secondOfDay / 60 % 60);
    digits(t, 17, 2, secondOfDay % 60);
    digits(t, 20, 3, millis);
    return new String(t, StandardCharsets.US_ASCII);
  }

  private static void digits(byte[] into, int at, int width, int value) {
    for (int i = at + width - 1; i >= at; i--) {
      into[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }

  private static String decisionStatus(AccessCheck access) {
    return switch (access.outcome()) {
      case ALLOW -> "OK";
      case UNAUTHENTICATED -> "UNAUTHENTICATED";
      case PERMISSION_DENIED -> "PERMISSION_DENIED";
      case INVALID_ARGUMENT -> "INVALID_ARGUMENT";
    };
  }

  private static void writeDecision(JsonGenerator g, AccessCheck access) throws IOException {
    if (access == null) {
      g.writeStringField("decision", "deny");
      g.writeStringField("reason_code", "malformed");
      return;
    }
    g.writeStringField("decision", access.allowed() ? "allow" : "deny");
    g.writeStringField("reason_code", access.outcome().name().toLowerCase(java.util.Locale.ROOT));
    if (access.reason() != null) {
      g.writeStringField("reason", access.reason());
    }
  }

  private static void writePrincipal(JsonGenerator g, Claims claims) throws IOException {
    g.writeObjectFieldStart("principal");
    g.writeStringField("type", claims.isAnonymous() ? "anonymous" : nonNull(claims.authType(), "unknown"));
    g.writeStringField("id", nonNull(claims.subject(), ""));
    // A store principal's name is its email or service account name; otherwise the subject names it.
    Object name = claims.extensions().get(dev.gatehouse.auth.StoreClaims.PRINCIPAL_NAME);
    g.writeStringField("name", name instanceof String n ? n : nonNull(claims.subject(), ""));
    g.writeEndObject();
  }

  private void writeTarget(JsonGenerator g, AuditEvent call) throws IOException {
    Message prototype = prototype(call);
    if (prototype == null) {
      return;
    }
    RequestDetails.Target t =
        RequestDetails.target(prototype.getDescriptorForType(), call.request(), call.namespace());
    if (t.isEmpty()) {
      return;
    }
    g.writeObjectFieldStart("target");
    if (t.workflowId() != null) {
      g.writeStringField("workflow_id", t.workflowId());
    }
    if (t.runId() != null) {
      g.writeStringField("run_id", t.runId());
    }
    if (t.taskQueue() != null) {
      g.writeStringField("task_queue", t.taskQueue());
    }
    if (t.workflowType() != null) {
      g.writeStringField("workflow_type", t.workflowType());
    }
    if (!t.otherNamespaces().isEmpty()) {
      g.writeArrayFieldStart("other_namespaces");
      for (String ns : t.otherNamespaces()) {
        g.writeString(ns);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private void writeCredentials(JsonGenerator g, AuditEvent call) throws IOException {
    Claims claims = call.claims();
    if (claims.authType() != null) {
      g.writeStringField("auth_type", claims.authType());
    }
    PeerCertificate peer = call.credentials().tlsPeer();
    if (peer != null) {
      g.writeStringField("cert_sha256", peer.sha256Fingerprint());
      g.writeStringField("cert_subject", peer.subject());
    }
    if (claims.authType() != null && claims.authType().contains("jwt")) {
      g.writeStringField("token_subject", nonNull(claims.subject(), ""));
      if (claims.extensions().get("jti") instanceof String jti) {
        g.writeStringField("token_jti", jti);
      }
    }
    Object storeKey = claims.extensions().get(dev.gatehouse.auth.StoreClaims.API_KEY_ID);
    if ((storeKey != null ? storeKey : claims.extensions().get("api_key_id")) instanceof String keyId) {
      g.writeStringField("api_key_id", keyId);
    }
    // The elevated grant the call was made under: the one for its namespace, else an account role grant.
    if (claims.extensions().get(dev.gatehouse.auth.StoreClaims.ELEVATED_GRANTS) instanceof java.util.Map<?, ?> grants) {
      Object grant = grants.get(call.namespace() == null ? "" : call.namespace());
      if (grant == null) {
        grant = grants.get("");
      }
      if (grant instanceof String id) {
        g.writeStringField("elevated_grant_id", id);
      }
    }
    g.writeStringField("remote_address", address(call.remoteAddress()));
  }

  private static String forwardedFor(AuditEvent call) {
    String header = call.forwardedFor();
    if (header != null && !header.isBlank()) {
      return header.length() > MAX_FORWARDED_FOR ? header.substring(0, MAX_FORWARDED_FOR) : header;
    }
    SocketAddress remote = call.remoteAddress();
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress()
        : "";
  }

  private static String address(SocketAddress a) {
    if (a instanceof InetSocketAddress inet) {
      String host = inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
      return host + ":" + inet.getPort();
    }
    return a == null ? "" : a.toString();
  }

  private static String nonNull(String s, String otherwise) {
    return s == null ? otherwise : s;
  }

  private String quoted(String s) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (JsonGenerator g = json.createGenerator(bytes)) {
        g.writeString(s);
      }
      return bytes.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
