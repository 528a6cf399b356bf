package dev.gatehouse.codec;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The wire format.
 *
 * <p>Gatehouse v1 payload: metadata {@code encoding: binary/encrypted}, {@code encryption-cipher:
 * gatehouse/AES-256-GCM/v1}, {@code encryption-key-id: <id>}, in envelope mode {@code encryption-data-key:
 * <wrapped data key>}, when compressed {@code encryption-compression: deflate}; data = nonce(12) ‖ ciphertext ‖
 * tag(16). The plaintext is the serialized Payload, or when compressed u32 length ‖ deflate(serialized Payload).
 *
 * <p>Sample format (Temporal's public encryption samples): {@code encoding: binary/encrypted}, {@code
 * encryption-key-id}, no or a sample {@code encryption-cipher}; data = nonce(12) ‖ ciphertext ‖ tag(16), no AAD.
 */
final class Format {

  static final String ENCODING_KEY = "encoding";
  static final ByteString ENCODING_ENCRYPTED = ByteString.copyFromUtf8("binary/encrypted");
  static final String CIPHER_KEY = "encryption-cipher";
  static final ByteString CIPHER_V1 = ByteString.copyFromUtf8("gatehouse/AES-256-GCM/v1");
  static final String KEY_ID_KEY = "encryption-key-id";
  static final String DATA_KEY_KEY = "encryption-data-key";
  static final String COMPRESSION_KEY = "encryption-compression";
  static final ByteString COMPRESSION_DEFLATE = ByteString.copyFromUtf8("deflate");

  /** {@code encryption-cipher} values written by the Java and TypeScript samples; Go and Python write none. */
  static final Set<ByteString> SAMPLE_CIPHERS =
      Set.of(ByteString.copyFromUtf8("AES/GCM/NoPadding"), ByteString.copyFromUtf8("aes-256-gcm"));

  static final String TRANSFORMATION = "AES/GCM/NoPadding";
  static final int NONCE = 12;
  static final int TAG = 16;
  static final int TAG_BITS = TAG * 8;

  static final int FLAG_DEFLATE = 1;
  static final int MAX_WRAPPED_KEY = 1024;
  static final int MAX_NAMESPACE_BYTES = 0xFFFF;

  private static final byte[] AAD_LABEL = "gatehouse-codec/v1\0".getBytes(StandardCharsets.US_ASCII);

  private Format() {
  }

  /**
   * Associated data: label ‖ u16 len ‖ key id ‖ u16 len ‖ namespace ‖ u8 flags ‖ u16 len ‖ wrapped data key, zero-padded
   * to a multiple of 16 bytes. Length prefixes keep the encoding unambiguous (the padding follows a self-delimiting
   * structure). Binding the key id and wrapped data key means editing either in the metadata fails authentication;
   * binding the namespace means a payload copied into another namespace fails; binding the flags means the
   * compression marker cannot be flipped. The padding spares the JCE a copy of the last partial block per payload.
   */
  static byte[] aad(KeySlot slot, String namespace, int flags) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    ByteString id = slot.idValue();
    ByteString wrapped = slot.wrappedKey() == null ? ByteString.EMPTY : slot.wrappedKey();
    int length = AAD_LABEL.length + 2 + id.size() + 2 + ns.length + 1 + 2 + wrapped.size();
    ByteBuffer aad = ByteBuffer.allocate((length + 15) & ~15);
    aad.put(AAD_LABEL);
    aad.putShort((short) id.size());
    id.copyTo(aad);
    aad.putShort((short) ns.length);
    aad.put(ns);
    aad.put((byte) flags);
    aad.putShort((short) wrapped.size());
    wrapped.copyTo(aad);
    return aad.array();
  }

  /** A value safe to put in an error message, or "?". */
  static String printable(String value) {
    return value != null && !value.isEmpty() && value.length() <= 256
        && value.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? value : "?";
  }
}
