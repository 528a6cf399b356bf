package dev.gatehouse.codec;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.context.HasWorkflowSerializationContext;
import io.temporal.payload.context.SerializationContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * AES-256-GCM {@link PayloadCodec}: encrypts each whole serialized Payload (data and metadata) on the worker, so the
 * Temporal Service only ever stores ciphertext.
 *
 * <pre>{@code
 * PayloadCodec codec = EncryptionCodec.builder()
 *     .keyring(Keyring.fromFile(Path.of("/etc/gatehouse/codec-keyring.properties")))
 *     .defaultNamespace("payments")
 *     .build();
 * DataConverter converter = new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec));
 * WorkflowClientOptions options = WorkflowClientOptions.newBuilder().setDataConverter(converter).build();
 * }</pre>
 *
 * <p>Each encrypted payload carries {@code encoding: binary/encrypted}, {@code encryption-cipher:
 * gatehouse/AES-256-GCM/v1} and {@code encryption-key-id}; its data is nonce(12) ‖ ciphertext ‖ tag(16). The key id
 * and the namespace are authenticated as associated data, so a payload copied into another namespace, or relabelled
 * with another key id, fails to decode. The namespace comes from the SDK's {@link SerializationContext} ({@link
 * HasWorkflowSerializationContext#getNamespace()}); where the SDK supplies none (and for a null or empty namespace)
 * the builder's {@linkplain Builder#defaultNamespace default namespace} is used, so set that to the namespace the
 * client and workers connect to.
 *
 * <p>Decoding: payloads without {@code encoding: binary/encrypted} pass through unchanged unless {@linkplain
 * Builder#rejectUnencrypted rejected}; payloads already encrypted are not encrypted again. Every failure is an
 * {@link EncryptionCodecException} and no partial result escapes.
 *
 * <p>Thread-safe; each thread reuses its own Cipher. {@link #withContext} and {@link #forNamespace} return cheap views
 * that share keys and per-thread state with this codec.
 */
public final class EncryptionCodec implements PayloadCodec {

  private final CodecEngine engine;
  private final String namespace;

  private EncryptionCodec(CodecEngine engine, String namespace) {
    this.engine = engine;
    this.namespace = namespace;
  }

  /** A builder; a keyring or envelope encryption, and the default namespace, are required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    if (payloads.size() == 1) {
      return List.of(engine.encode(payloads.get(0), namespace));
    }
    List<Payload> out = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      out.add(engine.encode(payload, namespace));
    }
    return out;
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    if (payloads.size() == 1) {
      return List.of(engine.decode(payloads.get(0), namespace));
    }
    List<Payload> out = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      out.add(engine.decode(payload, namespace));
    }
    return out;
  }

  /**
   * This codec bound to the context's namespace, or to the default namespace when the context carries none. The SDK
   * calls this per encode/decode, so it allocates at most one small object.
   */
  @Override
  public EncryptionCodec withContext(SerializationContext context) {
    String contextNamespace = context instanceof HasWorkflowSerializationContext workflow
        ? workflow.getNamespace() : null;
    return forNamespace(contextNamespace == null || contextNamespace.isEmpty()
        ? engine.defaultNamespace : contextNamespace);
  }

  /** This codec bound to {@code namespace}, e.g. for a codec server that learns the namespace from a request. */
  public EncryptionCodec forNamespace(String namespace) {
    if (namespace.equals(this.namespace)) {
      return this;
    }
    return new EncryptionCodec(engine, checkNamespace(namespace));
  }

  /** The namespace this codec binds payloads to. */
  public String namespace() {
    return namespace;
  }

  /**
   * Atomically replaces the keyring of this codec and all its views: payloads encoded afterwards use the new active
   * key, and any key left in the keyring still decodes. Call it when a keyring file changes, e.g. {@code
   * codec.updateKeyring(Keyring.fromFile(path))}.
   */
  public void updateKeyring(Keyring keyring) {
    engine.updateKeyring(Objects.requireNonNull(keyring, "keyring"));
  }

  private static String checkNamespace(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (namespace.isEmpty() || namespace.getBytes(StandardCharsets.UTF_8).length > Format.MAX_NAMESPACE_BYTES) {
      throw new IllegalArgumentException("namespace must be 1 to 65535 bytes");
    }
    return namespace;
  }

  @Override
  public String toString() {
    return "EncryptionCodec[namespace=" + namespace + "]";
  }

  /** Builds an {@link EncryptionCodec}. */
  public static final class Builder {
    private Keyring keyring;
    private String defaultNamespace;
    private KeyProvider keyProvider;
    private Duration dataKeyPeriod;
    private int dataKeyCacheSize = 1024;
    private int compressionThreshold = -1;
    private boolean decodeSampleFormat;
    private boolean rejectUnencrypted;
    private Clock clock = Clock.systemUTC();

    private Builder() {
    }

    /** The keys that encrypt (the active key) and decrypt; optional in envelope mode. */
    public Builder keyring(Keyring keyring) {
      this.keyring = Objects.requireNonNull(keyring, "keyring");
      return this;
    }

    /**
     * Required. The namespace payloads are bound to when the SDK supplies no serialization context: set it to the
     * namespace your clients and workers use, or payloads encoded without a context will not decode with one.
     */
    public Builder defaultNamespace(String namespace) {
      this.defaultNamespace = checkNamespace(namespace);
      return this;
    }

    /**
     * Envelope mode: encrypt with a random data key drawn once per {@code dataKeyPeriod} and wrapped by {@code
     * provider}'s key-encryption key; the wrapped data key travels in the {@code encryption-data-key} metadata.
     * Payloads without a wrapped key still decode with the {@linkplain #keyring keyring}.
     */
    public Builder envelopeEncryption(KeyProvider provider, Duration dataKeyPeriod) {
      this.keyProvider = Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(dataKeyPeriod, "dataKeyPeriod");
      if (dataKeyPeriod.toMillis() < 1) {
        throw new IllegalArgumentException("dataKeyPeriod must be at least 1 ms");
      }
      this.dataKeyPeriod = dataKeyPeriod;
      return this;
    }

    /** How many unwrapped data keys decoding keeps (envelope mode); default 1024. */
    public Builder dataKeyCacheSize(int entries) {
      if (entries < 1) {
        throw new IllegalArgumentException("dataKeyCacheSize must be at least 1");
      }
      this.dataKeyCacheSize = entries;
      return this;
    }

    /**
     * Deflate payloads whose serialized size is at least {@code bytes} before encrypting them (when that makes them
     * smaller); off by default. Compression before encryption leaks how compressible the plaintext is through the
     * ciphertext length: do not enable it when an attacker can mix chosen data with secrets in one payload and
     * observe payload sizes.
     */
    public Builder compressionThreshold(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("compressionThreshold must be >= 0");
      }
      this.compressionThreshold = bytes;
      return this;
    }

    /**
     * Also decode payloads in the format of Temporal's public encryption samples (AES-GCM without associated data)
     * with the keyring's keys, to migrate history written by them. Off by default because such payloads are bound
     * to no namespace: a sample-format payload copied from another namespace that uses the same key would decode.
     */
    public Builder decodeSampleFormat(boolean accept) {
      this.decodeSampleFormat = accept;
      return this;
    }

    /**
     * Refuse to decode payloads that are not encrypted instead of passing them through. Off by default, so that
     * history written before encryption was enabled still decodes.
     */
    public Builder rejectUnencrypted(boolean reject) {
      this.rejectUnencrypted = reject;
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The codec, bound to the default namespace. */
    public EncryptionCodec build() {
      if (defaultNamespace == null) {
        throw new IllegalStateException("defaultNamespace is required: payloads encoded without a serialization "
            + "context are bound to it");
      }
      if (keyring == null && keyProvider == null) {
        throw new EncryptionCodecException(Reason.INVALID_KEYRING,
            "a keyring or envelopeEncryption(provider, period) is required");
      }
      SecureRandom random = new SecureRandom();
      DataKeys dataKeys = keyProvider == null ? null
          : new DataKeys(keyProvider, dataKeyPeriod.toMillis(), clock, random, dataKeyCacheSize);
      CodecEngine engine = new CodecEngine(defaultNamespace, keyring, dataKeys, compressionThreshold,
          decodeSampleFormat, rejectUnencrypted, random);
      return new EncryptionCodec(engine, defaultNamespace);
    }
  }
}
