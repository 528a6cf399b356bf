package dev.gatehouse.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Predicate;

/**
 * Rewrites a serialized {@code ListNamespacesResponse} to keep only the namespaces a predicate accepts, copying
 * every other field byte for byte. Entries without a name are dropped.
 */
final class NamespaceListFilter {
  private NamespaceListFilter() {}

  /** The filtered response; {@code response} itself when nothing was dropped. */
  static byte[] filter(byte[] response, Predicate<String> mayRead) throws InvalidProtocolBufferException {
    try {
      CodedInputStream in = CodedInputStream.newInstance(response);
      in.enableAliasing(true);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(response.length);
      CodedOutputStream out = CodedOutputStream.newInstance(bytes, Math.min(4096, Math.max(64, response.length)));
      boolean dropped = false;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (WireFormat.getTagFieldNumber(tag) == ListNamespacesResponse.NAMESPACES_FIELD_NUMBER) {
          if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            throw new InvalidProtocolBufferException("namespaces has an unexpected wire type");
          }
          ByteString entry = in.readBytes();
          String name = lastString(entry, DescribeNamespaceResponse.NAMESPACE_INFO_FIELD_NUMBER,
              NamespaceInfo.NAME_FIELD_NUMBER);
          if (name != null && !name.isEmpty() && mayRead.test(name)) {
            out.writeBytes(ListNamespacesResponse.NAMESPACES_FIELD_NUMBER, entry);
          } else {
            dropped = true;
          }
        } else {
          in.skipField(tag, out);
        }
      }
      if (!dropped) {
        return response;
      }
      out.flush();
      return bytes.toByteArray();
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  // The last value of outerField.innerField across every occurrence of outerField: what a protobuf merge yields.
  private static String lastString(ByteString message, int outerField, int innerField) throws IOException {
    String result = null;
    CodedInputStream in = message.newCodedInput();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == outerField
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        CodedInputStream inner = in.readBytes().newCodedInput();
        for (int t = inner.readTag(); t != 0; t = inner.readTag()) {
          if (WireFormat.getTagFieldNumber(t) == innerField
              && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            result = inner.readStringRequireUtf8();
          } else {
            inner.skipField(t);
          }
        }
      } else {
        in.skipField(tag);
      }
    }
    return result;
  }
}
