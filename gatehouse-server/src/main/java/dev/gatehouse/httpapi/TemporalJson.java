package dev.gatehouse.httpapi;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON of Temporal's HTTP API: proto3 JSON (lowerCamel names, enums by name, 64-bit integers as strings) with
 * Temporal's payload shorthand ({@code go.temporal.io/api/common/v1/payload_json.go}) unless it is switched off.
 *
 * <p>Shorthand, when writing: a {@code Payload} whose only metadata is {@code encoding: json/plain} is written as its
 * JSON value; {@code json/protobuf} with a {@code messageType} (and nothing else) as its object plus
 * {@code _protoMessageType}; {@code binary/null} as {@code {"metadata":{"encoding":"YmluYXJ5L251bGw="}}}; anything
 * else (e.g. an encrypted payload) in the standard {@code {"metadata":…,"data":…}} form. A {@code Payloads} is
 * written as an array of values when every payload has a short form, else in the standard form. Values are written
 * as Go writes them: object keys sorted, empty arrays as {@code null}, numbers as IEEE doubles.
 *
 * <p>When reading: a payload in the standard form is taken as such; {@code null} is {@code binary/null}; an object
 * with {@code _protoMessageType} is {@code json/protobuf}; any other value is {@code json/plain}, its data written as
 * Go's {@code encoding/json} writes it. A {@code Payloads} may be an array. Enum values are accepted by proto name,
 * by Temporal's CamelCase short form or by number, in both modes.
 *
 * <p>Stricter than Temporal: a key given twice in one object is refused (protobuf's Go parser refuses it too; Gson
 * would keep the last). A {@code json/plain} payload whose data is not JSON is written in the standard form where
 * Temporal fails the whole response.
 */
final class TemporalJson {
  static final String BINARY_NULL_BASE64 = "YmluYXJ5L251bGw=";
  private static final String PROTO_MESSAGE_TYPE = "_protoMessageType";
  static final int MAX_DEPTH = 100;
  private static final String PAYLOAD = Payload.getDescriptor().getFullName();
  private static final String PAYLOADS = Payloads.getDescriptor().getFullName();

  private final ObjectMapper mapper;
  private final ObjectWriter compact;
  private final ObjectWriter pretty;
  private final JsonFormat.Printer printer;
  private final JsonFormat.Parser parser;
  private final Map<Descriptors.Descriptor, Map<String, FieldDescriptor>> names = new ConcurrentHashMap<>();

  /** A JSON input problem; its message is safe to answer with. */
  static final class BadJson extends Exception {
    BadJson(String message) {
      super(message, null, false, false);
    }
  }

