package dev.gatehouse.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Predicate;

/**
 * Rewrites a serialized {@code ListNamespacesResponse} to keep only the namespaces a predicate accepts. Kept fields,
 * including kept namespace entries, are copied byte for byte. Entries without a name are dropped.
 */
final class NamespaceListFilter {
  private NamespaceListFilter() {}

  /** The filtered response; {@code response} itself when nothing was dropped. */
  static byte[] filter(byte[] response, Predicate<String> mayRead) throws InvalidProtocolBufferException {
    try {
      CodedInputStream in = CodedInputStream.newInstance(response);
      in.enableAliasing(true);
      ByteArrayOutputStream out = new ByteArrayOutputStream(response.length);
      boolean dropped = false;
      while (true) {
        int fieldStart = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        boolean keep = true;
        if (WireFormat.getTagFieldNumber(tag) == ListNamespacesResponse.NAMESPACES_FIELD_NUMBER) {
          if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            throw new InvalidProtocolBufferException("namespaces has an unexpected wire type");
          }
          String name = lastString(in.readBytes(), DescribeNamespaceResponse.NAMESPACE_INFO_FIELD_NUMBER,
              NamespaceInfo.NAME_FIELD_NUMBER);
          keep = name != null && !name.isEmpty() && mayRead.test(name);
        } else {
          in.skipField(tag);
        }
        if (keep) {
          out.write(response, fieldStart, in.getTotalBytesRead() - fieldStart);
        } else {
          dropped = true;
        }
      }
      return dropped ? out.toByteArray() : response;
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
