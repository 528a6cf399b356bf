package dev.gatehouse.bench.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The reused-Cipher reference ("ceiling") for the codec targets: serialize the Payload with toByteArray, encrypt it
 * with a per-thread Cipher into a pre-sized array, wrap that array; decode with toByteArray, doFinal and parseFrom.
 * Its nonce costs as little as the Gatehouse codec's (per-thread random prefix and counter), so the comparison
 * measures serialization, copies and framing, not the nonce source. No associated data.
 */
final class ReusedCipherCodec implements PayloadCodec {

  private static final ByteString ENCRYPTED = ByteString.copyFromUtf8("binary/encrypted");
  private static final ByteString CIPHER_NAME = ByteString.copyFromUtf8("AES/GCM/NoPadding");

  private final ByteString keyId;
  private final SecretKey key;
  private final ThreadLocal<PerThread> threads;

  private static final class PerThread {
    final Cipher cipher;
    final int prefix;
    long counter;

    PerThread(SecureRandom random) {
      try {
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      prefix = random.nextInt();
      counter = random.nextLong();
    }
  }

  ReusedCipherCodec(String keyId, SecretKey key) {
    this.keyId = ByteString.copyFromUtf8(keyId);
    this.key = key;
    SecureRandom random = new SecureRandom();
    this.threads = ThreadLocal.withInitial(() -> new PerThread(random));
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    if (payloads.size() == 1) {
      return List.of(encode(payloads.get(0)));
    }
    return payloads.stream().map(this::encode).toList();
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    if (payloads.size() == 1) {
      return List.of(decode(payloads.get(0)));
    }
    return payloads.stream().map(this::decode).toList();
  }

  private Payload encode(Payload payload) {
    PerThread t = threads.get();
    byte[] plain = payload.toByteArray();
    byte[] out = new byte[12 + plain.length + 16];
    int p = t.prefix;
    long c = t.counter++;
    for (int i = 0; i < 4; i++) {
      out[i] = (byte) (p >>> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++) {
      out[4 + i] = (byte) (c >>> (56 - 8 * i));
    }
    try {
      t.cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, out, 0, 12));
      t.cipher.doFinal(plain, 0, plain.length, out, 12);
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException(e);
    }
    return Payload.newBuilder()
        .putMetadata("encoding", ENCRYPTED)
        .putMetadata("encryption-cipher", CIPHER_NAME)
        .putMetadata("encryption-key-id", keyId)
        .setData(UnsafeByteOperations.unsafeWrap(out))
        .build();
  }

  private Payload decode(Payload payload) {
    if (!ENCRYPTED.equals(payload.getMetadataOrDefault("encoding", null))) {
      return payload;
    }
    PerThread t = threads.get();
    byte[] data = payload.getData().toByteArray();
    try {
      t.cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, data, 0, 12));
      return Payload.parseFrom(t.cipher.doFinal(data, 12, data.length - 12));
    } catch (GeneralSecurityException | InvalidProtocolBufferException e) {
      throw new PayloadCodecException(e);
    }
  }
}
