package dev.gatehouse.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The state and the work shared by an {@link EncryptionCodec} and all its namespace-bound views. */
final class CodecEngine {

  private static final Logger log = LoggerFactory.getLogger(EncryptionCodec.class);

  /**
   * From this size on, the Payload is serialized straight through the cipher instead of into the output array
   * first: at 1 MiB the extra copy costs about as much as the encryption itself.
   */
  static final int STREAM_THRESHOLD = 16 * 1024;
  private static final int STREAM_BUFFER = 512;
  private static final int LENGTH_PREFIX = 4;
  /** Defense in depth against a decompression bomb; above Temporal's 128 MiB gRPC message limit. */
  static final int MAX_INFLATED = 256 * 1024 * 1024;

  final String defaultNamespace;
  private final DataKeys dataKeys;
  private final int compressionThreshold;
  private final boolean decodeSampleFormat;
  private final boolean rejectUnencrypted;
  private final ThreadLocal<ThreadState> threads;
  private volatile Keys keys;

  /** A keyring snapshot prepared for lookups by metadata value; replaced as a whole on rotation. */
  private record Keys(Keyring keyring, KeySlot active, Map<ByteString, KeySlot> byId) {
    static Keys of(Keyring keyring) {
      if (keyring == null) {
        return new Keys(null, null, Map.of());
      }
      Map<ByteString, KeySlot> byId = new HashMap<>();
      KeySlot active = null;
      for (String id : keyring.keyIds()) {
        KeySlot slot = KeySlot.direct(keyring.key(id).orElseThrow());
        byId.put(slot.idValue(), slot);
        if (id.equals(keyring.activeKey().id())) {
          active = slot;
        }
      }
      return new Keys(keyring, active, Map.copyOf(byId));
    }
  }

  CodecEngine(String defaultNamespace, Keyring keyring, DataKeys dataKeys, int compressionThreshold,
      boolean decodeSampleFormat, boolean rejectUnencrypted, SecureRandom random) {
    this.defaultNamespace = defaultNamespace;
    this.keys = Keys.of(keyring);
    this.dataKeys = dataKeys;
    this.compressionThreshold = compressionThreshold;
    this.decodeSampleFormat = decodeSampleFormat;
    this.rejectUnencrypted = rejectUnencrypted;
    this.threads = ThreadLocal.withInitial(() -> new ThreadState(random));
  }

  void updateKeyring(Keyring keyring) {
    Keys next = Keys.of(keyring);
    keys = next;
    log.info("codec keyring updated: active key {}, keys {}", keyring.activeKey().id(), keyring.keyIds());
  }

  // ---------------------------------------------------------------------------------------------- encode

  Payload encode(Payload payload, String namespace) {
    // One lookup through the map view; the generated getter with a default does containsKey and get.
    if (Format.ENCODING_ENCRYPTED.equals(payload.getMetadataMap().get(Format.ENCODING_KEY))) {
      return payload;
    }
    KeySlot slot = dataKeys != null ? dataKeys.current() : keys.active();
    if (slot == null) {
      throw new EncryptionCodecException(Reason.UNKNOWN_KEY, "no active key: the codec has no keyring");
    }
    ThreadState state = threads.get();
    int size = payload.getSerializedSize();
    try {
      if (compressionThreshold >= 0 && size >= compressionThreshold) {
        Payload compressed = encodeCompressed(payload, size, slot, namespace, state);
        if (compressed != null) {
          return compressed;
        }
      }
      byte[] out = new byte[Format.NONCE + size + Format.TAG];
      Cipher cipher = state.startEncryption(slot, out, state.aad(slot, namespace, 0));
      if (size < STREAM_THRESHOLD) {
        CodedOutputStream plain = CodedOutputStream.newInstance(out, Format.NONCE, size);
        payload.writeTo(plain);
        plain.checkNoSpaceLeft();
        cipher.doFinal(out, Format.NONCE, size, out, Format.NONCE);
      } else {
        CipherSink sink = new CipherSink(cipher, out, Format.NONCE);
        CodedOutputStream plain = CodedOutputStream.newInstance(sink, STREAM_BUFFER);
        payload.writeTo(plain);
        plain.flush();
        sink.finish();
      }
      return encrypted(slot, out, false);
    } catch (GeneralSecurityException | IOException | IllegalStateException e) {
      throw new EncryptionCodecException(Reason.ENCRYPTION_FAILED,
          "cannot encrypt payload under key '" + slot.id() + "': " + e.getClass().getSimpleName(), e);
    }
  }

