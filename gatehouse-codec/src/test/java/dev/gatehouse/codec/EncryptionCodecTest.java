package dev.gatehouse.codec;

import static dev.gatehouse.codec.TestPayloads.json;
import static dev.gatehouse.codec.TestPayloads.meta;
import static dev.gatehouse.codec.TestPayloads.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.context.ActivitySerializationContext;
import io.temporal.payload.context.SerializationContext;
import io.temporal.payload.context.WorkflowSerializationContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EncryptionCodecTest {

  private final Key key = Key.generate("k1");
  private final EncryptionCodec codec =
      EncryptionCodec.builder().keyring(Keyring.of(key)).defaultNamespace("orders").build();

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 255, 1024, CodecEngine.STREAM_THRESHOLD - 64, CodecEngine.STREAM_THRESHOLD,
      65536, 1 << 20, (1 << 20) + 7})
  void roundTripsAndEncryptsTheWholeSerializedPayloadAtEverySize(int size) throws Exception {
    Payload payload = json(size, size);

    Payload encrypted = single(codec.encode(List.of(payload)));

    assertThat(meta(encrypted, "encoding")).isEqualTo("binary/encrypted");
    assertThat(meta(encrypted, "encryption-key-id")).isEqualTo("k1");
    assertThat(meta(encrypted, "encryption-cipher")).isEqualTo("gatehouse/AES-256-GCM/v1");
    assertThat(encrypted.getMetadataMap()).doesNotContainKeys("messageType", "encryption-data-key",
        "encryption-compression");
    byte[] data = encrypted.getData().toByteArray();
    assertThat(data).hasSize(12 + payload.getSerializedSize() + 16);
    // Independent JCE decryption with the AAD as specified recovers exactly payload.toByteArray().
    byte[] plain = TestPayloads.jceDecrypt(key.secret(), data, TestPayloads.specAad("k1", "orders", 0, new byte[0]));
    assertThat(plain).isEqualTo(payload.toByteArray());

    assertThat(single(codec.decode(List.of(encrypted)))).isEqualTo(payload);
  }

  @Test
  void decodedPayloadIsIndependentOfTheEncryptedBuffer() {
    Payload payload = json(100_000, 7);
    Payload encrypted = single(codec.encode(List.of(payload)));
    Payload first = single(codec.decode(List.of(encrypted)));
    Payload second = single(codec.decode(List.of(encrypted)));
    assertThat(first).isEqualTo(payload).isEqualTo(second);
    assertThat(first.getData().toByteArray()).isEqualTo(payload.getData().toByteArray());
  }

  @Test
  void encodesAndDecodesListsInOrder() {
    List<Payload> payloads = List.of(json(10, 1), TestPayloads.text("\"b\""), json(3000, 3));
    List<Payload> encrypted = codec.encode(payloads);
    assertThat(encrypted).hasSize(3).allSatisfy(p -> assertThat(meta(p, "encoding")).isEqualTo("binary/encrypted"));
    assertThat(codec.decode(encrypted)).containsExactlyElementsOf(payloads);
    assertThat(codec.encode(List.of())).isEmpty();
  }

  @Test
  void eachPayloadGetsAFreshNonceAcrossThreads() throws Exception {
    Payload payload = json(16, 1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<ByteString>>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        futures.add(pool.submit(() -> {
          List<ByteString> nonces = new ArrayList<>();
          for (int i = 0; i < 5000; i++) {
            nonces.add(single(codec.encode(List.of(payload))).getData().substring(0, 12));
          }
          return nonces;
        }));
      }
      Set<ByteString> all = new HashSet<>();
      for (Future<List<ByteString>> future : futures) {
        all.addAll(future.get());
      }
      assertThat(all).hasSize(20_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void identicalPlaintextsGiveDifferentCiphertexts() {
    Payload payload = json(64, 5);
    Payload a = single(codec.encode(List.of(payload)));
    Payload b = single(codec.encode(List.of(payload)));
    assertThat(a.getData()).isNotEqualTo(b.getData());
  }

  @Test
  void alreadyEncryptedPayloadsAreNotEncryptedAgain() {
    Payload encrypted = single(codec.encode(List.of(json(50, 1))));
    assertThat(single(codec.encode(List.of(encrypted)))).isSameAs(encrypted);

    // Someone else's encrypted payload (another codec, the samples) is left alone too.
    Payload foreign = Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("binary/encrypted"))
        .putMetadata("encryption-key-id", ByteString.copyFromUtf8("theirs"))
        .setData(ByteString.copyFromUtf8("opaque"))
        .build();
    assertThat(single(codec.encode(List.of(foreign)))).isSameAs(foreign);
  }

  @Test
  void unencryptedPayloadsPassThroughDecodeByDefault() {
    Payload plain = json(20, 1);
    assertThat(single(codec.decode(List.of(plain)))).isSameAs(plain);
  }

  @Test
  void rejectUnencryptedRefusesPlainPayloads() {
    EncryptionCodec strict = EncryptionCodec.builder().keyring(Keyring.of(key)).defaultNamespace("orders")
        .rejectUnencrypted(true).build();
    refused(Reason.UNENCRYPTED_PAYLOAD, () -> strict.decode(List.of(json(20, 1))));
    refused(Reason.UNENCRYPTED_PAYLOAD, () -> strict.decode(List.of(Payload.getDefaultInstance())));
    Payload encrypted = single(strict.encode(List.of(json(20, 1))));
    assertThat(single(strict.decode(List.of(encrypted)))).isEqualTo(json(20, 1));
  }

  @Test
  void namespaceComesFromTheSerializationContext() throws Exception {
    Payload payload = json(40, 2);
    EncryptionCodec inPayments = codec.withContext(new WorkflowSerializationContext("payments", "wf-1"));
    assertThat(inPayments.namespace()).isEqualTo("payments");

    Payload encrypted = single(inPayments.encode(List.of(payload)));
    assertThat(TestPayloads.jceDecrypt(key.secret(), encrypted.getData().toByteArray(),
        TestPayloads.specAad("k1", "payments", 0, new byte[0]))).isEqualTo(payload.toByteArray());

    // Activity contexts carry the namespace too.
    EncryptionCodec activity = codec.withContext(
        new ActivitySerializationContext("payments", "wf-1", "Wf", "act", "queue", false));
    assertThat(single(activity.decode(List.of(encrypted)))).isEqualTo(payload);
    assertThat(single(codec.forNamespace("payments").decode(List.of(encrypted)))).isEqualTo(payload);
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(encrypted)));
  }

  @Test
  void withoutANamespaceInTheContextTheDefaultNamespaceApplies() {
    SerializationContext opaque = new SerializationContext() {
    };
    assertThat(codec.withContext(opaque).namespace()).isEqualTo("orders");
    assertThat(codec.withContext(new WorkflowSerializationContext("", "wf")).namespace()).isEqualTo("orders");
    assertThat(codec.withContext(new WorkflowSerializationContext(null, "wf")).namespace()).isEqualTo("orders");
    assertThat(codec.forNamespace("x").withContext(opaque).namespace()).isEqualTo("orders");
    assertThat(codec.withContext(opaque)).isSameAs(codec);
  }

  @Test
  void builderRequiresANamespaceAndKeys() {
    assertThatThrownBy(() -> EncryptionCodec.builder().keyring(Keyring.of(key)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("defaultNamespace");
    refused(Reason.INVALID_KEYRING, () -> EncryptionCodec.builder().defaultNamespace("a").build());
    assertThatThrownBy(() -> EncryptionCodec.builder().defaultNamespace(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.forNamespace("n".repeat(70_000))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rotationKeepsOldPayloadsReadableAndEncryptsNewOnesWithTheNewKey() {
    Payload before = json(300, 1);
    Payload oldEncrypted = single(codec.encode(List.of(before)));
    Key k2 = Key.generate("k2");

    codec.updateKeyring(Keyring.of(key).withActiveKey(k2));

    Payload after = json(300, 2);
    Payload newEncrypted = single(codec.encode(List.of(after)));
    assertThat(meta(oldEncrypted, "encryption-key-id")).isEqualTo("k1");
    assertThat(meta(newEncrypted, "encryption-key-id")).isEqualTo("k2");
    // Views created before the rotation see it too.
    EncryptionCodec view = codec.forNamespace("orders2");
    codec.updateKeyring(Keyring.of(k2, key));
    assertThat(meta(single(view.encode(List.of(after))), "encryption-key-id")).isEqualTo("k2");
    assertThat(codec.decode(List.of(oldEncrypted, newEncrypted))).containsExactly(before, after);

    // Retiring the old key makes its payloads undecodable, with an error naming it.
    codec.updateKeyring(Keyring.of(k2, key).withoutKey("k1"));
    assertThat(single(codec.decode(List.of(newEncrypted)))).isEqualTo(after);
    EncryptionCodecException e = refused(Reason.UNKNOWN_KEY, () -> codec.decode(List.of(oldEncrypted)));
    assertThat(e).hasMessageContaining("'k1'");
  }

  @Test
  void rotationWhileOtherThreadsEncodeAndDecodeNeverFails() throws Exception {
    Key k2 = Key.generate("k2");
    Keyring both = Keyring.of(key, k2);
    codec.updateKeyring(both);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> workers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        workers.add(pool.submit(() -> {
          for (int i = 0; i < 3000; i++) {
            Payload payload = json(64, i);
            assertThat(single(codec.decode(codec.encode(List.of(payload))))).isEqualTo(payload);
          }
          return 3000;
        }));
      }
      for (int i = 0; i < 200; i++) {
        codec.updateKeyring(i % 2 == 0 ? both.withActiveKey(k2) : both);
      }
      for (Future<Integer> worker : workers) {
        assertThat(worker.get()).isEqualTo(3000);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unknownKeyErrorNamesTheKeyIdAndNeverTheKey() throws Exception {
    Key secretKey = Key.generate("finance-2025");
    EncryptionCodec other = EncryptionCodec.builder().keyring(Keyring.of(secretKey)).defaultNamespace("orders")
        .build();
    Payload encrypted = single(other.encode(List.of(json(32, 1))));

    EncryptionCodecException e = refused(Reason.UNKNOWN_KEY, () -> codec.decode(List.of(encrypted)));

    assertThat(e).hasMessageContaining("finance-2025");
    byte[] material = secretKey.secret().getEncoded();
    String message = e.getMessage();
    assertThat(message).doesNotContain(java.util.Base64.getEncoder().encodeToString(material))
        .doesNotContain(java.util.HexFormat.of().formatHex(material))
        .doesNotContain(new String(material, java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThat(key.toString()).isEqualTo("Key[id=k1]");
    assertThat(Keyring.of(key).toString()).doesNotContain(java.util.Base64.getEncoder()
        .encodeToString(key.secret().getEncoded()));
  }

  @Test
  void compressionDeflatesLargeCompressiblePayloadsOnly() throws Exception {
    EncryptionCodec compressing = EncryptionCodec.builder().keyring(Keyring.of(key)).defaultNamespace("orders")
        .compressionThreshold(1024).build();
    Payload compressible = TestPayloads.text("{\"items\":[" + "{\"sku\":\"A-1\",\"qty\":1},".repeat(2000) + "]}");
    Payload random = json(8192, 9);
    Payload small = TestPayloads.text("{\"sku\":\"A-1\",\"qty\":1,\"sku2\":\"A-1\",\"qty2\":1}");

    Payload c = single(compressing.encode(List.of(compressible)));
    assertThat(meta(c, "encryption-compression")).isEqualTo("deflate");
    assertThat(c.getData().size()).isLessThan(compressible.getSerializedSize() / 10);
    // The compression flag is authenticated, and the plaintext is u32 size ‖ deflate(serialized payload).
    byte[] plain = TestPayloads.jceDecrypt(key.secret(), c.getData().toByteArray(),
        TestPayloads.specAad("k1", "orders", 1, new byte[0]));
    java.util.zip.Inflater inflater = new java.util.zip.Inflater();
    inflater.setInput(plain, 4, plain.length - 4);
    byte[] inflated = new byte[compressible.getSerializedSize()];
    assertThat(inflater.inflate(inflated)).isEqualTo(inflated.length);
    assertThat(inflated).isEqualTo(compressible.toByteArray());
    assertThat(java.nio.ByteBuffer.wrap(plain, 0, 4).getInt()).isEqualTo(inflated.length);

    Payload r = single(compressing.encode(List.of(random)));
    assertThat(r.getMetadataMap()).doesNotContainKey("encryption-compression");
    Payload s = single(compressing.encode(List.of(small)));
    assertThat(s.getMetadataMap()).doesNotContainKey("encryption-compression");

    assertThat(compressing.decode(List.of(c, r, s))).containsExactly(compressible, random, small);
    // A codec without compression enabled still decodes compressed payloads.
    assertThat(single(codec.decode(List.of(c)))).isEqualTo(compressible);
  }

  @Test
  void compressionThresholdZeroCompressesEverythingThatShrinks() {
    EncryptionCodec compressing = EncryptionCodec.builder().keyring(Keyring.of(key)).defaultNamespace("orders")
        .compressionThreshold(0).build();
    Payload empty = Payload.getDefaultInstance();
    Payload repetitive = TestPayloads.text("a".repeat(200));
    List<Payload> encrypted = compressing.encode(List.of(empty, repetitive));
    assertThat(meta(encrypted.get(1), "encryption-compression")).isEqualTo("deflate");
    assertThat(compressing.decode(encrypted)).containsExactly(empty, repetitive);
  }

  private static Payload single(List<Payload> payloads) {
    assertThat(payloads).hasSize(1);
    return payloads.get(0);
  }
}
