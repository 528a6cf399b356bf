package dev.gatehouse.codec;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envelope mode: the data key of the current period (wrapped once per period by the {@link KeyProvider}) and a
 * bounded cache of unwrapped data keys for decoding.
 *
 * <p>Locks rather than synchronized: the provider may block on the network, and a worker may run on virtual threads.
 */
final class DataKeys {

  private static final Logger log = LoggerFactory.getLogger(DataKeys.class);

  private final KeyProvider provider;
  private final long periodMillis;
  private final Clock clock;
  private final SecureRandom random;
  private final int capacity;
  private final ReentrantLock renewLock = new ReentrantLock();
  private final ReentrantLock unwrapLock = new ReentrantLock();
  private final ConcurrentHashMap<WrappedKey, KeySlot> unwrapped = new ConcurrentHashMap<>();
  private volatile Lease lease;

  private record Lease(long period, KeySlot slot) {
  }

  private record WrappedKey(ByteString keyId, ByteString wrapped) {
  }

  DataKeys(KeyProvider provider, long periodMillis, Clock clock, SecureRandom random, int capacity) {
    this.provider = provider;
    this.periodMillis = periodMillis;
    this.clock = clock;
    this.random = random;
    this.capacity = capacity;
  }

  /** The data key of the current period; calls the provider only when the period has changed. */
  KeySlot current() {
    long period = Math.floorDiv(clock.millis(), periodMillis);
    Lease current = lease;
    return current != null && current.period == period ? current.slot : renew(period);
  }

  private KeySlot renew(long period) {
    renewLock.lock();
    try {
      Lease current = lease;
      if (current != null && current.period == period) {
        return current.slot;
      }
      String keyId = callProvider(provider::activeKeyId, "activeKeyId");
      if (!Key.isValidId(keyId)) {
        throw new EncryptionCodecException(Reason.KEY_PROVIDER_FAILED, "key provider returned an invalid key id");
      }
      byte[] dataKey = new byte[Key.LENGTH];
      random.nextBytes(dataKey);
      byte[] forProvider = dataKey.clone();
      try {
        byte[] wrapped = callProvider(() -> provider.wrapKey(keyId, forProvider), "wrapKey");
        if (wrapped == null || wrapped.length == 0 || wrapped.length > Format.MAX_WRAPPED_KEY) {
          throw new EncryptionCodecException(Reason.KEY_PROVIDER_FAILED,
              "key provider returned an unusable wrapped data key for key '" + keyId + "'");
        }
        KeySlot slot = KeySlot.envelope(keyId, new SecretKeySpec(dataKey, "AES"), ByteString.copyFrom(wrapped));
        remember(new WrappedKey(slot.idValue(), slot.wrappedKey()), slot);
        lease = new Lease(period, slot);
        log.debug("new data key for period {} wrapped under key {}", period, keyId);
        return slot;
      } finally {
        Arrays.fill(dataKey, (byte) 0);
        Arrays.fill(forProvider, (byte) 0);
      }
    } finally {
      renewLock.unlock();
    }
  }

  /** The data key wrapped in a payload's metadata; calls the provider once per distinct wrapped key. */
  KeySlot unwrap(ByteString keyIdValue, ByteString wrapped) {
    WrappedKey lookup = new WrappedKey(keyIdValue, wrapped);
    KeySlot slot = unwrapped.get(lookup);
    if (slot != null) {
      return slot;
    }
    String keyId = keyIdValue.toStringUtf8();
    if (!Key.isValidId(keyId)) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD, "payload has an invalid encryption-key-id");
    }
    if (wrapped.isEmpty() || wrapped.size() > Format.MAX_WRAPPED_KEY) {
      throw new EncryptionCodecException(Reason.MALFORMED_PAYLOAD,
          "payload under key '" + keyId + "' has an invalid encryption-data-key");
    }
    unwrapLock.lock();
    try {
      slot = unwrapped.get(lookup);
      if (slot != null) {
        return slot;
      }
      // Copies: the metadata values may alias a larger buffer that the cache must not keep alive.
      WrappedKey owned = new WrappedKey(ByteString.copyFrom(keyIdValue.toByteArray()),
          ByteString.copyFrom(wrapped.toByteArray()));
      byte[] wrappedBytes = wrapped.toByteArray();
      byte[] dataKey = callProvider(() -> provider.unwrapKey(keyId, wrappedBytes), "unwrapKey");
      try {
        if (dataKey == null || dataKey.length != Key.LENGTH) {
          throw new EncryptionCodecException(Reason.KEY_PROVIDER_FAILED,
              "key provider returned an unusable data key for key '" + keyId + "'");
        }
        slot = KeySlot.envelope(keyId, new SecretKeySpec(dataKey, "AES"), owned.wrapped());
      } finally {
        if (dataKey != null) {
          Arrays.fill(dataKey, (byte) 0);
        }
      }
      remember(owned, slot);
      return slot;
    } finally {
      unwrapLock.unlock();
    }
  }

  /** Bounded: past capacity an arbitrary entry goes; a later payload under it costs one more provider call. */
  private void remember(WrappedKey key, KeySlot slot) {
    while (unwrapped.size() >= capacity) {
      Iterator<WrappedKey> any = unwrapped.keySet().iterator();
      if (!any.hasNext()) {
        break;
      }
      any.next();
      any.remove();
    }
    unwrapped.put(key, slot);
  }

  int cachedKeys() {
    return unwrapped.size();
  }

  private interface ProviderCall<T> {
    T call();
  }

  private static <T> T callProvider(ProviderCall<T> call, String operation) {
    try {
      return call.call();
    } catch (EncryptionCodecException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new EncryptionCodecException(Reason.KEY_PROVIDER_FAILED,
          "key provider failed in " + operation + ": " + e.getClass().getSimpleName(), e);
    }
  }
}
