package dev.gatehouse.proxy;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads the namespace a task token was issued in, in the two formats an upstream may use.
 *
 * <ul>
 *   <li>Temporal's: a {@code temporal.server.api.token.v1} message ({@code Task}, {@code QueryTask},
 *       {@code NexusTask}), all with {@code string namespace_id = 1}: the namespace's id.</li>
 *   <li>Temporal's Java test server (the embedded upstream): {@code DataOutputStream.writeUTF} of the namespace
 *       name, the workflow id and the run id, then a fixed tail (activity: long and int; workflow task: int; Nexus:
 *       long, int and boolean) or, for a query, one more {@code writeUTF}.</li>
 * </ul>
 *
 * <p>A token must read as exactly one of them: neither, or both (a crafted token each upstream would read
 * differently), is {@link Unreadable}, and the call is refused. A test-server token starts with a zero byte for any
 * namespace name under 256 bytes, which no protobuf message can.
 */
final class TaskTokens {
  private TaskTokens() {}

  /** What a token says about its namespace. */
  sealed interface Reading {}

  /** The namespace by name (the test server's tokens). */
  record ByName(String namespace) implements Reading {}

  /** The namespace by id (Temporal's tokens). */
  record ById(String namespaceId) implements Reading {}

  /** Not a token either format can read, or one both can. */
  record Unreadable() implements Reading {}

  private static final Unreadable UNREADABLE = new Unreadable();

  static Reading read(byte[] token) {
    String id = temporalNamespaceId(token);
    String name = testServerNamespace(token);
    if (id != null && name == null) {
      return new ById(id);
    }
    if (name != null && id == null) {
      return new ByName(name);
    }
    return UNREADABLE;
  }

  /** The {@code namespace_id} of a well-formed protobuf message, last occurrence; {@code null} otherwise. */
  private static String temporalNamespaceId(byte[] token) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(token);
      String id = null;
      int wanted = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return id == null || id.isEmpty() ? null : id;
        }
        if (tag == wanted) {
          id = in.readStringRequireUtf8();
        } else if (WireFormat.getTagFieldNumber(tag) == 1 || !in.skipField(tag)) {
          return null;
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The namespace of a token in the test server's layout, which must account for every byte; else {@code null}. */
  private static String testServerNamespace(byte[] token) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(token))) {
      String namespace = utf(in);
      utf(in); // workflow id
      utf(in); // run id
      int rest = in.available();
      if (rest == 4 || rest == 12 || rest == 13) {
        // Workflow task: attempt. Activity: scheduled event id, attempt. Nexus: the same and a cancel flag.
        return namespace.isEmpty() ? null : namespace;
      }
      utf(in); // query id
      return in.available() == 0 && !namespace.isEmpty() ? namespace : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  // readUTF refuses malformed modified UTF-8, as the test server's own reader does: both read the same string.
  private static String utf(DataInputStream in) throws IOException {
    return in.readUTF();
  }
}
