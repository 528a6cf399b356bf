package dev.gatehouse.codecserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.Payload;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecRouteTest {
  @Test
  void theProtocolsPathsAreRecognised() {
    assertThat(CodecRoute.parse("/decode")).isEqualTo(new CodecRoute(CodecOperation.DECODE, null));
    assertThat(CodecRoute.parse("/encode")).isEqualTo(new CodecRoute(CodecOperation.ENCODE, null));
    assertThat(CodecRoute.parse("/payments.a1b2c/decode"))
        .isEqualTo(new CodecRoute(CodecOperation.DECODE, "payments.a1b2c"));
  }

  @Test
  void everythingElseIsNotARoute() {
    for (String path : new String[] {null, "", "decode", "/", "//decode", "/a/b/decode", "/decode/", "/Decode",
        "/decoder", "/x/encode/x", "/download"}) {
      assertThat(CodecRoute.parse(path)).as(String.valueOf(path)).isNull();
    }
  }

  @Test
  void decodeIsAuthorizedAsAReadAndEncodeAsAWrite() {
    assertThat(CodecOperation.DECODE.apiMethod()).endsWith("/GetWorkflowExecutionHistory");
    assertThat(CodecOperation.ENCODE.apiMethod()).endsWith("/StartWorkflowExecution");
    assertThat(dev.gatehouse.api.ApiCatalog.temporal().find(CodecOperation.DECODE.apiMethod()).access())
        .isEqualTo(dev.gatehouse.api.ApiMethod.Access.READ);
    assertThat(dev.gatehouse.api.ApiCatalog.temporal().find(CodecOperation.ENCODE.apiMethod()).access())
        .isEqualTo(dev.gatehouse.api.ApiMethod.Access.WRITE);
  }

  @Test
  void contentTypesAndNamespacesAreCheckedStrictly() {
    assertThat(CodecHandler.isJson("application/json")).isTrue();
    assertThat(CodecHandler.isJson("Application/JSON; charset=utf-8")).isTrue();
    assertThat(CodecHandler.isJson("application/jsonp")).isFalse();
    assertThat(CodecHandler.isJson("text/plain")).isFalse();
    assertThat(CodecHandler.isJson(null)).isFalse();
    assertThat(CodecHandler.validNamespace("payments")).isTrue();
    assertThat(CodecHandler.validNamespace("pay\nments")).isFalse();
    assertThat(CodecHandler.validNamespace("x".repeat(1001))).isFalse();
  }

  @Test
  void anEmptyListPrintsWithItsArray() {
    assertThat(PayloadsJson.print(List.of())).isEqualTo("{\"payloads\":[]}");
    assertThat(PayloadsJson.parse(PayloadsJson.print(List.of(Payload.getDefaultInstance()))))
        .containsExactly(Payload.getDefaultInstance());
  }
}
