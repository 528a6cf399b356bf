package dev.gatehouse.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for segments ({@code audit.encryptionKeyFile}). An encrypted segment starts with {@link #MAGIC} and
 * holds one frame per batch (group commit stays one write and one fsync): a 4-byte big-endian ciphertext length, a
 * 12-byte nonce (a random 64-bit prefix per segment file and the frame's 32-bit index), and the ciphertext with its tag. The associated data
 * binds each frame to its segment's name and its place in it, so frames cannot be moved between or within segments
 * without the tag failing. The hash chain and the digests stay as they are: records are chained in plaintext,
 * segments are digested as the bytes on disk.
 */
final class SegmentCipher {
  static final byte[] MAGIC = "GHAE1\n".getBytes(StandardCharsets.US_ASCII);
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final int MAX_FRAME = 64 << 20;

  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  SegmentCipher(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("the audit encryption key must be 32 bytes (AES-256), got " + key.length);
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  /** A cipher under the key in {@code file} (see {@link #readKey}). */
  static SegmentCipher fromFile(Path file) throws IOException {
    return new SegmentCipher(readKey(file));
  }

  /** Reads a key file: 32 random bytes, base64; refused when group or others may read it. */
  static byte[] readKey(Path file) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
        throw new IOException(file + " may be read by group or others: chmod 600 it");
      }
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to check.
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " does not hold a base64 key");
    }
    if (key.length != 32) {
      throw new IOException(file + ": the audit encryption key must be 32 bytes (AES-256), got " + key.length);
    }
    return key;
  }

  /** A fresh random nonce prefix for a new segment file (64 bits: no two files share one in practice). */
  long newPrefix() {
    return random.nextLong();
  }

  /** One frame holding {@code plaintext}, the {@code index}-th of segment {@code name}. */
  byte[] seal(byte[] plaintext, String name, long index, long prefix) {
    if (index >= 1L << 32) {
      throw new IllegalStateException("a segment holds at most 2^32 frames");
    }
    byte[] nonce = ByteBuffer.allocate(NONCE).putLong(prefix).putInt((int) index).array();
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(name, index));
      byte[] ct = c.doFinal(plaintext);
      return ByteBuffer.allocate(4 + NONCE + ct.length).putInt(ct.length).put(nonce).put(ct).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * The plaintext of an encrypted segment's frames, as far as they are intact.
   *
   * @return the plaintext, where the last intact frame ends in {@code raw}, where the data ends (after its last non-zero byte),
   *     and whether a frame failed its tag before the end (tampering, not a torn tail)
   */
  SegmentFiles.Content open(byte[] raw, String name) {
    int at = MAGIC.length;
    long index = 0;
    java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream(raw.length);
    boolean damaged = false;
    while (at + 4 <= raw.length) {
      int len = ByteBuffer.wrap(raw, at, 4).getInt();
      if (len <= 0 || len > MAX_FRAME || at + 4 + NONCE + len > raw.length) {
        break; // preallocated space (a zero length), or a torn frame the next start cuts
      }
      try {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, at + 4, NONCE));
        c.updateAAD(aad(name, index));
        plain.writeBytes(c.doFinal(raw, at + 4 + NONCE, len));
      } catch (GeneralSecurityException e) {
        damaged = true;
        break;
      }
      at += 4 + NONCE + len;
      index++;
    }
    // Ciphertext may hold zero bytes, so the data ends after the last non-zero byte: preallocated space is zeros.
    int dataEnd = raw.length;
    while (dataEnd > at && raw[dataEnd - 1] == 0) {
      dataEnd--;
    }
    return new SegmentFiles.Content(plain.toByteArray(), at, dataEnd, true, damaged, index);
  }

  static boolean encrypted(byte[] raw) {
    return raw.length >= MAGIC.length && Arrays.equals(raw, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  private static byte[] aad(String name, long index) {
    return (name + "#" + index).getBytes(StandardCharsets.UTF_8);
  }
}