  /** @param types the files whose messages may appear in {@code google.protobuf.Any} fields (error details) */
  TemporalJson(List<Descriptors.FileDescriptor> types) {
    JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
    for (Descriptors.FileDescriptor file : types) {
      for (Descriptors.Descriptor d : file.getMessageTypes()) {
        registry.add(d);
      }
    }
    JsonFormat.TypeRegistry built = registry.build();
    this.printer = JsonFormat.printer().usingTypeRegistry(built).omittingInsignificantWhitespace();
    this.parser = JsonFormat.parser().usingTypeRegistry(built);
    // protobuf's own recursion limit: deeper input is refused before protobuf's parser (which recurses once per
    // level) or the shorthand's walk sees it.
    com.fasterxml.jackson.core.JsonFactory factory = com.fasterxml.jackson.core.JsonFactory.builder()
        .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH).build())
        .build();
    this.mapper = new ObjectMapper(factory)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.compact = mapper.writer();
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter(
        Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
        .withObjectIndenter(new DefaultIndenter("  ", "\n"))
        .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    this.pretty = mapper.writer(pp);
  }

  // ---- reading ----

  /**
   * Merges the JSON {@code body} into {@code builder}; an empty body is an empty message, as in grpc-gateway.
   *
   * @throws BadJson when the body is not JSON, not an object, names an unknown field or has a value of the wrong type
   */
  void merge(byte[] body, int length, Message.Builder builder, boolean shorthand) throws BadJson {
    if (isBlank(body, length)) {
      return;
    }
    JsonNode tree;
    try {
      tree = mapper.readTree(new String(body, 0, length, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new BadJson("request body is not valid JSON");
    }
    if (!(tree instanceof ObjectNode object)) {
      throw new BadJson("request body must be a JSON object");
    }
    mergeTree(object, builder, shorthand);
  }

  /** As {@link #merge}, from a parsed object. */
  void mergeTree(ObjectNode object, Message.Builder builder, boolean shorthand) throws BadJson {
    normalizeIn(object, builder.getDescriptorForType(), shorthand);
    try {
      parser.merge(compact.writeValueAsString(object), builder);
    } catch (InvalidProtocolBufferException | JsonProcessingException | RuntimeException e) {
      // protobuf's messages quote the offending input; say only what kind of problem it was.
      throw new BadJson("request body does not match " + builder.getDescriptorForType().getName()
          + " (unknown field or wrong value type)");
    }
  }

  private static boolean isBlank(byte[] body, int length) {
    for (int i = 0; i < length; i++) {
      byte b = body[i];
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private void normalizeIn(ObjectNode object, Descriptors.Descriptor type, boolean shorthand) throws BadJson {
    Map<String, FieldDescriptor> fields = names(type);
    List<String> keys = new ArrayList<>();
    object.fieldNames().forEachRemaining(keys::add);
    for (String key : keys) {
      FieldDescriptor f = fields.get(key);
      JsonNode value = object.get(key);
      if (f == null || value == null || value.isNull()) {
        continue;
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.ENUM) {
        if (f.isRepeated() && value instanceof ArrayNode array) {
          for (int i = 0; i < array.size(); i++) {
            array.set(i, enumIn(array.get(i), f));
          }
        } else {
          object.set(key, enumIn(value, f));
        }
        continue;
      }
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isMapField()) {
        FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
        if (valueField.getJavaType() == FieldDescriptor.JavaType.MESSAGE && value instanceof ObjectNode map) {
          List<String> mapKeys = new ArrayList<>();
          map.fieldNames().forEachRemaining(mapKeys::add);
          for (String k : mapKeys) {
            map.set(k, valueIn(map.get(k), valueField.getMessageType(), shorthand));
          }
        }
      } else if (f.isRepeated()) {
        if (value instanceof ArrayNode array) {
          for (int i = 0; i < array.size(); i++) {
            array.set(i, valueIn(array.get(i), f.getMessageType(), shorthand));
          }
        }
      } else {
        object.set(key, valueIn(value, f.getMessageType(), shorthand));
      }
    }
  }

  private static JsonNode enumIn(JsonNode value, FieldDescriptor f) {
    if (value.isTextual()) {
      Descriptors.EnumValueDescriptor e = FieldPaths.enumValue(f.getEnumType(), value.asText());
      if (e != null && e.getIndex() >= 0 && f.getEnumType().findValueByName(e.getName()) == e) {
        return JsonNodeFactory.instance.textNode(e.getName());
      }
    }
    return value;
  }

  private JsonNode valueIn(JsonNode value, Descriptors.Descriptor type, boolean shorthand) throws BadJson {
    if (shorthand && type.getFullName().equals(PAYLOAD)) {
      return payloadIn(value);
    }
    if (shorthand && type.getFullName().equals(PAYLOADS)) {
      if (value.isNull()) {
        return value;
      }
      if (value instanceof ArrayNode array) {
        ArrayNode standard = JsonNodeFactory.instance.arrayNode();
        for (JsonNode element : array) {
          standard.add(payloadIn(element));
        }
        ObjectNode payloads = JsonNodeFactory.instance.objectNode();
        payloads.set("payloads", standard);
        return payloads;
      }
    }
    if (value instanceof ObjectNode object && !FieldPaths.isWellKnown(type)) {
      normalizeIn(object, type, shorthand);
    }
    return value;
  }

  private JsonNode payloadIn(JsonNode value) throws BadJson {
    if (value.isNull()) {
      return standardPayload(Map.of("encoding", "binary/null".getBytes(StandardCharsets.US_ASCII)), null);
    }
    if (value instanceof ObjectNode object) {
      JsonNode standard = asStandardPayload(object);
      if (standard != null) {
        return standard;
      }
      JsonNode messageType = object.get(PROTO_MESSAGE_TYPE);
      if (messageType != null) {
        if (!messageType.isTextual()) {
          throw new BadJson("_protoMessageType must be a string");
        }
        ObjectNode rest = object.deepCopy();
        rest.remove(PROTO_MESSAGE_TYPE);
        Map<String, byte[]> metadata = new TreeMap<>();
        metadata.put("encoding", "json/protobuf".getBytes(StandardCharsets.US_ASCII));
        metadata.put("messageType", messageType.asText().getBytes(StandardCharsets.UTF_8));
        return standardPayload(metadata, GoJson.marshal(rest).getBytes(StandardCharsets.UTF_8));
      }
    }
    return standardPayload(Map.of("encoding", "json/plain".getBytes(StandardCharsets.US_ASCII)),
        GoJson.marshal(value).getBytes(StandardCharsets.UTF_8));
  }

  /** The payload in protobuf's form when {@code object} is a standard payload as Temporal recognises one, else null. */
  private static JsonNode asStandardPayload(ObjectNode object) {
    JsonNode md = object.get("metadata");
    if (!(md instanceof ObjectNode metadataNode) || metadataNode.get("encoding") == null) {
      return null;
    }
    JsonNode data = object.get("data");
    if (data == null && BINARY_NULL_BASE64.equals(metadataNode.get("encoding").asText(null))) {
      return standardPayload(Map.of("encoding", "binary/null".getBytes(StandardCharsets.US_ASCII)), null);
    }
    if (data == null || object.size() != 2 || !data.isTextual()) {
      return null;
    }
    byte[] dataBytes = base64(data.asText());
    if (dataBytes == null) {
      return null;
    }
    Map<String, byte[]> metadata = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = metadataNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      byte[] v = e.getValue().isTextual() ? base64(e.getValue().asText()) : null;
      if (v == null) {
        return null;
      }
      metadata.put(e.getKey(), v);
    }
    return standardPayload(metadata, dataBytes);
  }

  private static byte[] base64(String s) {
    try {
      return FieldPaths.decodeBase64(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static ObjectNode standardPayload(Map<String, byte[]> metadata, byte[] data) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    ObjectNode md = payload.putObject("metadata");
    Base64.Encoder b64 = Base64.getEncoder();
    for (Map.Entry<String, byte[]> e : new TreeMap<>(metadata).entrySet()) {
      md.put(e.getKey(), b64.encodeToString(e.getValue()));
    }
    if (data != null && data.length > 0) {
      payload.put("data", b64.encodeToString(data));
    }
    return payload;
  }

  // ---- writing ----

  /** {@code message} as the HTTP API writes it. */
  String print(MessageOrBuilder message, boolean shorthand, boolean indent) {
    try {
      String standard = printer.print(message);
      if (!shorthand && !indent) {
        return standard;
      }
      JsonNode tree = mapper.readTree(standard);
      if (shorthand) {
        tree = valueOut(tree, message.getDescriptorForType());
      }
      return (indent ? pretty : compact).writeValueAsString(tree);
    } catch (IOException e) {
      throw new IllegalStateException("response could not be written as JSON: " + e.getClass().getSimpleName());
    }
  }

  private void normalizeOut(ObjectNode object, Descriptors.Descriptor type) {
    Map<String, FieldDescriptor> fields = names(type);
    List<String> keys = new ArrayList<>();
    object.fieldNames().forEachRemaining(keys::add);
    for (String key : keys) {
      FieldDescriptor f = fields.get(key);
      JsonNode value = object.get(key);
      if (f == null || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isMapField()) {
        FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
        if (valueField.getJavaType() == FieldDescriptor.JavaType.MESSAGE && value instanceof ObjectNode map) {
          List<String> mapKeys = new ArrayList<>();
          map.fieldNames().forEachRemaining(mapKeys::add);
          for (String k : mapKeys) {
            map.set(k, valueOut(map.get(k), valueField.getMessageType()));
          }
        }
      } else if (f.isRepeated()) {
        if (value instanceof ArrayNode array) {
          for (int i = 0; i < array.size(); i++) {
            array.set(i, valueOut(array.get(i), f.getMessageType()));
          }
        }
      } else {
        object.set(key, valueOut(value, f.getMessageType()));
      }
    }
  }

  private JsonNode valueOut(JsonNode value, Descriptors.Descriptor type) {
    String name = type.getFullName();
    if (name.equals(PAYLOAD)) {
      JsonNode shortForm = payloadOut(value);
      return shortForm != null ? shortForm : value;
    }
    if (name.equals(PAYLOADS)) {
      JsonNode list = value.get("payloads");
      ArrayNode shortForms = JsonNodeFactory.instance.arrayNode();
      boolean all = true;
      if (list instanceof ArrayNode array) {
        for (int i = 0; i < array.size(); i++) {
          JsonNode s = payloadOut(array.get(i));
          if (s == null) {
            all = false;
          } else {
            // Each payload has its own short form even when the list as a whole keeps the standard one.
            array.set(i, s);
          }
          shortForms.add(s == null ? array.get(i) : s);
        }
      }
      return all ? shortForms : value;
    }
    if (value instanceof ObjectNode object && !FieldPaths.isWellKnown(type)) {
      normalizeOut(object, type);
    }
    return value;
  }

  /** The short form of a standard-form payload, or {@code null} when it has none. */
  private JsonNode payloadOut(JsonNode payload) {
    if (!(payload instanceof ObjectNode object)) {
      return null;
    }
    Map<String, String> metadata = new HashMap<>();
    JsonNode md = object.get("metadata");
    if (md instanceof ObjectNode mdObject) {
      for (Iterator<Map.Entry<String, JsonNode>> it = mdObject.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        byte[] v = base64(e.getValue().asText());
        metadata.put(e.getKey(), v == null ? null : new String(v, StandardCharsets.UTF_8));
      }
    }
    String encoding = metadata.get("encoding");
    if (encoding == null) {
      return null;
    }
    JsonNode dataNode = object.get("data");
    byte[] data = dataNode == null ? new byte[0] : base64(dataNode.asText());
    if (data == null) {
      return null;
    }
    switch (encoding) {
      case "binary/null" -> {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.putObject("metadata").put("encoding", BINARY_NULL_BASE64);
        return n;
      }
      case "json/plain" -> {
        if (metadata.size() != 1) {
          return null;
        }
        JsonNode value = parseData(data);
        return value == null ? null : GoJson.normalize(value);
      }
      case "json/protobuf" -> {
        String messageType = metadata.get("messageType");
        if (messageType == null || messageType.isEmpty() || metadata.size() != 2) {
          return null;
        }
        if (!(parseData(data) instanceof ObjectNode value)) {
          return null;
        }
        value.put(PROTO_MESSAGE_TYPE, messageType);
        return GoJson.normalize(value);
      }
      default -> {
        return null;
      }
    }
  }

  private JsonNode parseData(byte[] data) {
    try {
      return mapper.readTree(data);
    } catch (IOException e) {
      return null;
    }
  }

  /** Field names by JSON name and by proto name, as protobuf's JSON parsers accept both. */
  private Map<String, FieldDescriptor> names(Descriptors.Descriptor type) {
    return names.computeIfAbsent(type, t -> {
      Map<String, FieldDescriptor> m = new HashMap<>();
      for (FieldDescriptor f : t.getFields()) {
        m.put(f.getName(), f);
        m.put(f.getJsonName(), f);
      }
      return Map.copyOf(m);
    });
  }

  /**
   * Go's way of writing JSON values: {@code encoding/json} for payload data read from the shorthand (HTML-safe
   * escaping), and Temporal's shorthand writer for values going out (keys sorted, empty arrays as null, numbers as
   * doubles).
   */
  static final class GoJson {
    private GoJson() {}

    /** A value as Temporal's shorthand writer writes it. */
    static JsonNode normalize(JsonNode value) {
      JsonNodeFactory f = JsonNodeFactory.instance;
      if (value instanceof ObjectNode object) {
        ObjectNode sorted = f.objectNode();
        TreeMap<String, JsonNode> fields = new TreeMap<>();
        object.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
        fields.forEach((k, v) -> sorted.set(k, normalize(v)));
        return sorted;
      }
      if (value instanceof ArrayNode array) {
        if (array.isEmpty()) {
          return NullNode.getInstance();
        }
        ArrayNode out = f.arrayNode();
        array.forEach(v -> out.add(normalize(v)));
        return out;
      }
      if (value.isNumber()) {
        return f.rawValueNode(new RawValue(es6(value.decimalValue().doubleValue())));
      }
      return value;
    }

    /** A value as Go's {@code encoding/json} writes what Temporal's shorthand reader parsed. */
    static String marshal(JsonNode value) {
      StringBuilder out = new StringBuilder();
      write(value, out);
      return out.toString();
    }

    private static void write(JsonNode value, StringBuilder out) {
      if (value instanceof ObjectNode object) {
        TreeMap<String, JsonNode> fields = new TreeMap<>();
        object.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> e : fields.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(e.getKey(), out);
          out.append(':');
          write(e.getValue(), out);
        }
        out.append('}');
      } else if (value instanceof ArrayNode array) {
        if (array.isEmpty()) {
          // Temporal's reader collects array elements into a nil slice, which encoding/json writes as null.
          out.append("null");
          return;
        }
        out.append('[');
        for (int i = 0; i < array.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(array.get(i), out);
        }
        out.append(']');
      } else if (value.isTextual()) {
        string(value.asText(), out);
      } else if (value.isBoolean()) {
        out.append(value.booleanValue());
      } else if (value.isNumber()) {
        out.append(number(value.decimalValue()));
      } else {
        out.append("null");
      }
    }

    /** An int64 when the number is integral and fits (as Temporal's reader takes it), else a double. */
    private static String number(BigDecimal n) {
      BigDecimal stripped = n.stripTrailingZeros();
      if (stripped.scale() <= 0 && stripped.precision() - stripped.scale() <= 19) {
        BigInteger i = stripped.toBigIntegerExact();
        if (i.bitLength() < 64) {
          return i.toString();
        }
      }
      return es6(n.doubleValue());
    }

    /** A double as Go writes it in JSON: shortest digits, exponent form below 1e-6 and from 1e21. */
    static String es6(double d) {
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return "null";
      }
      if (d == 0) {
        return (1 / d < 0) ? "-0" : "0";
      }
      BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
      double abs = Math.abs(d);
      if (abs >= 1e-6 && abs < 1e21) {
        return exact.toPlainString();
      }
      String digits = exact.unscaledValue().abs().toString();
      int exponent = digits.length() - 1 - exact.scale();
      StringBuilder s = new StringBuilder();
      if (d < 0) {
        s.append('-');
      }
      s.append(digits.charAt(0));
      if (digits.length() > 1) {
        s.append('.').append(digits, 1, digits.length());
      }
      s.append('e').append(exponent < 0 ? '-' : '+').append(Math.abs(exponent));
      return s.toString();
    }

    private static void string(String s, StringBuilder out) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          case '\b' -> out.append("\\b");
          case '\f' -> out.append("\\f");
          case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
          default -> {
            if (c < 0x20) {
              out.append(String.format("\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      out.append('"');
    }
  }
}
