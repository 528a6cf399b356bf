package dev.gatehouse.codec;

import static dev.gatehouse.codec.TestPayloads.json;
import static dev.gatehouse.codec.TestPayloads.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Payloads written by Temporal's public encryption samples (samples-java CryptCodec and its Go, Python and
 * TypeScript siblings): encoding binary/encrypted, encryption-key-id, data = nonce(12) ‖ ciphertext ‖ tag(16),
 * AES-GCM without associated data over the serialized Payload.
 */
class SampleFormatTest {

  // The Java sample derives its key from this 32-character id.
  private static final String SAMPLE_KEY_ID = "test-key-test-key-test-key-test!";
  private final Key sampleKey = Key.of(SAMPLE_KEY_ID, SAMPLE_KEY_ID.getBytes(StandardCharsets.UTF_8));
  private final EncryptionCodec migrating = EncryptionCodec.builder()
      .keyring(Keyring.of(Key.generate("gatehouse-1"), sampleKey))
      .defaultNamespace("orders").decodeSampleFormat(true).build();

  private Payload samplePayload(Payload inner, String cipherName) throws Exception {
    byte[] nonce = new byte[12];
    new java.security.SecureRandom().nextBytes(nonce);
    Payload.Builder builder = Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("binary/encrypted"))
        .putMetadata("encryption-key-id", ByteString.copyFromUtf8(SAMPLE_KEY_ID))
        .setData(ByteString.copyFrom(TestPayloads.jceEncrypt(sampleKey.secret(), inner.toByteArray(), nonce)));
    if (cipherName != null) {
      builder.putMetadata("encryption-cipher", ByteString.copyFromUtf8(cipherName));
    }
    return builder.build();
  }

  @Test
  void decodesJavaSamplePayloads() throws Exception {
    Payload inner = json(700, 1);
    assertThat(migrating.decode(List.of(samplePayload(inner, "AES/GCM/NoPadding")))).containsExactly(inner);
  }

  @Test
  void decodesSamplePayloadsWithoutACipherNameAndTheTypeScriptName() throws Exception {
    Payload inner = json(70, 2);
    assertThat(migrating.decode(List.of(samplePayload(inner, null)))).containsExactly(inner);
    assertThat(migrating.decode(List.of(samplePayload(inner, "aes-256-gcm")))).containsExactly(inner);
  }

  @Test
  void sampleFormatIsNotNamespaceBoundSoItIsOptIn() throws Exception {
    Payload sample = samplePayload(json(70, 3), "AES/GCM/NoPadding");
    EncryptionCodec strict = EncryptionCodec.builder().keyring(Keyring.of(sampleKey)).defaultNamespace("orders")
        .build();
    EncryptionCodecException e = refused(Reason.UNSUPPORTED_FORMAT, () -> strict.decode(List.of(sample)));
    assertThat(e).hasMessageContaining("decodeSampleFormat");
  }

  @Test
  void samplePayloadsStillAuthenticate() throws Exception {
    Payload sample = samplePayload(json(70, 4), "AES/GCM/NoPadding");
    byte[] data = sample.getData().toByteArray();
    data[30] ^= 4;
    refused(Reason.AUTHENTICATION_FAILED,
        () -> migrating.decode(List.of(TestPayloads.withData(sample, data))));
    refused(Reason.UNKNOWN_KEY, () -> migrating.decode(List.of(TestPayloads.withMetadata(sample,
        "encryption-key-id", ByteString.copyFromUtf8("other-key")))));
    refused(Reason.MALFORMED_PAYLOAD, () -> migrating.decode(List.of(TestPayloads.withData(sample, new byte[20]))));
  }

  @Test
  void newPayloadsAreWrittenInTheGatehouseFormat() throws Exception {
    Payload inner = json(70, 5);
    Payload encoded = migrating.encode(List.of(inner)).get(0);
    assertThat(TestPayloads.meta(encoded, "encryption-cipher")).isEqualTo("gatehouse/AES-256-GCM/v1");
    assertThat(TestPayloads.meta(encoded, "encryption-key-id")).isEqualTo("gatehouse-1");
    assertThat(migrating.decode(List.of(encoded, samplePayload(inner, null)))).containsExactly(inner, inner);
  }
}
