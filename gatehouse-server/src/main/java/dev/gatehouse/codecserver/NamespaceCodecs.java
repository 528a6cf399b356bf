package dev.gatehouse.codecserver;

import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.EncryptionCodecException;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ConfigException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The codec for each namespace: the namespace's own keyring file ({@code codecServer.namespaceKeyrings}), else the
 * shared one ({@code codecServer.keyringFile}). Every file is read once at start (an unusable file stops the server
 * from starting) and again by {@link #reload()} when its content hash changed; a file that became unusable keeps its
 * last good keys, so a half-written file or a wrong chmod never takes decoding down.
 */
final class NamespaceCodecs {
  private static final Logger log = LoggerFactory.getLogger(NamespaceCodecs.class);
  // The codec is always used through forNamespace(request namespace); the builder still wants a default.
  private static final String UNUSED_DEFAULT_NAMESPACE = "default";

  /** One keyring file and the codec over it; several namespaces may share one. */
  private static final class Source {
    final Path path;
    final String key;
    final EncryptionCodec codec;
    byte[] hash;
    byte[] refusedHash;

    Source(Path path, String key, EncryptionCodec codec, byte[] hash) {
      this.path = path;
      this.key = key;
      this.codec = codec;
      this.hash = hash;
    }
  }

  private final Source fallback;
  private final Map<String, Source> byNamespace;
  private final Map<Path, Source> byFile;
  private final Counter reloaded;
  private final Counter reloadFailed;

  private NamespaceCodecs(Source fallback, Map<String, Source> byNamespace, Map<Path, Source> byFile,
      MeterRegistry registry) {
    this.fallback = fallback;
    this.byNamespace = Map.copyOf(byNamespace);
    this.byFile = byFile;
    this.reloaded = Counter.builder("gatehouse.codec.keyring.reloads").tag("result", "ok")
        .description("Keyring files reloaded after a change").register(registry);
    this.reloadFailed = Counter.builder("gatehouse.codec.keyring.reloads").tag("result", "failed")
        .description("Keyring files reloaded after a change").register(registry);
  }

  /**
   * Loads every keyring {@code config} names.
   *
   * @throws ConfigException naming {@code codecServer.keyringFile} when no keyring is configured, or the key of a
   *     file that cannot be used
   */
  static NamespaceCodecs load(CodecServer config, Function<String, String> fileOfKey, MeterRegistry registry) {
    if (config.keyringFile() == null && config.namespaceKeyrings().isEmpty()) {
      throw new ConfigException(fileOfKey.apply("codecServer.keyringFile"), "codecServer.keyringFile",
          "the codec server needs keys: set keyringFile (create one with: gatehouse codec keygen --keyring <file>)"
              + " or namespaceKeyrings");
    }
    Map<Path, Source> byFile = new LinkedHashMap<>();
    Source fallback = config.keyringFile() == null ? null
        : source(byFile, config.keyringFile(), "codecServer.keyringFile", fileOfKey);
    Map<String, Source> byNamespace = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(config.namespaceKeyrings()).entrySet()) {
      byNamespace.put(e.getKey(),
          source(byFile, e.getValue(), "codecServer.namespaceKeyrings." + e.getKey(), fileOfKey));
    }
    return new NamespaceCodecs(fallback, byNamespace, byFile, registry);
  }

  private static Source source(Map<Path, Source> byFile, String file, String key, Function<String, String> fileOfKey) {
    Path path;
    try {
      path = Path.of(file).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new ConfigException(fileOfKey.apply(key), key, "not a file path");
    }
    Source existing = byFile.get(path);
    if (existing != null) {
      return existing;
    }
    try {
      byte[] hash = hash(path);
      Keyring keyring = Keyring.fromFile(path);
      EncryptionCodec codec = EncryptionCodec.builder().keyring(keyring)
          .defaultNamespace(UNUSED_DEFAULT_NAMESPACE).build();
      Source s = new Source(path, key, codec, hash);
      byFile.put(path, s);
      log.info("codec server: {} loaded from {} (active key {}, {} keys)", key, path, keyring.activeKey().id(),
          keyring.keyIds().size());
      return s;
    } catch (IOException e) {
      throw new ConfigException(fileOfKey.apply(key), key, "cannot read keyring file " + path + " ("
          + e.getClass().getSimpleName() + ")");
    } catch (EncryptionCodecException e) {
      // The codec library's messages name files and key ids, never key material.
      throw new ConfigException(fileOfKey.apply(key), key, e.getMessage());
    }
  }

  /** The codec bound to {@code namespace}, or {@code null} when no keyring covers it. */
  EncryptionCodec forNamespace(String namespace) {
    Source s = byNamespace.get(namespace);
    if (s == null) {
      s = fallback;
    }
    return s == null ? null : s.codec.forNamespace(namespace);
  }

  /** Reloads each keyring file whose content changed since it was last loaded; returns how many were reloaded. */
  synchronized int reload() {
    int count = 0;
    for (Source s : byFile.values()) {
      byte[] hash;
      try {
        hash = hash(s.path);
      } catch (IOException e) {
        reloadFailed.increment();
        log.warn("codec server: cannot read {} ({}); keeping its previous keys", s.path, e.getClass().getSimpleName());
        continue;
      }
      if (MessageDigest.isEqual(hash, s.hash)
          || (s.refusedHash != null && MessageDigest.isEqual(hash, s.refusedHash))) {
        continue;
      }
      try {
        Keyring keyring = Keyring.fromFile(s.path);
        s.codec.updateKeyring(keyring);
        s.hash = hash;
        s.refusedHash = null;
        reloaded.increment();
        count++;
        log.info("codec server: reloaded {} (active key {}, {} keys)", s.path, keyring.activeKey().id(),
            keyring.keyIds().size());
      } catch (EncryptionCodecException e) {
        // Said once per bad version of the file, not on every check.
        s.refusedHash = hash;
        reloadFailed.increment();
        log.warn("codec server: {} changed but cannot be used, keeping its previous keys: {}", s.path, e.getMessage());
      }
    }
    return count;
  }

  private static byte[] hash(Path path) throws IOException {
    byte[] content = Files.readAllBytes(path);
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }
}
