package dev.gatehouse.codec;

import static dev.gatehouse.codec.TestPayloads.json;
import static dev.gatehouse.codec.TestPayloads.meta;
import static dev.gatehouse.codec.TestPayloads.refused;
import static dev.gatehouse.codec.TestPayloads.withMetadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class EnvelopeEncryptionTest {

  private final Key kek1 = Key.generate("kms-kek-1");
  private final Key kek2 = Key.generate("kms-kek-2");
  private final CountingProvider provider = new CountingProvider(KeyProvider.of(Keyring.of(kek1, kek2)));
  private final TestPayloads.ManualClock clock = new TestPayloads.ManualClock(Instant.parse("2025-06-01T10:00:00Z"));

  private EncryptionCodec codec(KeyProvider keyProvider) {
    return EncryptionCodec.builder().defaultNamespace("orders")
        .envelopeEncryption(keyProvider, Duration.ofHours(1)).clock(clock).build();
  }

  @Test
  void callsTheKeyProviderOncePerPeriodNotPerPayload() {
    EncryptionCodec codec = codec(provider);
    List<Payload> firstHour = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      firstHour.add(codec.encode(List.of(json(100, i))).get(0));
    }
    assertThat(provider.wraps).hasValue(1);
    assertThat(provider.activeKeyIdCalls).hasValue(1);

    clock.advance(Duration.ofMinutes(59));
    Payload sameHour = codec.encode(List.of(json(100, 1000))).get(0);
    assertThat(provider.wraps).hasValue(1);

    clock.advance(Duration.ofMinutes(2));
    Payload nextHour = codec.encode(List.of(json(100, 1001))).get(0);
    for (int i = 0; i < 100; i++) {
      codec.encode(List.of(json(100, i)));
    }
    assertThat(provider.wraps).hasValue(2);

    ByteString firstKey = firstHour.get(0).getMetadataOrThrow("encryption-data-key");
    assertThat(firstHour).allSatisfy(p -> {
      assertThat(meta(p, "encryption-key-id")).isEqualTo("kms-kek-1");
      assertThat(p.getMetadataOrThrow("encryption-data-key")).isEqualTo(firstKey);
    });
    assertThat(sameHour.getMetadataOrThrow("encryption-data-key")).isEqualTo(firstKey);
    assertThat(nextHour.getMetadataOrThrow("encryption-data-key")).isNotEqualTo(firstKey);

    // The encoding codec decodes its own payloads without asking the provider.
    assertThat(codec.decode(firstHour)).hasSize(500);
    assertThat(codec.decode(List.of(nextHour))).containsExactly(json(100, 1001));
    assertThat(provider.unwraps).hasValue(0);

    // Another process decodes: one unwrap per data key, then cached.
    CountingProvider decoderProvider = new CountingProvider(KeyProvider.of(Keyring.of(kek1, kek2)));
    EncryptionCodec decoder = codec(decoderProvider);
    for (int i = 0; i < 500; i++) {
      assertThat(decoder.decode(List.of(firstHour.get(i)))).containsExactly(json(100, i));
    }
    assertThat(decoder.decode(List.of(nextHour, sameHour))).containsExactly(json(100, 1001), json(100, 1000));
    assertThat(decoderProvider.unwraps).hasValue(2);
    assertThat(decoderProvider.wraps).hasValue(0);
  }

  @Test
  void concurrentEncodersShareOneDataKeyPerPeriod() throws Exception {
    EncryptionCodec codec = codec(provider);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            codec.encode(List.of(json(10, i)));
          }
        }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(provider.wraps).hasValue(1);
  }

  @Test
  void aRotatedKeyEncryptionKeyIsUsedFromTheNextPeriod() {
    MutableActiveProvider rotating = new MutableActiveProvider(KeyProvider.of(Keyring.of(kek1, kek2)));
    EncryptionCodec codec = codec(rotating);
    Payload before = codec.encode(List.of(json(10, 1))).get(0);
    rotating.active = "kms-kek-2";
    Payload samePeriod = codec.encode(List.of(json(10, 2))).get(0);
    clock.advance(Duration.ofHours(1));
    Payload after = codec.encode(List.of(json(10, 3))).get(0);
    assertThat(meta(before, "encryption-key-id")).isEqualTo("kms-kek-1");
    assertThat(meta(samePeriod, "encryption-key-id")).isEqualTo("kms-kek-1");
    assertThat(meta(after, "encryption-key-id")).isEqualTo("kms-kek-2");
    assertThat(codec(KeyProvider.of(Keyring.of(kek1, kek2))).decode(List.of(before, samePeriod, after)))
        .containsExactly(json(10, 1), json(10, 2), json(10, 3));
  }

  @Test
  void theUnwrappedKeyCacheIsBounded() {
    EncryptionCodec encoder = codec(provider);
    List<Payload> payloads = new ArrayList<>();
    for (int hour = 0; hour < 5; hour++) {
      payloads.add(encoder.encode(List.of(json(10, hour))).get(0));
      clock.advance(Duration.ofHours(1));
    }
    CountingProvider decoderProvider = new CountingProvider(KeyProvider.of(Keyring.of(kek1)));
    EncryptionCodec decoder = EncryptionCodec.builder().defaultNamespace("orders")
        .envelopeEncryption(decoderProvider, Duration.ofHours(1)).dataKeyCacheSize(2).clock(clock).build();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < payloads.size(); i++) {
        assertThat(decoder.decode(List.of(payloads.get(i)))).containsExactly(json(10, i));
      }
    }
    // Five distinct data keys through a two-entry cache: every round unwraps at least three again.
    assertThat(decoderProvider.unwraps.get()).isGreaterThanOrEqualTo(5 + 2 * 3);
  }

  @Test
  void wrappedKeyAndKeyIdAreAuthenticated() {
    EncryptionCodec codec = codec(provider);
    Payload first = codec.encode(List.of(json(50, 1))).get(0);
    clock.advance(Duration.ofHours(1));
    Payload second = codec.encode(List.of(json(50, 2))).get(0);

    // The data key of another period unwraps fine but is the wrong key and the wrong associated data.
    Payload swapped = withMetadata(first, "encryption-data-key", second.getMetadataOrThrow("encryption-data-key"));
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.decode(List.of(swapped)));

    // A garbled wrapped key does not unwrap.
    byte[] garbled = first.getMetadataOrThrow("encryption-data-key").toByteArray();
    garbled[20] ^= 1;
    refused(Reason.KEY_PROVIDER_FAILED, () -> codec.decode(List.of(
        withMetadata(first, "encryption-data-key", ByteString.copyFrom(garbled)))));

    // The wrapped key presented under the other key-encryption key does not unwrap.
    refused(Reason.KEY_PROVIDER_FAILED, () -> codec.decode(List.of(
        withMetadata(first, "encryption-key-id", ByteString.copyFromUtf8("kms-kek-2")))));
    EncryptionCodecException unknown = refused(Reason.UNKNOWN_KEY, () -> codec.decode(List.of(
        withMetadata(first, "encryption-key-id", ByteString.copyFromUtf8("kms-kek-9")))));
    assertThat(unknown).hasMessageContaining("kms-kek-9");

    refused(Reason.MALFORMED_PAYLOAD, () -> codec.decode(List.of(
        withMetadata(first, "encryption-data-key", ByteString.copyFrom(new byte[2000])))));
    refused(Reason.AUTHENTICATION_FAILED, () -> codec.forNamespace("billing").decode(List.of(first)));
    // Without the data key metadata, the payload looks like a direct one and finds no key.
    refused(Reason.UNKNOWN_KEY, () -> codec.decode(List.of(
        first.toBuilder().removeMetadata("encryption-data-key").build())));
  }

  @Test
  void envelopePayloadsNeedAKeyProvider() {
    Payload enveloped = codec(provider).encode(List.of(json(10, 1))).get(0);
    EncryptionCodec direct = EncryptionCodec.builder().keyring(Keyring.of(kek1)).defaultNamespace("orders").build();
    EncryptionCodecException e = refused(Reason.UNKNOWN_KEY, () -> direct.decode(List.of(enveloped)));
    assertThat(e).hasMessageContaining("no key provider");
  }

  @Test
  void envelopeModeStillDecodesDirectPayloadsWithItsKeyring() {
    Key old = Key.generate("old");
    Payload direct = EncryptionCodec.builder().keyring(Keyring.of(old)).defaultNamespace("orders").build()
        .encode(List.of(json(10, 1))).get(0);
    EncryptionCodec migrating = EncryptionCodec.builder().keyring(Keyring.of(old)).defaultNamespace("orders")
        .envelopeEncryption(provider, Duration.ofHours(1)).clock(clock).build();
    assertThat(migrating.decode(List.of(direct))).containsExactly(json(10, 1));
    assertThat(migrating.encode(List.of(json(10, 2))).get(0).getMetadataMap()).containsKey("encryption-data-key");
  }

  @Test
  void providerFailuresFailClosed() {
    KeyProvider broken = new KeyProvider() {
      @Override
      public String activeKeyId() {
        return "kek";
      }

      @Override
      public byte[] wrapKey(String keyId, byte[] dataKey) {
        throw new IllegalStateException("KMS unavailable");
      }

      @Override
      public byte[] unwrapKey(String keyId, byte[] wrappedKey) {
        return new byte[16];
      }
    };
    EncryptionCodec codec = codec(broken);
    EncryptionCodecException e = refused(Reason.KEY_PROVIDER_FAILED, () -> codec.encode(List.of(json(10, 1))));
    assertThat(e).hasCauseInstanceOf(IllegalStateException.class);

    Payload enveloped = codec(provider).encode(List.of(json(10, 1))).get(0);
    refused(Reason.KEY_PROVIDER_FAILED, () -> codec.decode(List.of(enveloped)));

    KeyProvider badId = new MutableActiveProvider(KeyProvider.of(Keyring.of(kek1)));
    ((MutableActiveProvider) badId).active = "bad id";
    refused(Reason.KEY_PROVIDER_FAILED, () -> codec(badId).encode(List.of(json(10, 1))));
  }

  @Test
  void localKeyProviderWrapsWithAuthenticatedEncryption() {
    KeyProvider local = KeyProvider.of(Keyring.of(kek1));
    byte[] dataKey = Key.generate("d").secret().getEncoded();
    byte[] wrapped = local.wrapKey("kms-kek-1", dataKey);
    assertThat(wrapped).hasSize(60).isNotEqualTo(local.wrapKey("kms-kek-1", dataKey));
    assertThat(local.unwrapKey("kms-kek-1", wrapped)).isEqualTo(dataKey);
    assertThat(new SecretKeySpec(local.unwrapKey("kms-kek-1", wrapped), "AES").getEncoded()).isEqualTo(dataKey);
    refused(Reason.UNKNOWN_KEY, () -> local.wrapKey("nope", dataKey));
  }

  /** Counts provider calls; delegates the real work. */
  static final class CountingProvider implements KeyProvider {
    final KeyProvider delegate;
    final AtomicInteger activeKeyIdCalls = new AtomicInteger();
    final AtomicInteger wraps = new AtomicInteger();
    final AtomicInteger unwraps = new AtomicInteger();

    CountingProvider(KeyProvider delegate) {
      this.delegate = delegate;
    }

    @Override
    public String activeKeyId() {
      activeKeyIdCalls.incrementAndGet();
      return delegate.activeKeyId();
    }

    @Override
    public byte[] wrapKey(String keyId, byte[] dataKey) {
      wraps.incrementAndGet();
      return delegate.wrapKey(keyId, dataKey);
    }

    @Override
    public byte[] unwrapKey(String keyId, byte[] wrappedKey) {
      unwraps.incrementAndGet();
      return delegate.unwrapKey(keyId, wrappedKey);
    }
  }

  static final class MutableActiveProvider implements KeyProvider {
    final KeyProvider delegate;
    volatile String active;

    MutableActiveProvider(KeyProvider delegate) {
      this.delegate = delegate;
      this.active = delegate.activeKeyId();
    }

    @Override
    public String activeKeyId() {
      return active;
    }

    @Override
    public byte[] wrapKey(String keyId, byte[] dataKey) {
      return delegate.wrapKey(keyId, dataKey);
    }

    @Override
    public byte[] unwrapKey(String keyId, byte[] wrappedKey) {
      return delegate.unwrapKey(keyId, wrappedKey);
    }
  }
}