  /** Deflates then encrypts; null when deflate does not save at least one byte. */
  private Payload encodeCompressed(Payload payload, int size, KeySlot slot, String namespace, ThreadState state)
      throws GeneralSecurityException {
    int budget = size - LENGTH_PREFIX - 1;
    if (budget <= 0) {
      return null;
    }
    byte[] serialized = payload.toByteArray();
    Deflater deflater = state.deflater();
    deflater.setInput(serialized);
    deflater.finish();
    byte[] out = new byte[Format.NONCE + LENGTH_PREFIX + budget + Format.TAG];
    int start = Format.NONCE + LENGTH_PREFIX;
    int written = 0;
    while (!deflater.finished() && written < budget) {
      int n = deflater.deflate(out, start + written, budget - written);
      if (n == 0) {
        break;
      }
      written += n;
    }
    if (!deflater.finished()) {
      return null;
    }
    int plainLength = LENGTH_PREFIX + written;
    Cipher cipher = state.startEncryption(slot, out, state.aad(slot, namespace, Format.FLAG_DEFLATE));
    out[Format.NONCE] = (byte) (size >>> 24);
    out[Format.NONCE + 1] = (byte) (size >>> 16);
    out[Format.NONCE + 2] = (byte) (size >>> 8);
    out[Format.NONCE + 3] = (byte) size;
    int length = Format.NONCE + cipher.doFinal(out, Format.NONCE, plainLength, out, Format.NONCE);
    return encrypted(slot, Arrays.copyOf(out, length), true);
  }

  private static Payload encrypted(KeySlot slot, byte[] data, boolean compressed) {
    Payload.Builder builder = Payload.newBuilder()
        .putMetadata(Format.ENCODING_KEY, Format.ENCODING_ENCRYPTED)
        .putMetadata(Format.CIPHER_KEY, Format.CIPHER_V1)
        .putMetadata(Format.KEY_ID_KEY, slot.idValue());
    if (slot.wrappedKey() != null) {
      builder.putMetadata(Format.DATA_KEY_KEY, slot.wrappedKey());
    }
    if (compressed) {
      builder.putMetadata(Format.COMPRESSION_KEY, Format.COMPRESSION_DEFLATE);
    }
    // data is never written again once wrapped.
    return builder.setData(UnsafeByteOperations.unsafeWrap(data)).build();
  }

  /** Feeds what CodedOutputStream writes through the cipher; large byte fields arrive without a copy. */
  private static final class CipherSink extends OutputStream {
    private final Cipher cipher;
    private final byte[] out;
    private int position;

    CipherSink(Cipher cipher, byte[] out, int position) {
      this.cipher = cipher;
      this.out = out;
      this.position = position;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        position += cipher.update(b, off, len, out, position);
      } catch (ShortBufferException e) {
        throw new IOException("serialized payload is larger than its computed size", e);
      }
    }

    void finish() throws GeneralSecurityException {
      position += cipher.doFinal(out, position);
      if (position != out.length) {
        throw new IllegalStateException("serialized payload is smaller than its computed size");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- decode

  Payload decode(Payload payload, String namespace) {
    Map<String, ByteString> metadata = payload.getMetadataMap();
    if (!Format.ENCODING_ENCRYPTED.equals(metadata.get(Format.ENCODING_KEY))) {
      if (rejectUnencrypted) {
        throw new EncryptionCodecException(Reason.UNENCRYPTED_PAYLOAD,
            "payload is not encrypted and this codec rejects unencrypted payloads");
      }
      return payload;
    }
    ByteString cipherName = metadata.get(Format.CIPHER_KEY);
    if (Format.CIPHER_V1.equals(cipherName)) {
      return decodeV1(payload, metadata, namespace);
    }
    if (cipherName == null || Format.SAMPLE_CIPHERS.contains(cipherName)) {
      if (!decodeSampleFormat) {
        throw new EncryptionCodecException(Reason.UNSUPPORTED_FORMAT, "payload is in the format of Temporal's "
            + "encryption samples, which this codec accepts only when built with decodeSampleFormat(true)");
      }
      return decodeSample(payload, metadata);
    }
    throw new EncryptionCodecException(Reason.UNSUPPORTED_FORMAT,
        "payload uses an unsupported encryption-cipher '" + Format.printable(cipherName.toStringUtf8()) + "'");
  }

  private Payload decodeV1(Payload payload, Map<String, ByteString> metadata, String namespace) {
    ByteString keyId = keyIdOf(metadata);
    ByteString wrapped = metadata.get(Format.DATA_KEY_KEY);
    int flags = flagsOf(metadata);
    KeySlot slot;
    if (wrapped == null) {
      slot = directKey(keyId);
    } else if (dataKeys != null) {
      slot = dataKeys.unwrap(keyId, wrapped);
    } else {
      throw new EncryptionCodecException(Reason.UNKNOWN_KEY, "payload uses envelope encryption under key '"
          + Format.printable(keyId.toStringUtf8()) + "' but this codec has no key provider");
    }
    ThreadState state = threads.get();
    byte[] plain = decrypt(state, slot, payload.getData(), state.aad(slot, namespace, flags), namespace);
    if ((flags & Format.FLAG_DEFLATE) != 0) {
      plain = inflate(state, plain);
    }
    return parse(plain);
  }

  private Payload decodeSample(Payload payload, Map<String, ByteString> metadata) {
    KeySlot slot = directKey(keyIdOf(metadata));
    return parse(decrypt(threads.get(), slot, payload.getData(), null, null));
  }

  private static ByteString keyIdOf(Map<String, ByteString> metadata) {
    ByteString keyId = metadata.get(Format.KEY_ID_KEY);
    if (keyId == null || keyId.isEmpty()) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "encrypted payload has no encryption-key-id");
    }
    return keyId;
  }

