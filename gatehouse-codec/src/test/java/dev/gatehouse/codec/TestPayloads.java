package dev.gatehouse.codec;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Shared helpers: payloads, an independent decryptor that pins the wire format, a settable clock. */
final class TestPayloads {

  private TestPayloads() {
  }

  static Payload json(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .putMetadata("messageType", ByteString.copyFromUtf8("order"))
        .setData(ByteString.copyFrom(data))
        .build();
  }

  static Payload text(String text) {
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(text))
        .build();
  }

  static Payload withMetadata(Payload payload, String key, ByteString value) {
    return payload.toBuilder().putMetadata(key, value).build();
  }

  static Payload withData(Payload payload, byte[] data) {
    return payload.toBuilder().setData(ByteString.copyFrom(data)).build();
  }

  static String meta(Payload payload, String key) {
    ByteString value = payload.getMetadataOrDefault(key, null);
    return value == null ? null : value.toStringUtf8();
  }

  /**
   * The associated data as the format specifies it, written independently of the codec: "gatehouse-codec/v1\0" ‖
   * u16 len ‖ key id ‖ u16 len ‖ namespace ‖ u8 flags ‖ u16 len ‖ wrapped data key, zero-padded to a multiple of
   * 16 bytes.
   */
  static byte[] specAad(String keyId, String namespace, int flags, byte[] wrapped) {
    byte[] label = "gatehouse-codec/v1\0".getBytes(StandardCharsets.US_ASCII);
    byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    int length = label.length + 2 + id.length + 2 + ns.length + 1 + 2 + wrapped.length;
    ByteBuffer b = ByteBuffer.allocate(length % 16 == 0 ? length : length + 16 - length % 16);
    b.put(label).putShort((short) id.length).put(id).putShort((short) ns.length).put(ns).put((byte) flags)
        .putShort((short) wrapped.length).put(wrapped);
    return b.array();
  }

  /** Decrypts nonce(12) ‖ ciphertext ‖ tag(16) with a fresh JCE Cipher. */
  static byte[] jceDecrypt(SecretKey key, byte[] data, byte[] aad) throws Exception {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, data, 0, 12));
    if (aad != null) {
      cipher.updateAAD(aad);
    }
    return cipher.doFinal(data, 12, data.length - 12);
  }

  /** Encrypts like Temporal's public samples: fresh nonce, nonce ‖ ciphertext ‖ tag, no AAD. */
  static byte[] jceEncrypt(SecretKey key, byte[] plain, byte[] nonce) throws Exception {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
    byte[] ciphertext = cipher.doFinal(plain);
    byte[] out = new byte[nonce.length + ciphertext.length];
    System.arraycopy(nonce, 0, out, 0, nonce.length);
    System.arraycopy(ciphertext, 0, out, nonce.length, ciphertext.length);
    return out;
  }

  static EncryptionCodecException refused(Reason reason, ThrowingCallable call) {
    EncryptionCodecException[] caught = new EncryptionCodecException[1];
    assertThatExceptionOfType(EncryptionCodecException.class).isThrownBy(call).satisfies(e -> {
      org.assertj.core.api.Assertions.assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
      caught[0] = e;
    });
    return caught[0];
  }

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    private volatile Instant now;

    ManualClock(Instant start) {
      this.now = start;
    }

    void advance(java.time.Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
