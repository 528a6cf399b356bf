package dev.gatehouse.bench.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.stream.Collectors;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The approach of Temporal's public encryption sample codec, written for comparison: a new Cipher and a new
 * SecureRandom per payload, the nonce and ciphertext concatenated through a ByteBuffer, copies into and out of
 * ByteStrings, payloads mapped through a stream.
 */
final class SampleStyleCodec implements PayloadCodec {

  private static final ByteString ENCRYPTED = ByteString.copyFromUtf8("binary/encrypted");
  private static final ByteString CIPHER_NAME = ByteString.copyFromUtf8("AES/GCM/NoPadding");

  private final String keyId;
  private final SecretKey key;

  SampleStyleCodec(String keyId, SecretKey key) {
    this.keyId = keyId;
    this.key = key;
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    return payloads.stream().map(this::encodePayload).collect(Collectors.toList());
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    return payloads.stream().map(this::decodePayload).collect(Collectors.toList());
  }

  private Payload encodePayload(Payload payload) {
    byte[] encrypted;
    try {
      byte[] nonce = new byte[12];
      new SecureRandom().nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      byte[] ciphertext = cipher.doFinal(payload.toByteArray());
      encrypted = ByteBuffer.allocate(nonce.length + ciphertext.length).put(nonce).put(ciphertext).array();
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException(e);
    }
    return Payload.newBuilder()
        .putMetadata("encoding", ENCRYPTED)
        .putMetadata("encryption-cipher", CIPHER_NAME)
        .putMetadata("encryption-key-id", ByteString.copyFromUtf8(keyId))
        .setData(ByteString.copyFrom(encrypted))
        .build();
  }

  private Payload decodePayload(Payload payload) {
    if (!ENCRYPTED.equals(payload.getMetadataOrDefault("encoding", null))) {
      return payload;
    }
    payload.getMetadataOrThrow("encryption-key-id").toStringUtf8();
    try {
      ByteBuffer buffer = ByteBuffer.wrap(payload.getData().toByteArray());
      byte[] nonce = new byte[12];
      buffer.get(nonce);
      byte[] ciphertext = new byte[buffer.remaining()];
      buffer.get(ciphertext);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      return Payload.parseFrom(cipher.doFinal(ciphertext));
    } catch (GeneralSecurityException | InvalidProtocolBufferException e) {
      throw new PayloadCodecException(e);
    }
  }
}