  private static int flagsOf(Map<String, ByteString> metadata) {
    ByteString compression = metadata.get(Format.COMPRESSION_KEY);
    if (compression == null) {
      return 0;
    }
    if (Format.COMPRESSION_DEFLATE.equals(compression)) {
      return Format.FLAG_DEFLATE;
    }
    throw new EncryptionCodecException(Reason.UNSUPPORTED_FORMAT, "payload uses an unsupported compression");
  }

  private KeySlot directKey(ByteString keyId) {
    KeySlot slot = keys.byId().get(keyId);
    if (slot == null) {
      String id = keyId.toStringUtf8();
      if (!Key.isValidId(id)) {
        throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "payload has an invalid encryption-key-id");
      }
      throw new EncryptionCodecException(Reason.UNKNOWN_KEY,
          "payload was encrypted with key '" + id + "', which is not in the keyring");
    }
    return slot;
  }

  /** Decrypts and authenticates; namespace null means the sample format, which has no associated data. */
  private static byte[] decrypt(ThreadState state, KeySlot slot, ByteString data, byte[] aad, String namespace) {
    ThreadState.Slice in = state.slice(data);
    try {
      if (in.length < Format.NONCE + Format.TAG) {
        throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD,
            "encrypted payload under key '" + slot.id() + "' is truncated");
      }
      Cipher cipher = state.startDecryption(slot, in.array, in.offset, aad);
      byte[] plain = new byte[in.length - Format.NONCE - Format.TAG];
      cipher.doFinal(in.array, in.offset + Format.NONCE, in.length - Format.NONCE, plain, 0);
      return plain;
    } catch (AEADBadTagException e) {
      throw new EncryptionCodecException(Reason.AUTHENTICATION_FAILED, "payload under key '" + slot.id()
          + "' failed authentication" + (namespace == null ? "" : " in namespace '" + Format.printable(namespace)
          + "'") + ": it was modified or truncated, or encrypted for another namespace or key");
    } catch (GeneralSecurityException e) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD,
          "cannot decrypt payload under key '" + slot.id() + "': " + e.getClass().getSimpleName());
    } finally {
      in.release();
    }
  }

  private static byte[] inflate(ThreadState state, byte[] plain) {
    if (plain.length < LENGTH_PREFIX) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "compressed payload is truncated");
    }
    int size = ((plain[0] & 0xff) << 24) | ((plain[1] & 0xff) << 16) | ((plain[2] & 0xff) << 8) | (plain[3] & 0xff);
    if (size < 0 || size > MAX_INFLATED) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "compressed payload declares an invalid size");
    }
    Inflater inflater = state.inflater();
    inflater.setInput(plain, LENGTH_PREFIX, plain.length - LENGTH_PREFIX);
    byte[] out = new byte[size];
    try {
      int written = 0;
      while (written < size) {
        int n = inflater.inflate(out, written, size - written);
        if (n == 0) {
          break;
        }
        written += n;
      }
      if (written != size || !inflater.finished() || inflater.getRemaining() != 0) {
        throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "compressed payload does not match its size");
      }
      return out;
    } catch (DataFormatException e) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "compressed payload is corrupt");
    }
  }

  private static Payload parse(byte[] plain) {
    // plain is ours alone and never written again, so the parsed ByteStrings may alias it instead of copying.
    CodedInputStream in = UnsafeByteOperations.unsafeWrap(plain).newCodedInput();
    in.enableAliasing(true);
    try {
      return Payload.parseFrom(in);
    } catch (IOException e) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "decrypted payload is not a Payload message");
    }
  }
}
