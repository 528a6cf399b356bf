package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a record says about a request's content: the targets (workflow, run, task queue, type, other namespaces),
 * read with a scan that skips payloads unparsed; and, at request level, the whole request with every payload and
 * every {@code bytes} field replaced by its size and salted HMAC-SHA256 (Vault's {@code hashstructure}), so a value
 * can be matched against a known one without the record revealing it.
 */
final class RequestDetails {
  /** What a call acts on, as far as its request says; absent parts are {@code null}. */
  record Target(String workflowId, String runId, String taskQueue, String workflowType, List<String> otherNamespaces) {
    static final Target NONE = new Target(null, null, null, null, List.of());

    boolean isEmpty() {
      return workflowId == null && runId == null && taskQueue == null && workflowType == null
          && otherNamespaces.isEmpty();
    }
  }

  private static final String WORKFLOW_EXECUTION = "temporal.api.common.v1.WorkflowExecution";
  private static final String TASK_QUEUE = "temporal.api.taskqueue.v1.TaskQueue";
  private static final String WORKFLOW_TYPE = "temporal.api.common.v1.WorkflowType";
  private static final String PAYLOAD = "temporal.api.common.v1.Payload";
  // Holders of caller data that never name a namespace: not worth descending into.
  private static final Set<String> OPAQUE = Set.of(PAYLOAD, "temporal.api.common.v1.Payloads",
      "temporal.api.common.v1.Memo", "temporal.api.common.v1.Header", "temporal.api.common.v1.SearchAttributes",
      "temporal.api.failure.v1.Failure");
  private static final int MAX_DEPTH = 8;
  private static final int MAX_STRING_CHARS = 1024;

  private final byte[] salt;

  RequestDetails(byte[] salt) {
    this.salt = salt.clone();
  }

  /** The targets of {@code request} (a message of type {@code type}); what cannot be read is left out. */
  static Target target(Descriptor type, byte[] request, String namespace) {
    if (request == null || request.length == 0) {
      return Target.NONE;
    }
    Scan s = new Scan(namespace);
    try {
      s.top(type, CodedInputStream.newInstance(request));
    } catch (IOException | RuntimeException e) {
      // A malformed request is refused elsewhere; the record keeps what was read before the damage.
    }
    return new Target(s.workflowId, s.runId, s.taskQueue, s.workflowType, List.copyOf(s.others));
  }

  private static final class Scan {
    final String namespace;
    String workflowId;
    String runId;
    String taskQueue;
    String workflowType;
    final List<String> others = new ArrayList<>(0);

    Scan(String namespace) {
      this.namespace = namespace == null ? "" : namespace;
    }

    void top(Descriptor type, CodedInputStream in) throws IOException {
      scan(type, in, 0);
    }

    /**
     * One loop for every level: at the top the call's own targets; below it, only the other namespaces the request
     * reaches into (a child workflow, a signal or a cancel in another namespace).
     */
    private void scan(Descriptor type, CodedInputStream in, int depth) throws IOException {
      if (depth > MAX_DEPTH || OPAQUE.contains(type.getFullName())) {
        return;
      }
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return;
        }
        FieldDescriptor f = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
        if (f == null || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          in.skipField(tag);
        } else if (f.getType() == FieldDescriptor.Type.STRING) {
          string(f.getName(), in.readStringRequireUtf8(), depth);
        } else if (f.getType() == FieldDescriptor.Type.MESSAGE) {
          ByteString bytes = in.readBytes();
          if (depth > 0 || !target(f.getMessageType().getFullName(), bytes)) {
            scan(f.getMessageType(), bytes.newCodedInput(), depth + 1);
          }
        } else {
          in.skipField(tag);
        }
      }
    }

    private void string(String field, String v, int depth) {
      if (depth == 0 && field.equals("workflow_id")) {
        workflowId = v;
      } else if (depth == 0 && field.equals("run_id")) {
        runId = v;
      } else if (depth > 0 && field.equals("namespace") && !v.isEmpty() && !v.equals(namespace)
          && !others.contains(v) && others.size() < 16) {
        others.add(v);
      }
    }

    /** Reads a top-level target message; false when {@code type} is not one. */
    private boolean target(String type, ByteString bytes) throws IOException {
      switch (type) {
        case WORKFLOW_EXECUTION -> {
          String[] idRun = twoStrings(bytes);
          workflowId = idRun[0] == null ? workflowId : idRun[0];
          runId = idRun[1] == null ? runId : idRun[1];
        }
        case TASK_QUEUE -> taskQueue = twoStrings(bytes)[0];
        case WORKFLOW_TYPE -> workflowType = twoStrings(bytes)[0];
        default -> {
          return false;
        }
      }
      return true;
    }

    /** Fields 1 and 2 of a small message when they are strings (WorkflowExecution, TaskQueue, WorkflowType). */
    private static String[] twoStrings(ByteString bytes) throws IOException {
      String[] out = new String[2];
      CodedInputStream in = bytes.newCodedInput();
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return out;
        }
        int n = WireFormat.getTagFieldNumber(tag);
        if ((n == 1 || n == 2) && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          out[n - 1] = in.readStringRequireUtf8();
        } else {
          in.skipField(tag);
        }
      }
    }
  }

  /**
   * Writes {@code request} parsed as {@code prototype}'s type, payloads and bytes hashed; a request that does not
   * parse is written as its size and hash alone.
   */
  void writeRequest(JsonGenerator out, Message prototype, byte[] request) throws IOException {
    Message parsed;
    try {
      parsed = prototype.getParserForType().parseFrom(request);
    } catch (InvalidProtocolBufferException e) {
      writeHashed(out, request);
      return;
    }
    writeMessage(out, parsed, 0);
  }

  private void writeMessage(JsonGenerator out, Message m, int depth) throws IOException {
    if (m.getDescriptorForType().getFullName().equals(PAYLOAD) || depth > 32) {
      writeHashed(out, m.toByteArray());
      return;
    }
    out.writeStartObject();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      out.writeFieldName(f.getJsonName());
      if (f.isRepeated()) {
        out.writeStartArray();
        for (Object v : (List<?>) e.getValue()) {
          writeValue(out, f, v, depth);
        }
        out.writeEndArray();
      } else {
        writeValue(out, f, e.getValue(), depth);
      }
    }
    out.writeEndObject();
  }

  private void writeValue(JsonGenerator out, FieldDescriptor f, Object v, int depth) throws IOException {
    switch (f.getJavaType()) {
      case MESSAGE -> writeMessage(out, (Message) v, depth + 1);
      case BYTE_STRING -> writeHashed(out, ((ByteString) v).toByteArray());
      case ENUM -> out.writeString(((EnumValueDescriptor) v).getName());
      case STRING -> {
        String s = (String) v;
        out.writeString(s.length() > MAX_STRING_CHARS ? s.substring(0, MAX_STRING_CHARS) + "…" : s);
      }
      case BOOLEAN -> out.writeBoolean((Boolean) v);
      case INT -> out.writeNumber((Integer) v);
      case LONG -> out.writeNumber((Long) v);
      case FLOAT -> out.writeNumber((Float) v);
      case DOUBLE -> out.writeNumber((Double) v);
    }
  }

  private void writeHashed(JsonGenerator out, byte[] data) throws IOException {
    out.writeStartObject();
    out.writeNumberField("size", data.length);
    out.writeStringField("hmac_sha256", hmac(data));
    out.writeEndObject();
  }

  /** Hex HMAC-SHA256 of {@code data} under the installation's salt. */
  String hmac(byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(data));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
