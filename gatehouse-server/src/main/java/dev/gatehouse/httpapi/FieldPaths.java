package dev.gatehouse.httpapi;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Dotted field paths ({@code execution.run_id}, {@code execution.runId}) into a request message, and the string
 * values of path variables and query parameters set into them, as grpc-gateway does: scalars, enums by name (also
 * Temporal's CamelCase short form) or number, repeated fields by repetition, and the well-known types that have a
 * string form (Timestamp, Duration, FieldMask, wrappers).
 */
final class FieldPaths {
  private FieldPaths() {}

  /** A value that cannot be set; its message is safe to answer with (names the parameter, never its value). */
  static final class BadValue extends Exception {
    BadValue(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The fields along {@code path} from {@code root}, or {@code null} when a step is not a field or a step before
   * the last is not a singular message.
   *
   * @param jsonNames whether lowerCamel JSON names are accepted beside proto names (query parameters)
   */
  static List<FieldDescriptor> resolve(Descriptors.Descriptor root, String path, boolean jsonNames) {
    List<FieldDescriptor> out = new ArrayList<>();
    Descriptors.Descriptor current = root;
    String[] steps = path.split("\\.", -1);
    for (int i = 0; i < steps.length; i++) {
      if (current == null) {
        return null;
      }
      FieldDescriptor f = current.findFieldByName(steps[i]);
      if (f == null && jsonNames) {
        for (FieldDescriptor candidate : current.getFields()) {
          if (candidate.getJsonName().equals(steps[i])) {
            f = candidate;
            break;
          }
        }
      }
      if (f == null) {
        return null;
      }
      out.add(f);
      boolean last = i == steps.length - 1;
      if (!last) {
        if (f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || isWellKnown(f.getMessageType())) {
          return null;
        }
        current = f.getMessageType();
      } else {
        current = null;
      }
    }
    return out;
  }

  /** The builder of the message holding the last field of {@code fields}, creating the messages on the way. */
  static Message.Builder holder(Message.Builder root, List<FieldDescriptor> fields) {
    Message.Builder b = root;
    for (int i = 0; i < fields.size() - 1; i++) {
      b = b.getFieldBuilder(fields.get(i));
    }
    return b;
  }

  /** The current value of a singular string field along {@code fields}, or {@code ""}. */
  static String stringAt(Message.Builder root, List<FieldDescriptor> fields) {
    Message.Builder b = root;
    for (int i = 0; i < fields.size() - 1; i++) {
      if (!b.hasField(fields.get(i))) {
        return "";
      }
      b = b.getFieldBuilder(fields.get(i));
    }
    FieldDescriptor last = fields.get(fields.size() - 1);
    return last.getJavaType() == FieldDescriptor.JavaType.STRING && !last.isRepeated()
        ? (String) b.getField(last) : "";
  }

  /**
   * Sets (or, for a repeated field, adds) {@code value} at the last of {@code fields}.
   *
   * @param name the parameter as the caller wrote it, for the error message
   * @throws BadValue when the value does not fit the field's type
   */
  static void set(Message.Builder root, List<FieldDescriptor> fields, String value, String name) throws BadValue {
    FieldDescriptor f = fields.get(fields.size() - 1);
    if (f.isMapField()) {
      throw new BadValue("parameter " + name + " is a map, which cannot be set from a URL");
    }
    Message.Builder holder = holder(root, fields);
    Object converted = convert(holder, f, value, name);
    if (f.isRepeated()) {
      holder.addRepeatedField(f, converted);
    } else {
      holder.setField(f, converted);
    }
  }

  private static Object convert(Message.Builder holder, FieldDescriptor f, String value, String name)
      throws BadValue {
    try {
      return switch (f.getJavaType()) {
        case STRING -> value;
        case BOOLEAN -> switch (value) {
          case "true", "1" -> Boolean.TRUE;
          case "false", "0" -> Boolean.FALSE;
          default -> throw new BadValue("parameter " + name + " must be true or false");
        };
        case INT -> f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32
            ? Integer.parseUnsignedInt(value) : Integer.parseInt(value);
        case LONG -> f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64
            ? Long.parseUnsignedLong(value) : Long.parseLong(value);
        case FLOAT -> Float.parseFloat(value);
        case DOUBLE -> Double.parseDouble(value);
        case BYTE_STRING -> ByteString.copyFrom(decodeBase64(value));
        case ENUM -> {
          Descriptors.EnumValueDescriptor e = enumValue(f.getEnumType(), value);
          if (e == null) {
            throw new BadValue("parameter " + name + " is not a value of " + f.getEnumType().getName());
          }
          yield e;
        }
        case MESSAGE -> {
          if (!isWellKnown(f.getMessageType())) {
            throw new BadValue("parameter " + name + " is a message, which cannot be set from a URL");
          }
          Message.Builder sub = f.isRepeated() ? holder.newBuilderForField(f) : holder.getFieldBuilder(f);
          // The well-known types' JSON form is a string (or a number for wrappers): let protobuf's own parser read it.
          String json = isNumericWrapper(f.getMessageType()) && value.matches("-?[0-9.eE+-]+|true|false")
              ? value : quote(value);
          JsonFormat.parser().merge(json, sub);
          yield sub.build();
        }
      };
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new BadValue("parameter " + name + " is not a valid " + typeName(f));
    }
  }

  private static String typeName(FieldDescriptor f) {
    return f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType().getName()
        : f.getType().name().toLowerCase(Locale.ROOT);
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  static byte[] decodeBase64(String s) {
    boolean url = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
    return (url ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s);
  }

  /**
   * The enum value named {@code value}: its proto name ({@code HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT}), Temporal's
   * CamelCase short form ({@code CloseEvent}), or its number.
   */
  static Descriptors.EnumValueDescriptor enumValue(Descriptors.EnumDescriptor type, String value) {
    Descriptors.EnumValueDescriptor e = type.findValueByName(value);
    if (e != null) {
      return e;
    }
    if (!value.isEmpty() && Character.isUpperCase(value.charAt(0))) {
      e = type.findValueByName(screamingSnake(type.getName() + "_" + value));
      if (e != null) {
        return e;
      }
    }
    if (value.matches("-?[0-9]{1,10}")) {
      try {
        int n = Integer.parseInt(value);
        e = type.findValueByNumber(n);
        // Open (proto3) enums keep unknown numbers, as protobuf's parsers do.
        return e != null ? e : type.isClosed() ? null : type.findValueByNumberCreatingIfUnknown(n);
      } catch (NumberFormatException ignored) {
        return null;
      }
    }
    return null;
  }

  /** {@code HistoryEventFilterType_CloseEvent} → {@code HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT}. */
  static String screamingSnake(String s) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isUpperCase(c) && i > 0) {
        char prev = s.charAt(i - 1);
        boolean nextLower = i + 1 < s.length() && Character.isLowerCase(s.charAt(i + 1));
        if (prev != '_' && (Character.isLowerCase(prev) || Character.isDigit(prev)
            || (Character.isUpperCase(prev) && nextLower))) {
          out.append('_');
        }
      }
      out.append(Character.toUpperCase(c));
    }
    return out.toString();
  }

  static boolean isWellKnown(Descriptors.Descriptor type) {
    return type.getFile().getPackage().equals("google.protobuf");
  }

  private static boolean isNumericWrapper(Descriptors.Descriptor type) {
    return switch (type.getFullName()) {
      case "google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt32Value",
          "google.protobuf.UInt64Value", "google.protobuf.FloatValue", "google.protobuf.DoubleValue",
          "google.protobuf.BoolValue" -> true;
      default -> false;
    };
  }
}
