package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Temporal's JSON both ways, with and without the payload shorthand (go.temporal.io/api payload_json.go rules). */
class TemporalJsonTest {
  static final TemporalJson JSON = new TemporalJson(List.of(
      io.temporal.api.errordetails.v1.MessageProto.getDescriptor(),
      io.temporal.api.workflowservice.v1.RequestResponseProto.getDescriptor()));
  static final ObjectMapper MAPPER = new ObjectMapper();

  static Payload payload(String encoding, String data) {
    return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8(encoding))
        .setData(ByteString.copyFromUtf8(data)).build();
  }

  static StartWorkflowExecutionRequest parse(String json, boolean shorthand) throws Exception {
    StartWorkflowExecutionRequest.Builder b = StartWorkflowExecutionRequest.newBuilder();
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    JSON.merge(bytes, bytes.length, b, shorthand);
    return b.build();
  }

  static String data(Payload p) {
    return p.getData().toStringUtf8();
  }

  static String encoding(Payload p) {
    return p.getMetadataOrThrow("encoding").toStringUtf8();
  }

  @Test
  void shorthandInputBecomesJsonPlainPayloadsWrittenAsGoWritesThem() throws Exception {
    StartWorkflowExecutionRequest r = parse("""
        {"workflowType":{"name":"w"},"input":[{"b":1,"a":"<x>","c":[]}, "ada", 1.0, 1e2, 0.5, null, true]}
        """, true);
    List<Payload> in = r.getInput().getPayloadsList();
    assertThat(in).hasSize(7);
    assertThat(in.subList(0, 5)).allSatisfy(p -> assertThat(encoding(p)).isEqualTo("json/plain"));
    assertThat(data(in.get(0))).isEqualTo("{\"a\":\"\\u003cx\\u003e\",\"b\":1,\"c\":null}");
    assertThat(data(in.get(1))).isEqualTo("\"ada\"");
    assertThat(data(in.get(2))).isEqualTo("1");
    assertThat(data(in.get(3))).isEqualTo("100");
    assertThat(data(in.get(4))).isEqualTo("0.5");
    assertThat(encoding(in.get(5))).isEqualTo("binary/null");
    assertThat(in.get(5).getData()).isEmpty();
    assertThat(data(in.get(6))).isEqualTo("true");
  }

  @Test
  void standardPayloadsAndProtoMessagesAreRecognisedInShorthandInput() throws Exception {
    StartWorkflowExecutionRequest r = parse("""
        {"input":[{"metadata":{"encoding":"YmluYXJ5L2VuY3J5cHRlZA=="},"data":"AAEC"},
                  {"_protoMessageType":"temporal.api.common.v1.WorkflowType","name":"w"},
                  {"metadata":{"encoding":"YmluYXJ5L251bGw="}}],
         "memo":{"fields":{"k":{"x":1}}}}
        """, true);
    List<Payload> in = r.getInput().getPayloadsList();
    assertThat(encoding(in.get(0))).isEqualTo("binary/encrypted");
    assertThat(in.get(0).getData().toByteArray()).containsExactly(0, 1, 2);
    assertThat(encoding(in.get(1))).isEqualTo("json/protobuf");
    assertThat(in.get(1).getMetadataOrThrow("messageType").toStringUtf8())
        .isEqualTo("temporal.api.common.v1.WorkflowType");
    assertThat(data(in.get(1))).isEqualTo("{\"name\":\"w\"}");
    assertThat(encoding(in.get(2))).isEqualTo("binary/null");
    assertThat(data(r.getMemo().getFieldsOrThrow("k"))).isEqualTo("{\"x\":1}");
  }

  @Test
  void withoutShorthandOnlyTheStandardFormIsAccepted() throws Exception {
    StartWorkflowExecutionRequest r = parse(
        "{\"input\":{\"payloads\":[{\"metadata\":{\"encoding\":\"anNvbi9wbGFpbg==\"},\"data\":\"ImFkYSI=\"}]}}", false);
    assertThat(data(r.getInput().getPayloads(0))).isEqualTo("\"ada\"");
    assertThatThrownBy(() -> parse("{\"input\":[\"ada\"]}", false)).isInstanceOf(TemporalJson.BadJson.class);
  }

  @Test
  void enumsAreReadByNameShortNameAndNumber() throws Exception {
    for (String v : List.of("\"HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT\"", "\"CloseEvent\"", "2", "\"2\"")) {
      GetWorkflowExecutionHistoryRequest.Builder b = GetWorkflowExecutionHistoryRequest.newBuilder();
      byte[] body = ("{\"historyEventFilterType\":" + v + "}").getBytes(StandardCharsets.UTF_8);
      JSON.merge(body, body.length, b, true);
      assertThat(b.getHistoryEventFilterType()).as(v).isEqualTo(HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
    }
    byte[] bad = "{\"historyEventFilterType\":\"Sometimes\"}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> JSON.merge(bad, bad.length, GetWorkflowExecutionHistoryRequest.newBuilder(), true))
        .isInstanceOf(TemporalJson.BadJson.class);
  }

  @Test
  void malformedDuplicateAndMistypedBodiesAreRefusedWithoutQuotingThem() {
    for (String body : List.of("{\"workflowType\":", "[1]", "{\"nope\":1}", "{\"workflowType\":7}",
        "{\"namespace\":\"a\",\"namespace\":\"b\"}", "{\"input\":[{\"_protoMessageType\":1}]}", "{} {}")) {
      assertThatThrownBy(() -> parse(body, true)).as(body).isInstanceOf(TemporalJson.BadJson.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("nope", "workflowType\":7"));
    }
  }

  @Test
  void deepNestingIsRefusedNotRecursedInto() {
    String deep = "{\"input\":[" + "[".repeat(100_000) + "]".repeat(100_000) + "]}";
    assertThatThrownBy(() -> parse(deep, true)).isInstanceOf(TemporalJson.BadJson.class);
    String deepStruct = "{\"header\":{\"fields\":{}},\"searchAttributes\":{\"indexedFields\":{\"a\":"
        + "{\"x\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}}}";
    assertThatThrownBy(() -> parse(deepStruct, true)).isInstanceOf(TemporalJson.BadJson.class);
  }

  @Test
  void anEmptyBodyIsAnEmptyRequest() throws Exception {
    assertThat(parse("", true)).isEqualTo(StartWorkflowExecutionRequest.getDefaultInstance());
    assertThat(parse(" \n", true)).isEqualTo(StartWorkflowExecutionRequest.getDefaultInstance());
  }

  @Test
  void shorthandOutputWritesValuesAndKeepsTheStandardFormForOtherEncodings() throws Exception {
    QueryWorkflowResponse plain = QueryWorkflowResponse.newBuilder().setQueryResult(Payloads.newBuilder()
        .addPayloads(payload("json/plain", "{\"b\":[],\"a\":12345678901234567890,\"c\":1.5e-7}"))
        .addPayloads(payload("json/plain", "\"ada\""))).build();
    assertThat(JSON.print(plain, true, false))
        .isEqualTo("{\"queryResult\":[{\"a\":12345678901234567000,\"b\":null,\"c\":1.5e-7},\"ada\"]}");

    Payload proto = Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/protobuf"))
        .putMetadata("messageType", ByteString.copyFromUtf8("temporal.api.common.v1.WorkflowType"))
        .setData(ByteString.copyFromUtf8("{\"name\":\"w\"}")).build();
    Payload nothing = Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("binary/null")).build();
    QueryWorkflowResponse mixed = QueryWorkflowResponse.newBuilder().setQueryResult(Payloads.newBuilder()
        .addPayloads(proto).addPayloads(nothing)).build();
    assertThat(MAPPER.readTree(JSON.print(mixed, true, false))).isEqualTo(MAPPER.readTree("""
        {"queryResult":[{"_protoMessageType":"temporal.api.common.v1.WorkflowType","name":"w"},
                        {"metadata":{"encoding":"YmluYXJ5L251bGw="}}]}"""));

    Payload encrypted = payload("binary/encrypted", "\u0000\u0001");
    QueryWorkflowResponse partly = QueryWorkflowResponse.newBuilder().setQueryResult(Payloads.newBuilder()
        .addPayloads(payload("json/plain", "1")).addPayloads(encrypted)).build();
    // Not every payload has a short form: the list keeps its standard shape, each payload its own best form.
    assertThat(MAPPER.readTree(JSON.print(partly, true, false))).isEqualTo(MAPPER.readTree("""
        {"queryResult":{"payloads":[1,{"metadata":{"encoding":"YmluYXJ5L2VuY3J5cHRlZA=="},"data":"AAE="}]}}"""));

    // json/plain with more metadata, or data that is not JSON, keeps the standard form.
    Payload extra = payload("json/plain", "1").toBuilder()
        .putMetadata("encryption-key-id", ByteString.copyFromUtf8("k")).build();
    assertThat(MAPPER.readTree(JSON.print(QueryWorkflowResponse.newBuilder().setQueryResult(
        Payloads.newBuilder().addPayloads(extra)).build(), true, false)).path("queryResult").has("payloads")).isTrue();
    assertThat(MAPPER.readTree(JSON.print(QueryWorkflowResponse.newBuilder().setQueryResult(
        Payloads.newBuilder().addPayloads(payload("json/plain", "{oops"))).build(), true, false))
        .path("queryResult").has("payloads")).isTrue();
  }

  @Test
  void withoutShorthandOutputIsProtobufsOwnJson() throws Exception {
    StartWorkflowExecutionRequest r = StartWorkflowExecutionRequest.newBuilder()
        .setWorkflowType(WorkflowType.newBuilder().setName("w"))
        .setInput(Payloads.newBuilder().addPayloads(payload("json/plain", "\"ada\"")))
        .setMemo(Memo.newBuilder().putFields("k", payload("json/plain", "2")))
        .build();
    String standard = JSON.print(r, false, false);
    assertThat(standard).isEqualTo(com.google.protobuf.util.JsonFormat.printer().omittingInsignificantWhitespace()
        .print(r));
    assertThat(MAPPER.readTree(JSON.print(r, true, false))).isEqualTo(MAPPER.readTree(
        "{\"workflowType\":{\"name\":\"w\"},\"input\":[\"ada\"],\"memo\":{\"fields\":{\"k\":2}}}"));
    // Round trip: what the shorthand writes, the shorthand reads back to the same request.
    assertThat(parse(JSON.print(r, true, false), true)).isEqualTo(r);
    assertThat(JSON.print(r, true, true)).contains("\n  \"workflowType\": {");
  }

  @Test
  void numbersAreWrittenAsGoWritesDoubles() {
    assertThat(TemporalJson.GoJson.es6(1)).isEqualTo("1");
    assertThat(TemporalJson.GoJson.es6(1.5)).isEqualTo("1.5");
    assertThat(TemporalJson.GoJson.es6(1e21)).isEqualTo("1e+21");
    assertThat(TemporalJson.GoJson.es6(1e20)).isEqualTo("100000000000000000000");
    assertThat(TemporalJson.GoJson.es6(0.000001)).isEqualTo("0.000001");
    assertThat(TemporalJson.GoJson.es6(1.25e-7)).isEqualTo("1.25e-7");
    assertThat(TemporalJson.GoJson.es6(-2.5e-10)).isEqualTo("-2.5e-10");
  }

  @Test
  void errorsAreGoogleRpcStatusWithTypedDetails() throws Exception {
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(6).setMessage("already running")
        .addDetails(com.google.protobuf.Any.pack(
            io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.newBuilder().setRunId("r1")
                .build()))
        .build();
    assertThat(MAPPER.readTree(JSON.print(status, true, false))).isEqualTo(MAPPER.readTree("""
        {"code":6,"message":"already running","details":[{"@type":
         "type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure","runId":"r1"}]}"""));
    assertThat(HttpStatuses.of(io.grpc.Status.Code.ALREADY_EXISTS)).isEqualTo(409);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.NOT_FOUND)).isEqualTo(404);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.UNAUTHENTICATED)).isEqualTo(401);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.PERMISSION_DENIED)).isEqualTo(403);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.RESOURCE_EXHAUSTED)).isEqualTo(429);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.FAILED_PRECONDITION)).isEqualTo(400);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.DEADLINE_EXCEEDED)).isEqualTo(504);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.UNIMPLEMENTED)).isEqualTo(501);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.CANCELLED)).isEqualTo(499);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.UNAVAILABLE)).isEqualTo(503);
    assertThat(HttpStatuses.of(io.grpc.Status.Code.ABORTED)).isEqualTo(409);
  }
}
