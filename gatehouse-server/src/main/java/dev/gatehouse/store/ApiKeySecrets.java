package dev.gatehouse.store;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The API key format and its keyed hash. A key is {@code ghk_<keyId>_<secret>}: the id (20 lowercase base32
 * characters) names the key in listings and logs; the secret (43 base64url characters, 32 random bytes) is shown
 * once at creation and stored only as HMAC-SHA256 under the installation's hashing secret. The {@code ghk_} prefix
 * lets secret scanners find leaked keys.
 *
 * <p>Thread-safe: each call hashes with a clone of a prototype {@link Mac}.
 */
public final class ApiKeySecrets {
  /** The prefix of every Gatehouse API key. */
  public static final String PREFIX = "ghk_";
  static final String HASHING_SECRET = "apiKeys.hashingSecret";
  private static final int KEY_ID_CHARS = 20;
  private static final int SECRET_CHARS = 43;
  private static final int SECRET_BYTES = 32;
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final int TOKEN_CHARS = PREFIX.length() + KEY_ID_CHARS + 1 + SECRET_CHARS;

  // SecureRandom is thread-safe and holds no state callers could observe.
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Mac prototype;

  /** A new key shown once: its id, the whole token the caller keeps, and the hash the store keeps. */
  public record NewApiKey(String keyId, String token, byte[] secretHash) {
    @Override
    public String toString() {
      return "NewApiKey[keyId=" + keyId + "]";
    }
  }

  /** A token taken apart. */
  public record ParsedApiKey(String keyId, byte[] secret) {
    @Override
    public String toString() {
      return "ParsedApiKey[keyId=" + keyId + "]";
    }
  }

  /** Hashes under {@code hashingSecret} (32 bytes). */
  public ApiKeySecrets(byte[] hashingSecret) {
    Objects.requireNonNull(hashingSecret, "hashingSecret");
    if (hashingSecret.length < 32) {
      throw new IllegalArgumentException("the hashing secret must have at least 32 bytes");
    }
    try {
      this.prototype = Mac.getInstance("HmacSHA256");
      prototype.init(new SecretKeySpec(hashingSecret, "HmacSHA256"));
      prototype.clone();
    } catch (GeneralSecurityException | CloneNotSupportedException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** The installation's hashing secret from {@code store}, made and stored on first use. */
  public static ApiKeySecrets forStore(AccountStore store) {
    Optional<byte[]> secret = store.secret(HASHING_SECRET);
    if (secret.isEmpty()) {
      byte[] fresh = new byte[32];
      RANDOM.nextBytes(fresh);
      // Replicas opening a new store at once must agree on one secret: the first write wins, the others read it.
      store.putSecretIfAbsent(HASHING_SECRET, fresh);
      secret = store.secret(HASHING_SECRET);
    }
    return new ApiKeySecrets(secret.orElseThrow());
  }

  /** A fresh key id: 20 lowercase base32 characters (100 random bits). */
  public static String newKeyId() {
    char[] id = new char[KEY_ID_CHARS];
    for (int i = 0; i < id.length; i++) {
      id[i] = BASE32[RANDOM.nextInt(BASE32.length)];
    }
    return new String(id);
  }

  /** A new key with id {@code keyId} (as {@link #newKeyId()} makes). */
  public NewApiKey generate(String keyId) {
    if (!validKeyId(keyId)) {
      throw new IllegalArgumentException("a key id is 20 lowercase base32 characters");
    }
    byte[] secret = new byte[SECRET_BYTES];
    RANDOM.nextBytes(secret);
    String token = PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return new NewApiKey(keyId, token, hash(secret));
  }

  /** Takes a token apart; empty for anything that is not exactly a Gatehouse key. Never throws, never logs. */
  public Optional<ParsedApiKey> parse(String token) {
    if (token == null || token.length() != TOKEN_CHARS || !token.startsWith(PREFIX)
        || token.charAt(PREFIX.length() + KEY_ID_CHARS) != '_') {
      return Optional.empty();
    }
    String keyId = token.substring(PREFIX.length(), PREFIX.length() + KEY_ID_CHARS);
    String secret = token.substring(PREFIX.length() + KEY_ID_CHARS + 1);
    if (!validKeyId(keyId)) {
      return Optional.empty();
    }
    for (int i = 0; i < secret.length(); i++) {
      char c = secret.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        return Optional.empty();
      }
    }
    try {
      byte[] raw = Base64.getUrlDecoder().decode(secret);
      // One spelling per secret: the last character's two spare bits must be zero.
      if (raw.length != SECRET_BYTES || !Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(secret)) {
        return Optional.empty();
      }
      return Optional.of(new ParsedApiKey(keyId, raw));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** HMAC-SHA256 of {@code secret} under the hashing secret. */
  public byte[] hash(byte[] secret) {
    try {
      Mac mac = (Mac) prototype.clone();
      return mac.doFinal(secret);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean validKeyId(String keyId) {
    if (keyId == null || keyId.length() != KEY_ID_CHARS) {
      return false;
    }
    for (int i = 0; i < keyId.length(); i++) {
      char c = keyId.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
        return false;
      }
    }
    return true;
  }
}
