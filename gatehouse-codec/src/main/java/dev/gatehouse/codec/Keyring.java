package dev.gatehouse.codec;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable set of keys: one active key encrypts, every key (the active one included) decrypts.
 *
 * <p>Rotation without downtime: (1) give every worker a keyring that holds the new key as a decrypt-only key,
 * (2) make it the active key everywhere ({@link #withActiveKey}), (3) once no history needs the old key any more,
 * drop it ({@link #withoutKey}). Hand each new keyring to {@link EncryptionCodec#updateKeyring}; the swap is atomic.
 *
 * <h2>Keyring file</h2>
 * A Java properties file in UTF-8, readable by its owner only (mode 0600 or 0400 on POSIX systems; a file any group
 * or other user can access is refused):
 * <pre>
 * # gatehouse codec keyring
 * active = 2025-06
 * key.2025-06 = 3q2+7w...base64 of 32 random bytes...=
 * key.2025-01 = q83vEj...base64 of 32 random bytes...=
 * </pre>
 * {@code active} names the key that encrypts; every {@code key.<id>} decrypts. Any other property is an error.
 * Generate a key with {@code openssl rand -base64 32}. In Kubernetes, mount the secret with {@code defaultMode: 0400}.
 *
 * <h2>Environment</h2>
 * {@code GATEHOUSE_CODEC_ACTIVE_KEY=<id>} and one {@code GATEHOUSE_CODEC_KEY_<id>=<base64 of 32 bytes>} per key.
 */
public final class Keyring {

  static final String ENV_ACTIVE = "GATEHOUSE_CODEC_ACTIVE_KEY";
  static final String ENV_KEY_PREFIX = "GATEHOUSE_CODEC_KEY_";

  private final Key active;
  private final Map<String, Key> keys;

  private Keyring(Key active, Map<String, Key> keys) {
    this.active = active;
    this.keys = Collections.unmodifiableMap(keys);
  }

  /** A keyring whose {@code active} key encrypts and whose other keys only decrypt. Ids must be unique. */
  public static Keyring of(Key active, Key... decryptOnly) {
    Objects.requireNonNull(active, "active");
    List<Key> all = new ArrayList<>(decryptOnly.length + 1);
    all.add(active);
    for (Key key : decryptOnly) {
      all.add(Objects.requireNonNull(key, "decryptOnly key"));
    }
    return of(active, all);
  }

  private static Keyring of(Key active, List<Key> all) {
    Map<String, Key> keys = new LinkedHashMap<>();
    keys.put(active.id(), active);
    for (Key key : all) {
      Key previous = keys.putIfAbsent(key.id(), key);
      if (previous != null && !previous.equals(key)) {
        throw new EncryptionCodecException(Reason.INVALID_KEYRING,
            "key id '" + key.id() + "' appears twice with different key material");
      }
    }
    return new Keyring(active, keys);
  }

  /**
   * Reads a keyring file (format above). Fails with {@link Reason#INVALID_KEYRING} if the file is readable or
   * writable by group or others on a POSIX file system, or if it is malformed; errors never quote key material.
   */
  public static Keyring fromFile(Path file) {
    return KeyringFile.read(file);
  }

  /** Reads the keyring from this process's environment variables (format above). */
  public static Keyring fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** Reads the keyring from the given environment (format above). */
  public static Keyring fromEnvironment(Map<String, String> environment) {
    String activeId = environment.get(ENV_ACTIVE);
    Map<String, Key> keys = new TreeMap<>();
    for (Map.Entry<String, String> variable : environment.entrySet()) {
      if (variable.getKey().startsWith(ENV_KEY_PREFIX)) {
        String id = variable.getKey().substring(ENV_KEY_PREFIX.length());
        keys.put(id, decodeKey(id, variable.getValue(), "environment variable " + ENV_KEY_PREFIX + "<id>"));
      }
    }
    if (activeId == null || activeId.isBlank()) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, ENV_ACTIVE + " is not set");
    }
    return assemble(activeId.strip(), keys, "environment");
  }

  static Keyring assemble(String activeId, Map<String, Key> keys, String source) {
    Key active = keys.get(activeId);
    if (active == null) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, "active key '"
          + (Key.isValidId(activeId) ? activeId : "?") + "' is not among the keys in the " + source);
    }
    return of(active, new ArrayList<>(keys.values()));
  }

  static Key decodeKey(String id, String base64, String where) {
    if (!Key.isValidId(id)) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, "invalid key id in " + where
          + " (1-128 characters from A-Z a-z 0-9 . _ - ~ ! @ : / +)");
    }
    byte[] material;
    try {
      material = Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      // The decoder's message can quote the offending character of the secret: leave it out.
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, "key '" + id + "' in " + where + " is not base64");
    }
    try {
      if (material.length != Key.LENGTH) {
        throw new EncryptionCodecException(Reason.INVALID_KEYRING,
            "key '" + id + "' in " + where + " must be base64 of 32 bytes, got " + material.length + " bytes");
      }
      return Key.of(id, material);
    } finally {
      Arrays.fill(material, (byte) 0);
    }
  }

  /** The key that encrypts. */
  public Key activeKey() {
    return active;
  }

  /** The key with this id, active or decrypt-only. */
  public Optional<Key> key(String id) {
    return Optional.ofNullable(keys.get(id));
  }

  /** Ids of all keys, the active one first. */
  public Set<String> keyIds() {
    return keys.keySet();
  }

  /** This keyring with {@code newActive} encrypting; the previous active key stays as a decrypt-only key. */
  public Keyring withActiveKey(Key newActive) {
    Objects.requireNonNull(newActive, "newActive");
    List<Key> all = new ArrayList<>(keys.size() + 1);
    all.add(newActive);
    all.addAll(keys.values());
    return of(newActive, all);
  }

  /** This keyring without the decrypt-only key {@code id}; payloads under it can no longer be decoded. */
  public Keyring withoutKey(String id) {
    if (active.id().equals(id)) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING,
          "key '" + id + "' is the active key; make another key active before removing it");
    }
    Map<String, Key> rest = new LinkedHashMap<>(keys);
    rest.remove(id);
    return new Keyring(active, rest);
  }

  @Override
  public String toString() {
    return "Keyring[active=" + active.id() + ", keys=" + keys.keySet() + "]";
  }
}
