package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TaskTokensTest {

  /** The test server's layout: writeUTF namespace, workflow id, run id, then the kind's tail. */
  static byte[] testServerToken(String namespace, int tail, String queryId) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(namespace);
      out.writeUTF("wf-1");
      out.writeUTF("3b9c1f9e-0000-4000-8000-000000000001");
      if (queryId != null) {
        out.writeUTF(queryId);
      } else {
        out.write(new byte[tail]);
      }
    }
    return bytes.toByteArray();
  }

  /** Temporal's token.v1.Task: namespace_id = 1, workflow_id = 2, run_id = 3, scheduled_event_id = 4. */
  static byte[] temporalToken(String namespaceId) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(1, namespaceId);
    out.writeString(2, "wf-1");
    out.writeString(3, "3b9c1f9e-0000-4000-8000-000000000001");
    out.writeInt64(4, 5);
    out.flush();
    return bytes.toByteArray();
  }

  @Test
  void readsEveryTestServerTokenKind() throws IOException {
    for (int tail : new int[] {4, 12, 13}) {
      assertThat(TaskTokens.read(testServerToken("ns-b", tail, null))).isEqualTo(new TaskTokens.ByName("ns-b"));
    }
    assertThat(TaskTokens.read(testServerToken("ns-b", 0, "query-7"))).isEqualTo(new TaskTokens.ByName("ns-b"));
  }

  @Test
  void readsTemporalTokens() throws IOException {
    String id = "c1e0d2a4-5b6f-4a3e-9d8c-7b6a5f4e3d2c";
    assertThat(TaskTokens.read(temporalToken(id))).isEqualTo(new TaskTokens.ById(id));
    // Field order does not matter, and the last namespace_id wins, as in protobuf.
    byte[] twice = concat(temporalToken("first"), temporalToken(id));
    assertThat(TaskTokens.read(twice)).isEqualTo(new TaskTokens.ById(id));
    ByteString reordered = ByteString.copyFrom(Arrays.copyOfRange(temporalToken(id), id.length() + 2,
        temporalToken(id).length)).concat(ByteString.copyFrom(temporalToken(id), 0, id.length() + 2));
    assertThat(TaskTokens.read(reordered.toByteArray())).isEqualTo(new TaskTokens.ById(id));
  }

  @Test
  void anythingElseIsUnreadable() throws IOException {
    assertThat(TaskTokens.read(new byte[] {1, 2, 3})).isInstanceOf(TaskTokens.Unreadable.class);
    assertThat(TaskTokens.read(new byte[] {(byte) 0xff})).isInstanceOf(TaskTokens.Unreadable.class);
    // A test-server layout with bytes left over, or too few.
    assertThat(TaskTokens.read(testServerToken("ns-b", 5, null))).isInstanceOf(TaskTokens.Unreadable.class);
    assertThat(TaskTokens.read(testServerToken("ns-b", 3, null))).isInstanceOf(TaskTokens.Unreadable.class);
    // No namespace in either format.
    assertThat(TaskTokens.read(testServerToken("", 4, null))).isInstanceOf(TaskTokens.Unreadable.class);
    assertThat(TaskTokens.read(temporalToken(""))).isInstanceOf(TaskTokens.Unreadable.class);
  }

  @Test
  void aTokenBothFormatsCanReadIsUnreadable() throws IOException {
    // As protobuf: namespace_id "" then "ns-a", and padding in workflow_id. As the test server's layout: a
    // 2560-byte namespace, a 4608-byte workflow id, a 2564-byte run id and a 4-byte attempt.
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(new byte[] {0x0A, 0x00});
    pad(b, 20);
    b.write(new byte[] {0x12, 0x00});
    pad(b, 36);
    b.write(new byte[] {0x0A, 0x04, 'n', 's', '-', 'a'});
    pad(b, 20);
    b.write(new byte[] {0x12, 0x02, 'a', 'a'});
    byte[] token = b.toByteArray();
    assertThat(TaskTokens.read(token)).isInstanceOf(TaskTokens.Unreadable.class);
  }

  // 128-byte workflow_id fields: tag, length 126, 126 ASCII bytes.
  private static void pad(ByteArrayOutputStream b, int chunks) {
    for (int i = 0; i < chunks; i++) {
      b.write(0x12);
      b.write(126);
      for (int j = 0; j < 126; j++) {
        b.write('a');
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
