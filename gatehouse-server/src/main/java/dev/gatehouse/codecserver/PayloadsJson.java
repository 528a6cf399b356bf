package dev.gatehouse.codecserver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
  /** A Payloads document nests 5 levels (unknown fields may add some); anything deeper is not one. */
  static final int MAX_DEPTH = 32;
  // Jackson's defaults are strict JSON (no comments, single quotes, NaN or unquoted names); the body size limit bounds
  // strings, so Jackson's own string-length cap (20 M chars) must not refuse a large payload first.
  private static final JsonFactory STRICT = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
          .maxStringLength(Integer.MAX_VALUE).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

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
    try (JsonParser strict = STRICT.createParser(json)) {
      checkStrict(strict);
    } catch (IOException e) {
      throw notPayloads();
    }
    return merge(json);
  }

  /**
   * Reads a Payloads document from UTF-8 bytes (invalid UTF-8 is refused, not replaced).
   *
   * @throws IllegalArgumentException when the bytes are not one; the message never quotes the input
   */
  static List<Payload> parse(byte[] json, int length) {
    try (JsonParser strict = STRICT.createParser(json, 0, length)) {
      checkStrict(strict);
    } catch (IOException e) {
      throw notPayloads();
    }
    return merge(new String(json, 0, length, StandardCharsets.UTF_8));
  }

  /**
   * One JSON object and nothing after it, in strict JSON, at most {@value #MAX_DEPTH} levels deep. protobuf's parser
   * (Gson, lenient) accepts comments, single quotes, NaN, trailing garbage and a second document, and recurses once
   * per level (100k levels: StackOverflowError); it only ever sees what passed this check.
   */
  private static void checkStrict(JsonParser parser) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw notPayloads();
    }
    parser.skipChildren();
    if (parser.nextToken() != null) {
      throw notPayloads();
    }
  }

  private static List<Payload> merge(String json) {
    Payloads.Builder builder = Payloads.newBuilder();
    try {
      PARSER.merge(json, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The parser's message quotes the offending text, which may be payload data.
      throw notPayloads();
    }
    return builder.getPayloadsList();
  }

  private static IllegalArgumentException notPayloads() {
    return new IllegalArgumentException("not a Payloads JSON document ({\"payloads\":[{\"metadata\":{...},"
        + "\"data\":\"<base64>\"}]})");
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
