package dev.gatehouse.bench.codec;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Key;
import dev.gatehouse.codec.Keyring;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encode and decode throughput of the Gatehouse codec side by side with (a) bare JCE AES-256-GCM on a byte[] with a
 * reused Cipher (into a reused array, "Bare", and into a new array, "BareAlloc"), (b) the reused-Cipher reference
 * that serializes the Payload, (c) the public sample codec's approach.
 * {@code size} is the payload's data size; MB/s in bench-codec.sh is computed from it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CodecBenchmark {

  @Param({"256", "1024", "65536", "1048576"})
  public int size;

  private List<Payload> plain;
  private PayloadCodec gatehouse;
  private PayloadCodec reference;
  private PayloadCodec sample;
  private List<Payload> gatehouseEncrypted;
  private List<Payload> referenceEncrypted;
  private List<Payload> sampleEncrypted;

  private SecretKey bareKey;
  private Cipher bareCipher;
  private byte[] bareNonce;
  private long bareCounter;
  private byte[] barePlain;
  private byte[] bareOut;
  private byte[] bareCiphertext;
  private byte[] bareDecrypted;
  private GCMParameterSpec bareDecryptSpec;

  @Setup(Level.Trial)
  public void setUp() throws GeneralSecurityException {
    SplittableRandom random = new SplittableRandom(size);
    byte[] data = new byte[size];
    random.nextBytes(data);
    plain = List.of(Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFrom(data))
        .build());

    Key key = Key.generate("bench-key");
    gatehouse = EncryptionCodec.builder().keyring(Keyring.of(key)).defaultNamespace("bench").build();
    reference = new ReusedCipherCodec(key.id(), key.secret());
    sample = new SampleStyleCodec(key.id(), key.secret());
    gatehouseEncrypted = gatehouse.encode(plain);
    referenceEncrypted = reference.encode(plain);
    sampleEncrypted = sample.encode(plain);
    check(gatehouse.decode(gatehouseEncrypted));
    check(reference.decode(referenceEncrypted));
    check(sample.decode(sampleEncrypted));

    bareKey = key.secret();
    bareCipher = Cipher.getInstance("AES/GCM/NoPadding");
    bareNonce = new byte[12];
    barePlain = data.clone();
    bareOut = new byte[size + 16];
    byte[] fixedNonce = new byte[12];
    bareDecryptSpec = new GCMParameterSpec(128, fixedNonce);
    bareCipher.init(Cipher.ENCRYPT_MODE, bareKey, bareDecryptSpec);
    bareCiphertext = bareCipher.doFinal(barePlain);
    bareDecrypted = new byte[size];
    warmUp(key);
  }

  /**
   * At 1 MiB an iteration of a few seconds makes only a few hundred calls, too few for C2 to compile the JCE's GCM
   * loops with their AES/GHASH intrinsics: short warmups would then measure the interpreter. Running every path
   * many times on small and medium payloads first gets them compiled, the same way for all four contenders.
   */
  private void warmUp(Key key) throws GeneralSecurityException {
    SplittableRandom random = new SplittableRandom(1);
    for (int warmSize : new int[] {1024, 32 * 1024}) {
      byte[] data = new byte[warmSize];
      random.nextBytes(data);
      List<Payload> warm = List.of(Payload.newBuilder()
          .putMetadata("encoding", ByteString.copyFromUtf8("json/plain")).setData(ByteString.copyFrom(data)).build());
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      byte[] out = new byte[warmSize + 16];
      byte[] nonce = new byte[12];
      int rounds = warmSize == 1024 ? 20_000 : 3_000;
      for (int i = 0; i < rounds; i++) {
        for (PayloadCodec codec : List.of(gatehouse, reference, sample)) {
          if (!codec.decode(codec.encode(warm)).equals(warm)) {
            throw new IllegalStateException("codec under test does not round-trip");
          }
        }
        nonce[0] = (byte) i;
        nonce[1] = (byte) (i >>> 8);
        nonce[2] = (byte) warmSize;
        nonce[3] = (byte) (warmSize >>> 8);
        GCMParameterSpec spec = new GCMParameterSpec(128, nonce);
        cipher.init(Cipher.ENCRYPT_MODE, key.secret(), spec);
        cipher.doFinal(data, 0, warmSize, out, 0);
        cipher.init(Cipher.DECRYPT_MODE, key.secret(), spec);
        cipher.doFinal(out, 0, out.length, data, 0);
      }
    }
  }

  private void check(List<Payload> decoded) {
    if (!decoded.equals(plain)) {
      throw new IllegalStateException("codec under test does not round-trip");
    }
  }

  @Benchmark
  public List<Payload> encodeGatehouse() {
    return gatehouse.encode(plain);
  }

  @Benchmark
  public List<Payload> encodeReference() {
    return reference.encode(plain);
  }

  @Benchmark
  public List<Payload> encodeSample() {
    return sample.encode(plain);
  }

  @Benchmark
  public byte[] encodeBare() throws GeneralSecurityException {
    long c = ++bareCounter;
    for (int i = 0; i < 8; i++) {
      bareNonce[4 + i] = (byte) (c >>> (56 - 8 * i));
    }
    bareCipher.init(Cipher.ENCRYPT_MODE, bareKey, new GCMParameterSpec(128, bareNonce));
    bareCipher.doFinal(barePlain, 0, barePlain.length, bareOut, 0);
    return bareOut;
  }

  /**
   * Bare cipher writing into a freshly allocated array: the floor for any codec, since a codec must hand back
   * memory it does not reuse. At 1 MiB the allocation (zeroing a cold MiB) costs about as much as the cipher.
   */
  @Benchmark
  public byte[] encodeBareAlloc() throws GeneralSecurityException {
    long c = ++bareCounter;
    for (int i = 0; i < 8; i++) {
      bareNonce[4 + i] = (byte) (c >>> (56 - 8 * i));
    }
    bareCipher.init(Cipher.ENCRYPT_MODE, bareKey, new GCMParameterSpec(128, bareNonce));
    byte[] out = new byte[barePlain.length + 16];
    bareCipher.doFinal(barePlain, 0, barePlain.length, out, 0);
    return out;
  }

  @Benchmark
  public List<Payload> decodeGatehouse() {
    return gatehouse.decode(gatehouseEncrypted);
  }

  @Benchmark
  public List<Payload> decodeReference() {
    return reference.decode(referenceEncrypted);
  }

  @Benchmark
  public List<Payload> decodeSample() {
    return sample.decode(sampleEncrypted);
  }

  @Benchmark
  public byte[] decodeBare() throws GeneralSecurityException {
    bareCipher.init(Cipher.DECRYPT_MODE, bareKey, bareDecryptSpec);
    bareCipher.doFinal(bareCiphertext, 0, bareCiphertext.length, bareDecrypted, 0);
    return bareDecrypted;
  }

  @Benchmark
  public byte[] decodeBareAlloc() throws GeneralSecurityException {
    bareCipher.init(Cipher.DECRYPT_MODE, bareKey, bareDecryptSpec);
    byte[] out = new byte[bareCiphertext.length - 16];
    bareCipher.doFinal(bareCiphertext, 0, bareCiphertext.length, out, 0);
    return out;
  }
}
