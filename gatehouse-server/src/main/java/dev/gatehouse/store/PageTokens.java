package dev.gatehouse.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque page tokens: the kind and the last id of a page, with an HMAC under a key derived from the master key, so
 * every replica accepts the tokens any of them issued and a token the store did not issue is refused.
 */
final class PageTokens {
  private static final int TAG_BYTES = 16;
  private static final int MAX_TOKEN_CHARS = 4096;
  private final Mac prototype;

  PageTokens(byte[] key) {
    try {
      prototype = Mac.getInstance("HmacSHA256");
      prototype.init(new SecretKeySpec(key, "HmacSHA256"));
      prototype.clone();
    } catch (GeneralSecurityException | CloneNotSupportedException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  String issue(Kind<?> kind, String lastId) {
    byte[] payload = (kind.name + "\n" + lastId).getBytes(StandardCharsets.UTF_8);
    byte[] token = Arrays.copyOf(payload, payload.length + TAG_BYTES);
    System.arraycopy(tag(payload), 0, token, payload.length, TAG_BYTES);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
  }

  /**
   * The last id a token names; {@code null} for the first page ({@code ""}).
   *
   * @throws IllegalArgumentException for a token this store did not issue for {@code kind}
   */
  String read(Kind<?> kind, String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    byte[] raw;
    try {
      if (token.length() > MAX_TOKEN_CHARS) {
        throw new IllegalArgumentException();
      }
      raw = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw forged();
    }
    if (raw.length <= TAG_BYTES) {
      throw forged();
    }
    byte[] payload = Arrays.copyOf(raw, raw.length - TAG_BYTES);
    byte[] tag = Arrays.copyOfRange(raw, raw.length - TAG_BYTES, raw.length);
    if (!MessageDigest.isEqual(tag, tag(payload))) {
      throw forged();
    }
    String text = new String(payload, StandardCharsets.UTF_8);
    String prefix = kind.name + "\n";
    if (!text.startsWith(prefix)) {
      throw forged();
    }
    return text.substring(prefix.length());
  }

  private byte[] tag(byte[] payload) {
    try {
      return Arrays.copyOf(((Mac) prototype.clone()).doFinal(payload), TAG_BYTES);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static IllegalArgumentException forged() {
    return new IllegalArgumentException("not a page token of this listing (pass the nextPageToken of the previous"
        + " page, or an empty token for the first page)");
  }
}
