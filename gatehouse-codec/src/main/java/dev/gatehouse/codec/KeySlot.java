package dev.gatehouse.codec;

import com.google.protobuf.ByteString;
import javax.crypto.SecretKey;

/**
 * A key ready for the hot path: the id already encoded as the metadata value.
 *
 * @param id the {@code encryption-key-id}: the key's own id, or in envelope mode the key-encryption key's id
 * @param idValue {@code id} as the metadata value
 * @param secret the AES key that encrypts payloads (in envelope mode the data key)
 * @param wrappedKey in envelope mode the wrapped data key carried in {@code encryption-data-key}, else null
 */
record KeySlot(String id, ByteString idValue, SecretKey secret, ByteString wrappedKey) {

  static KeySlot direct(Key key) {
    return new KeySlot(key.id(), ByteString.copyFromUtf8(key.id()), key.secret(), null);
  }

  static KeySlot envelope(String keyEncryptionKeyId, SecretKey dataKey, ByteString wrappedKey) {
    return new KeySlot(keyEncryptionKeyId, ByteString.copyFromUtf8(keyEncryptionKeyId), dataKey, wrappedKey);
  }

  @Override
  public String toString() {
    return "KeySlot[id=" + id + (wrappedKey == null ? "" : ", envelope") + "]";
  }
}
