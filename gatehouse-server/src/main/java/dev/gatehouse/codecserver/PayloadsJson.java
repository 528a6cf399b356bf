package dev.gatehouse.codecserver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import java.util.List;

/**
 * The body of Temporal's codec server protocol: {@code temporal.api.common.v1.Payloads} in protobuf's JSON mapping,
 * {@code {"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]}} — every bytes value, metadata
 * included, is base64. The same text is what {@code gatehouse codec encrypt|decrypt} read and print.
 */
public final class PayloadsJson {
  // Unknown fields are skipped, not refused: a newer Web UI or SDK may send Payload fields this API version lacks,
  // and they cannot influence decryption.
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private PayloadsJson() {}

  /**
   * Reads a Payloads document.
   *
   * @throws IllegalArgumentException when {@code json} is not one; the message never quotes the input
   */
  public static List<Payload> parse(String json) {
    if (json == null || json.isBlank()) {
      throw new IllegalArgumentException("empty input: expected a Payloads JSON document");
    }
    Payloads.Builder builder = Payloads.newBuilder();
    try {
      PARSER.merge(json, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The parser's message quotes the offending text, which may be payload data.
      throw new IllegalArgumentException("not a Payloads JSON document ({\"payloads\":[{\"metadata\":{...},"
          + "\"data\":\"<base64>\"}]})");
    }
    return builder.getPayloadsList();
  }

  /**
   * Writes a Payloads document. The {@code payloads} array is always present, also when empty, because clients read
   * it unconditionally.
   */
  public static String print(List<Payload> payloads) {
    StringBuilder out = new StringBuilder(64 + payloads.size() * 96);
    out.append("{\"payloads\":[");
    try {
      for (int i = 0; i < payloads.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        PRINTER.appendTo(payloads.get(i), out);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot print a payload", e);
    }
    return out.append("]}").toString();
  }
}
