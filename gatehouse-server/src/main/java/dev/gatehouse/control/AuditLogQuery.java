package dev.gatehouse.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.gatehouse.audit.AuditReader;
import io.grpc.Status;
import io.temporal.api.cloud.auditlog.v1.LogRecord;
import io.temporal.api.cloud.auditlog.v1.Principal;
import io.temporal.api.cloud.cloudservice.v1.GetAuditLogsRequest;
import io.temporal.api.cloud.cloudservice.v1.GetAuditLogsResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * GetAuditLogs over the audit log's file sink: the control plane's own records (face {@code control}), oldest first,
 * each as Cloud's {@code auditlog.v1.LogRecord} (the records' top level has Cloud's fields; {@code raw_details}
 * becomes the Struct).
 */
class AuditLogQuery {
  /** No file sink: every query answers FAILED_PRECONDITION. */
  static final AuditLogQuery NONE = new AuditLogQuery(null);

  private final AuditReader reader;

  AuditLogQuery(AuditReader reader) {
    this.reader = reader;
  }

  GetAuditLogsResponse query(GetAuditLogsRequest r) {
    if (reader == null) {
      throw Validation.precondition("no audit log to read: configure audit.dir (the file sink)");
    }
    int size = Validation.pageSize(r.getPageSize());
    long skip;
    try {
      skip = r.getPageToken().isEmpty() ? 0 : Long.parseLong(r.getPageToken());
    } catch (NumberFormatException e) {
      throw Validation.invalid("invalid page_token");
    }
    if (skip < 0) {
      throw Validation.invalid("invalid page_token");
    }
    Instant from = r.hasStartTimeInclusive() ? Protos.instant(r.getStartTimeInclusive()) : null;
    Instant to = r.hasEndTimeExclusive() ? Protos.instant(r.getEndTimeExclusive()).minusNanos(1) : null;
    List<JsonNode> page = new ArrayList<>();
    long[] seen = {0};
    try {
      reader.forEach(new AuditReader.Filter(from, to, null, null, null, null, null), record -> {
        if (!"control".equals(record.path("raw_details").path("face").asText())) {
          return;
        }
        long n = seen[0]++;
        if (n >= skip && page.size() <= size) {
          page.add(record);
        }
      });
    } catch (IOException e) {
      throw new OpsException(Status.UNAVAILABLE.withDescription("the audit log could not be read"));
    }
    GetAuditLogsResponse.Builder b = GetAuditLogsResponse.newBuilder();
    for (JsonNode record : page.subList(0, Math.min(size, page.size()))) {
      b.addLogs(logRecord(record));
    }
    if (page.size() > size) {
      b.setNextPageToken(Long.toString(skip + size));
    }
    return b.build();
  }

  static LogRecord logRecord(JsonNode r) {
    LogRecord.Builder b = LogRecord.newBuilder()
        .setVersion(r.path("version").asInt())
        .setLogId(r.path("log_id").asText())
        .setOperation(r.path("operation").asText())
        .setStatus(r.path("status").asText())
        .setXForwardedFor(r.path("x_forwarded_for").asText());
    try {
      b.setEmitTime(Protos.timestamp(Instant.parse(r.path("emit_time").asText())));
    } catch (RuntimeException e) {
      // A record without a readable time keeps none.
    }
    JsonNode p = r.path("principal");
    JsonNode d = r.path("raw_details");
    b.setPrincipal(Principal.newBuilder()
        .setType(p.path("type").asText())
        .setId(p.path("id").asText())
        .setName(p.path("name").asText())
        .setApiKeyId(p.path("api_key_id").asText(d.path("api_key_id").asText())));
    if (d.isObject()) {
      Struct.Builder details = Struct.newBuilder();
      try {
        JsonFormat.parser().ignoringUnknownFields().merge(d.toString(), details);
        b.setRawDetails(details);
      } catch (InvalidProtocolBufferException e) {
        // Left out rather than failing the page.
      }
    }
    return b.build();
  }
}
