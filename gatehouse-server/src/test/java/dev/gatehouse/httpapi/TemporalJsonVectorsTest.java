package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.temporal.api.common.v1.Header;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The payload JSON vectors of go.temporal.io/api's own tests ({@code internal/temporalcommonv1/payload_json_test.go}):
 * the message, its long form and its shorthand. Written, each must give both forms; read, the shorthand must give
 * the message back.
 */
class TemporalJsonVectorsTest {
  static final ObjectMapper MAPPER = new ObjectMapper();

  record Vector(String name, Message message, String longform, String shorthand) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Payload payload(String data, String... metadata) {
    Payload.Builder b = Payload.newBuilder();
    for (int i = 0; i < metadata.length; i += 2) {
      b.putMetadata(metadata[i], ByteString.copyFromUtf8(metadata[i + 1]));
    }
    if (data != null) {
      b.setData(ByteString.copyFromUtf8(data));
    }
    return b.build();
  }

  static List<Vector> vectors() {
    return List.of(
        new Vector("json/protobuf", payload("{\"name\":\"workflow-name\"}", "encoding", "json/protobuf",
            "messageType", "temporal.api.common.v1.WorkflowType"),
            "{\"metadata\":{\"encoding\":\"anNvbi9wcm90b2J1Zg==\",\"messageType\":"
                + "\"dGVtcG9yYWwuYXBpLmNvbW1vbi52MS5Xb3JrZmxvd1R5cGU=\"},\"data\":\"eyJuYW1lIjoid29ya2Zsb3ctbmFtZSJ9\"}",
            "{\"_protoMessageType\": \"temporal.api.common.v1.WorkflowType\", \"name\": \"workflow-name\"}"),
        new Vector("binary/null", payload(null, "encoding", "binary/null"),
            "{\"metadata\":{\"encoding\":\"YmluYXJ5L251bGw=\"}}", "{\"metadata\":{\"encoding\":\"YmluYXJ5L251bGw=\"}}"),
        new Vector("memo with varying fields", Memo.newBuilder()
            .putFields("some-string", payload("\"string\"", "encoding", "json/plain"))
            .putFields("some-array", payload("[\"foo\",123,false]", "encoding", "json/plain")).build(),
            "{\"fields\":{\"some-string\":{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},\"data\":\"InN0cmluZyI=\"},"
                + "\"some-array\":{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},"
                + "\"data\":\"WyJmb28iLDEyMyxmYWxzZV0=\"}}}",
            "{\"fields\": {\"some-string\": \"string\", \"some-array\": [\"foo\", 123, false]}}"),
        new Vector("json/plain with empty object", payload("{\"greeting\":{}}", "encoding", "json/plain"),
            "{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},\"data\":\"eyJncmVldGluZyI6e319\"}",
            "{\"greeting\": {}}"),
        new Vector("json/plain with nested object", payload("{\"greeting\":{\"name\":{}}}", "encoding", "json/plain"),
            "{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},\"data\":\"eyJncmVldGluZyI6eyJuYW1lIjp7fX19\"}",
            "{\"greeting\": {\"name\": {}}}"),
        new Vector("json/plain with null", payload("{\"greeting\":null}", "encoding", "json/plain"),
            "{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},\"data\":\"eyJncmVldGluZyI6bnVsbH0=\"}",
            "{\"greeting\": null}"),
        new Vector("empty payloads", Payloads.getDefaultInstance(), "{}", "[]"),
        new Vector("payloads with two items", Payloads.newBuilder()
            .addPayloads(payload("\"string value\"", "encoding", "json/plain"))
            .addPayloads(payload("3243", "encoding", "json/plain")).build(),
            "{\"payloads\":[{\"data\":\"InN0cmluZyB2YWx1ZSI=\",\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"}},"
                + "{\"data\":\"MzI0Mw==\",\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"}}]}",
            "[\"string value\", 3243]"));
  }

  @ParameterizedTest
  @MethodSource("vectors")
  void writtenInBothForms(Vector v) throws Exception {
    assertThat(MAPPER.readTree(TemporalJsonTest.JSON.print(v.message(), true, false)))
        .isEqualTo(MAPPER.readTree(v.shorthand()));
    assertThat(MAPPER.readTree(TemporalJsonTest.JSON.print(v.message(), false, false)))
        .isEqualTo(MAPPER.readTree(v.longform()));
  }

  /** Read where such a value sits in a request: a Payloads as {@code input}, a Payload as a header field. */
  @ParameterizedTest
  @MethodSource("vectors")
  void readBackFromTheShorthand(Vector v) throws Exception {
    String body;
    StartWorkflowExecutionRequest.Builder expected = StartWorkflowExecutionRequest.newBuilder();
    if (v.message() instanceof Payloads p) {
      body = "{\"input\":" + v.shorthand() + "}";
      expected.setInput(p);
    } else if (v.message() instanceof Memo m) {
      body = "{\"memo\":" + v.shorthand() + "}";
      expected.setMemo(m);
    } else {
      body = "{\"header\":{\"fields\":{\"x\":" + v.shorthand() + "}}}";
      expected.setHeader(Header.newBuilder().putFields("x", (Payload) v.message()));
    }
    StartWorkflowExecutionRequest.Builder got = StartWorkflowExecutionRequest.newBuilder();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    TemporalJsonTest.JSON.merge(bytes, bytes.length, got, true);
    assertThat(got.build()).isEqualTo(expected.build());
  }
}
