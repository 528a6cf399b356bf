package dev.gatehouse.api;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Reads the namespace field straight from a request's wire bytes.
 *
 * <p>A typed parse costs ~50x more than this scan and the hot path never needs the rest of the message. The scan
 * walks every top-level field (so a structurally malformed message is caught here, not upstream) and keeps the
 * last occurrence of the namespace field, which is what protobuf's own parser does for a repeated scalar; the
 * decision therefore uses the namespace the upstream will act on. Every face that decides on raw request bytes
 * (the data plane, the control plane) reads them here.
 */
public final class NamespaceReader {
  private NamespaceReader() {}

  /**
   * @param fieldNumber the request's namespace field number, or {@code 0} when the request has none
   * @return the namespace, {@code ""} when absent
   * @throws InvalidProtocolBufferException when the bytes are not a well-formed message or the namespace is
   *     not valid UTF-8
   */
  public static String read(byte[] request, int fieldNumber) throws InvalidProtocolBufferException {
    try {
      return scan(request, fieldNumber);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      // A byte-array CodedInputStream only fails on bad input, but its signature says IOException.
      throw new InvalidProtocolBufferException(e);
    }
  }

  /**
   * The last occurrence of a top-level length-delimited field (a task token, a namespace id), as protobuf's parser
   * would keep it.
   *
   * @return the field's bytes, or {@code null} when absent
   * @throws InvalidProtocolBufferException when the bytes are not a well-formed message or the field has another
   *     wire type
   */
  public static byte[] field(byte[] request, int fieldNumber) throws InvalidProtocolBufferException {
    try {
      CodedInputStream in = CodedInputStream.newInstance(request);
      byte[] value = null;
      int wanted = (fieldNumber << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return value;
        }
        if (tag == wanted) {
          value = in.readByteArray();
        } else if (WireFormat.getTagFieldNumber(tag) == fieldNumber) {
          throw new InvalidProtocolBufferException("field " + fieldNumber + " has the wrong wire type");
        } else if (!in.skipField(tag)) {
          throw new InvalidProtocolBufferException("unexpected end-group tag");
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  private static String scan(byte[] request, int fieldNumber) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(request);
    String namespace = "";
    int wanted = fieldNumber == 0 ? -1 : (fieldNumber << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return namespace;
      }
      if (tag == wanted) {
        namespace = in.readStringRequireUtf8();
      } else if (WireFormat.getTagFieldNumber(tag) == fieldNumber) {
        // The namespace field with the wrong wire type: protobuf would reject the message too.
        throw new InvalidProtocolBufferException("namespace field has the wrong wire type");
      } else if (!in.skipField(tag)) {
        // An END_GROUP tag at the top level: not a well-formed message.
        throw new InvalidProtocolBufferException("unexpected end-group tag");
      }
    }
  }
}
