package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InternalMetadata;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The header rules on headers in wire form, as the transport hands them over (bytes, not checked by grpc-java). */
class ForwardedHeadersTest {

  private static Metadata wire(String... pairs) {
    byte[][] out = new byte[pairs.length][];
    for (int i = 0; i < pairs.length; i++) {
      out[i] = pairs[i].getBytes(StandardCharsets.ISO_8859_1);
    }
    return InternalMetadata.newMetadata(out);
  }

  private static List<String> names(Metadata m) {
    byte[][] w = InternalMetadata.serialize(m);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < w.length; i += 2) {
      out.add(new String(w[i], StandardCharsets.US_ASCII));
    }
    return out;
  }

  @Test
  void transportIdentityAndCallerInfoHeadersAreRemovedAndTheRestKept() {
    Metadata m = wire(
        "content-type", "application/grpc", "te", "trailers", "user-agent", "grpc-java", "grpc-timeout", "1S",
        "grpc-accept-encoding", "gzip", "grpc-something-new", "x", "grpc-trace-bin", "AAEC", "host", "h",
        "connection", "close", "content-length", "3", "temporal-principal-name", "admin", "gatehouse-role", "admin",
        "caller-type", "operator", "caller-name", "ns", "call-initiation", "x", "authorization", "Bearer t",
        "temporal-namespace", "ns-a", "x-custom", "v", "user-agent", "second");
    assertThat(ForwardedHeaders.sanitizeRequest(m)).isNull();
    assertThat(names(m)).containsExactly("grpc-trace-bin", "authorization", "temporal-namespace", "x-custom");
  }

  @Test
  void namesOutsideGrpcsAlphabetAreRefused() {
    for (String name : new String[] {"Caller-Type", "caller-type ", "caller\0type", "x:y", "", "caf\u00e9"}) {
      assertThat(ForwardedHeaders.sanitizeRequest(wire(name, "v", "authorization", "Bearer t")))
          .as(name).isEqualTo("invalid header name");
    }
  }

  @Test
  void valuesOutsidePrintableAsciiAreRefusedExceptInBinaryHeaders() {
    for (String value : new String[] {"a\0b", "a\rb", "a\nb", "a\tb", "a\u007fb", "caf\u00c3\u00a9"}) {
      assertThat(ForwardedHeaders.sanitizeRequest(wire("x-custom", value))).as(value).isEqualTo("invalid header value");
    }
    assertThat(ForwardedHeaders.sanitizeRequest(wire("x-custom", " a ~b "))).isNull();
    assertThat(ForwardedHeaders.sanitizeRequest(wire("x-custom-bin", "\0\u00ff\n"))).isNull();
  }

  @Test
  void responsesLoseOnlyTransportHeaders() {
    Metadata m = wire("content-type", "application/grpc", "grpc-encoding", "identity", "grpc-status-details-bin",
        "AA", "temporal-principal-name", "kept", "x-upstream", "v", "Bad-Name", "v");
    ForwardedHeaders.sanitizeResponse(m);
    assertThat(names(m)).containsExactly("grpc-status-details-bin", "temporal-principal-name", "x-upstream",
        "Bad-Name");
  }
}
