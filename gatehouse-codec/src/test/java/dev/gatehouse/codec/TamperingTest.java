package dev.gatehouse.codec;

import static dev.gatehouse.codec.TestPayloads.json;
import static dev.gatehouse.codec.TestPayloads.refused;
import static dev.gatehouse.codec.TestPayloads.withData;
import static dev.gatehouse.codec.TestPayloads.withMetadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way to alter an encrypted payload fails closed with an EncryptionCodecException. */
class TamperingTest {

  private final Key k1 = Key.generate("k1");
  private final Key k2 = Key.generate("k2");
  private final EncryptionCodec codec = EncryptionCodec.builder().keyring(Keyring.of(k1, k2))
      .defaultNamespace("orders").build();
  private final EncryptionCodec lenient = EncryptionCodec.builder().keyring(Keyring.of(k1, k2))
      .defaultNamespace("orders").decodeSampleFormat(true).build();
  private final Payload original = json(2000, 42);
  private final Payload encrypted = codec.encode(List.of(original)).get(0);

  @Test
  void untouchedPayloadDecodes() {
    assertThat(codec.decode(List.of(encrypted))).containsExactly(original);
  }

  @ParameterizedTest(name = "flipping a bit at byte {0}")
  @ValueSource(ints = {0, 5, 11, 12, 13, 1000, 2000, 2011, 2012, 2020, 2027})
  void anyModifiedByteFailsAuthentication(int position) {
    byte[] data = encrypted.getData().toByteArray();
    int index = Math.min(position, data.length - 1);
    data[index] ^= 0x01;
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(withData(encrypted, data))));
  }

  @Test
  void payloadCopiedIntoAnotherNamespaceFails() {
    EncryptionCodecException e = refused(Reason.AUTHENTICATION_FAILED,
        () -> codec.forNamespace("billing").decode(List.of(encrypted)));
    assertThat(e).hasMessageContaining("billing");
    // Same for a namespace differing only in case or by a suffix.
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.forNamespace("Orders").decode(List.of(encrypted)));
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.forNamespace("orders-").decode(List.of(encrypted)));
  }

  @Test
  void truncatedPayloadsFail() {
    byte[] data = encrypted.getData().toByteArray();
    refused(Reason.AUTHENTICATION_FAILED,
        () -> codec.decode(List.of(withData(encrypted, Arrays.copyOf(data, data.length - 1)))));
    refused(Reason.AUTHENTICATION_FAILED,
        () -> codec.decode(List.of(withData(encrypted, Arrays.copyOf(data, data.length - 16)))));
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(withData(encrypted, Arrays.copyOf(data, 28)))));
    refused(Reason.MALFORMED_PAYLOAD, () -> codec.decode(List.of(withData(encrypted, Arrays.copyOf(data, 27)))));
    refused(Reason.MALFORMED_PAYLOAD, () -> codec.decode(List.of(withData(encrypted, new byte[0]))));
    // Appending bytes is no better.
    refused(Reason.AUTHENTICATION_FAILED,
        () -> codec.decode(List.of(withData(encrypted, Arrays.copyOf(data, data.length + 1)))));
  }

  @Test
  void keyIdRelabelledToAnotherKnownKeyFails() {
    Payload relabelled = withMetadata(encrypted, "encryption-key-id", ByteString.copyFromUtf8("k2"));
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(relabelled)));
  }

  @Test
  void keyIdRelabelledToAnUnknownOrInvalidKeyFails() {
    EncryptionCodecException e = refused(Reason.UNKNOWN_KEY, () -> codec.decode(List.of(
        withMetadata(encrypted, "encryption-key-id", ByteString.copyFromUtf8("k3")))));
    assertThat(e).hasMessageContaining("'k3'");
    // An id that is not a valid id is not echoed (log injection).
    EncryptionCodecException invalid = refused(Reason.MALFORMED_PAYLOAD, () -> codec.decode(List.of(
        withMetadata(encrypted, "encryption-key-id", ByteString.copyFromUtf8("k1\nFORGED LOG LINE")))));
    assertThat(invalid.getMessage()).doesNotContain("FORGED");
    refused(Reason.MALFORMED_PAYLOAD, () -> codec.decode(List.of(
        withMetadata(encrypted, "encryption-key-id", ByteString.EMPTY))));
    refused(Reason.MALFORMED_PAYLOAD, () -> codec.decode(List.of(
        encrypted.toBuilder().removeMetadata("encryption-key-id").build())));
  }

  @Test
  void compressionFlagCannotBeAddedRemovedOrChanged() {
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(
        withMetadata(encrypted, "encryption-compression", ByteString.copyFromUtf8("deflate")))));
    refused(Reason.UNSUPPORTED_FORMAT, () -> codec.decode(List.of(
        withMetadata(encrypted, "encryption-compression", ByteString.copyFromUtf8("zstd")))));

    EncryptionCodec compressing = EncryptionCodec.builder().keyring(Keyring.of(k1)).defaultNamespace("orders")
        .compressionThreshold(0).build();
    Payload compressed = compressing.encode(List.of(TestPayloads.text("x".repeat(5000)))).get(0);
    assertThat(compressed.getMetadataMap()).containsKey("encryption-compression");
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(
        compressed.toBuilder().removeMetadata("encryption-compression").build())));
  }

  @Test
  void strippingTheFormatMarkerDoesNotDowngradeToTheSampleFormat() {
    Payload stripped = encrypted.toBuilder().removeMetadata("encryption-cipher").build();
    refused(Reason.UNSUPPORTED_FORMAT, () -> codec.decode(List.of(stripped)));
    // Even with the sample format accepted, the missing associated data makes authentication fail.
    refused(Reason.AUTHENTICATION_FAILED, () -> lenient.decode(List.of(stripped)));
    refused(Reason.AUTHENTICATION_FAILED, () -> lenient.decode(List.of(
        withMetadata(encrypted, "encryption-cipher", ByteString.copyFromUtf8("AES/GCM/NoPadding")))));
  }

  @Test
  void unknownCipherNamesAreRefused() {
    EncryptionCodecException e = refused(Reason.UNSUPPORTED_FORMAT, () -> lenient.decode(List.of(
        withMetadata(encrypted, "encryption-cipher", ByteString.copyFromUtf8("gatehouse/AES-256-GCM/v2")))));
    assertThat(e).hasMessageContaining("v2");
    refused(Reason.UNSUPPORTED_FORMAT, () -> lenient.decode(List.of(
        withMetadata(encrypted, "encryption-cipher", ByteString.copyFromUtf8("none")))));
  }

  @Test
  void addingAWrappedDataKeyToADirectPayloadFails() {
    refused(Reason.UNKNOWN_KEY, () -> codec.decode(List.of(
        withMetadata(encrypted, "encryption-data-key", ByteString.copyFrom(new byte[60])))));
  }

  @Test
  void aDecodedPayloadNeverCarriesTamperedOuterMetadata() {
    Payload extra = withMetadata(encrypted, "encoding-override", ByteString.copyFromUtf8("json/plain"));
    // Outer metadata that is not part of the format is dropped: the inner, authenticated Payload is returned.
    assertThat(codec.decode(List.of(extra))).containsExactly(original);
  }

  @Test
  void aFailureInOnePayloadFailsTheWholeList() {
    Payload bad = withMetadata(encrypted, "encryption-key-id", ByteString.copyFromUtf8("k2"));
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(encrypted, bad)));
  }
}
