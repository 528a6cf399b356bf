package dev.gatehouse.codec;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.GCMParameterSpec;

/**
 * What one thread reuses across payloads for one codec: a Cipher (creating one costs more than encrypting 1 KiB),
 * its nonce sequence, the last associated data and the (de)compressors. Owned by a ThreadLocal of the codec, so it
 * is never shared between threads and needs no locking.
 */
final class ThreadState {

  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final Cipher cipher;
  private final SecureRandom seeds;
  private final Slice slice = new Slice();

  // Nonce = 32-bit fixed field ‖ 64-bit invocation counter (NIST SP 800-38D §8.2.1 layout). Both parts start at
  // random values drawn from SecureRandom when the thread first uses the codec, and the counter increments per
  // payload, so:
  //  - within a thread nonces never repeat (2^64 payloads before the counter returns to its start; we reseed then);
  //  - across threads, processes and restarts sharing a key, two sequences collide only if their fixed fields are
  //    equal (2^-32) and their counter ranges overlap (n/2^64), i.e. ~ (n1+n2)/2^96 per pair of sequences. That is
  //    far below the ~n^2/2^97 of drawing every 96-bit nonce at random, and a collision-free counter cannot be
  //    coordinated across independent worker processes anyway.
  //  - it costs two array stores instead of a SecureRandom call (which takes a lock and costs ~0.3-1 us).
  // Caveat shared by every nonce scheme holding state in memory: cloning a running VM image would replay it.
  private int fixedField;
  private long counter;
  private long counterStart;

  private KeySlot aadSlot;
  private String aadNamespace;
  private byte[] aad;

  private Deflater deflater;
  private Inflater inflater;

  ThreadState(SecureRandom seeds) {
    this.seeds = seeds;
    try {
      this.cipher = Cipher.getInstance(Format.TRANSFORMATION);
    } catch (java.security.NoSuchAlgorithmException | NoSuchPaddingException e) {
      throw new IllegalStateException("this JVM has no " + Format.TRANSFORMATION, e);
    }
    reseed();
  }

  private void reseed() {
    fixedField = seeds.nextInt();
    counterStart = seeds.nextLong();
    counter = counterStart;
  }

  /** Writes a fresh nonce into out[0..12), initialises the cipher to encrypt with it and feeds the AAD. */
  Cipher startEncryption(KeySlot slot, byte[] out, byte[] associatedData) throws GeneralSecurityException {
    INT.set(out, 0, fixedField);
    LONG.set(out, 4, counter);
    if (++counter == counterStart) {
      reseed();
    }
    cipher.init(Cipher.ENCRYPT_MODE, slot.secret(), new GCMParameterSpec(Format.TAG_BITS, out, 0, Format.NONCE));
    cipher.updateAAD(associatedData);
    return cipher;
  }

  /** Initialises the cipher to decrypt with the nonce at in[offset..offset+12); associatedData may be null. */
  Cipher startDecryption(KeySlot slot, byte[] in, int offset, byte[] associatedData)
      throws GeneralSecurityException {
    cipher.init(Cipher.DECRYPT_MODE, slot.secret(), new GCMParameterSpec(Format.TAG_BITS, in, offset, Format.NONCE));
    if (associatedData != null) {
      cipher.updateAAD(associatedData);
    }
    return cipher;
  }

  /**
   * The associated data for uncompressed payloads under slot in namespace, cached for the last pair: the SDK asks
   * for a new codec view per call, but a worker thread keeps using the same key and namespace.
   */
  byte[] aad(KeySlot slot, String namespace, int flags) {
    if (flags != 0) {
      return Format.aad(slot, namespace, flags);
    }
    if (slot != aadSlot || !namespace.equals(aadNamespace)) {
      aad = Format.aad(slot, namespace, 0);
      aadSlot = slot;
      aadNamespace = namespace;
    }
    return aad;
  }

  Deflater deflater() {
    if (deflater == null) {
      // BEST_SPEED: the codec sits on the worker's hot path; most of deflate's gain on JSON comes at level 1.
      deflater = new Deflater(Deflater.BEST_SPEED);
    }
    deflater.reset();
    return deflater;
  }

  Inflater inflater() {
    if (inflater == null) {
      inflater = new Inflater();
    }
    inflater.reset();
    return inflater;
  }

  /**
   * The bytes of data without copying them when they are one flat array (the case for anything gRPC parsed).
   * The caller must only read the slice and must call {@link Slice#release()} when done.
   */
  Slice slice(ByteString data) {
    slice.capture(data);
    return slice;
  }

  /** A read-only view of a ByteString's backing array, obtained through protobuf's ByteOutput hook. */
  static final class Slice extends ByteOutput {
    byte[] array;
    int offset;
    int length;
    private int chunks;

    void capture(ByteString data) {
      chunks = 0;
      try {
        UnsafeByteOperations.unsafeWriteTo(data, this);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      if (chunks != 1) {
        array = data.toByteArray();
        offset = 0;
        length = array.length;
      }
    }

    void release() {
      array = null;
    }

    @Override
    public void write(byte value) {
      chunks += 2;
    }

    @Override
    public void write(byte[] value, int offset, int length) {
      writeLazy(value, offset, length);
    }

    @Override
    public void writeLazy(byte[] value, int offset, int length) {
      if (++chunks == 1) {
        this.array = value;
        this.offset = offset;
        this.length = length;
      }
    }

    @Override
    public void write(ByteBuffer value) {
      writeLazy(value);
    }

    @Override
    public void writeLazy(ByteBuffer value) {
      if (value.hasArray()) {
        writeLazy(value.array(), value.arrayOffset() + value.position(), value.remaining());
      } else {
        chunks += 2;
      }
    }
  }
}
