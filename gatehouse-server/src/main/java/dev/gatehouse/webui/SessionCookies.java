package dev.gatehouse.webui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The ui-server's cookie contract, as {@code Set-Cookie} values.
 *
 * <ul>
 *   <li>{@code user0..N}: the base64 of {@code {"AccessToken","IDToken","Name","Email","Picture"}} in chunks of at
 *       most {@value #CHUNK} characters. The page reads them (so not HttpOnly), moves them to its storage and deletes
 *       them; they live one minute.
 *   <li>{@code refresh}: the provider's refresh token, HttpOnly, sent only to {@code /auth}.
 *   <li>{@code _csrf}: the double-submit token the page echoes in {@code X-CSRF-TOKEN} (readable by the page).
 *   <li>{@code gh_signin}: the pending sign-in (state, nonce, PKCE verifier, return path), HttpOnly, sent only to the
 *       callback.
 * </ul>
 *
 * <p>Every cookie is {@code Secure} unless the UI is served over plain HTTP (loopback dev), and
 * {@code SameSite=Strict}, except {@code gh_signin}: the provider's redirect back is a cross-site navigation, on
 * which browsers withhold Strict cookies, so it is {@code Lax} (sent on that top-level GET only).
 */
final class SessionCookies {
  static final int CHUNK = 4000;
  static final String USER = "user";
  static final String REFRESH = "refresh";
  static final String CSRF = "_csrf";
  static final String SIGN_IN = "gh_signin";
  static final String SESSION_START = "session_start";
  static final Duration USER_MAX_AGE = Duration.ofMinutes(1);
  static final Duration SIGN_IN_MAX_AGE = Duration.ofMinutes(10);
  /** A larger token set than this is refused rather than split into dozens of cookies browsers would drop. */
  static final int MAX_USER_CHUNKS = 8;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final boolean secure;

  SessionCookies(boolean secure) {
    this.secure = secure;
  }

  boolean secure() {
    return secure;
  }

  /** The user the UI shows and the tokens it sends, as the ui-server's {@code UserResponse}. */
  record User(String accessToken, String idToken, String name, String email, String picture) {}

  /** The {@code user0..N} cookies, plus expiries for two chunk slots past them (left over from a larger set). */
  List<String> user(User user) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("AccessToken", user.accessToken());
    fields.put("IDToken", user.idToken() == null ? "" : user.idToken());
    fields.put("Name", user.name() == null ? "" : user.name());
    fields.put("Email", user.email() == null ? "" : user.email());
    fields.put("Picture", user.picture() == null ? "" : user.picture());
    String json;
    try {
      json = JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the user cookie", e);
    }
    // The UI splits each cookie at its first '=', so base64 padding would be cut off: pad the JSON with spaces
    // (insignificant to its parser) to a multiple of three bytes instead.
    StringBuilder padded = new StringBuilder(json);
    while (padded.toString().getBytes(StandardCharsets.UTF_8).length % 3 != 0) {
      padded.append(' ');
    }
    String encoded = Base64.getEncoder().encodeToString(padded.toString().getBytes(StandardCharsets.UTF_8));
    List<String> cookies = new ArrayList<>();
    int chunks = (encoded.length() + CHUNK - 1) / CHUNK;
    if (chunks > MAX_USER_CHUNKS) {
      throw new IllegalArgumentException("the provider's tokens are too large for cookies (" + encoded.length()
          + " characters)");
    }
    for (int i = 0; i < chunks; i++) {
      String part = encoded.substring(i * CHUNK, Math.min(encoded.length(), (i + 1) * CHUNK));
      cookies.add(cookie(USER + i, part, "/", USER_MAX_AGE.toSeconds(), false, "Strict"));
    }
    cookies.add(expired(USER + chunks, "/", false));
    cookies.add(expired(USER + (chunks + 1), "/", false));
    return cookies;
  }

  String refresh(String refreshToken, Duration maxAge) {
    return cookie(REFRESH, refreshToken, "/auth", maxAge.toSeconds(), true, "Strict");
  }

  String sessionStart(long epochSeconds, Duration maxAge) {
    return cookie(SESSION_START, Long.toString(epochSeconds), "/", maxAge.toSeconds(), true, "Strict");
  }

  String csrf(String token) {
    // Session-long; the page must read it to echo it.
    return cookie(CSRF, token, "/", -1, false, "Strict");
  }

  String signIn(String value) {
    return cookie(SIGN_IN, value, "/auth/sso/callback", SIGN_IN_MAX_AGE.toSeconds(), true, "Lax");
  }

  String clearSignIn() {
    return expiredWith(SIGN_IN, "/auth/sso/callback", true, "Lax");
  }

  /** Every cookie of the session, expired (sign-out). */
  List<String> clearAll() {
    List<String> cookies = new ArrayList<>();
    for (int i = 0; i < MAX_USER_CHUNKS; i++) {
      cookies.add(expired(USER + i, "/", false));
    }
    cookies.add(expired(REFRESH, "/auth", true));
    cookies.add(expired(SESSION_START, "/", true));
    cookies.add(clearSignIn());
    return cookies;
  }

  static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * The value of the one cookie named {@code name}, or {@code null} when absent. When the browser sends it twice
   * (another path or domain set one too), the answer is {@code null}: which of them is ours is unknown.
   */
  static String read(Request request, String name) {
    String found = null;
    int count = 0;
    for (HttpField field : request.getHeaders()) {
      if (field.getHeader() != HttpHeader.COOKIE) {
        continue;
      }
      for (String pair : field.getValue().split(";")) {
        int eq = pair.indexOf('=');
        if (eq < 0) {
          continue;
        }
        if (pair.substring(0, eq).strip().equals(name)) {
          found = pair.substring(eq + 1).strip();
          count++;
        }
      }
    }
    return count == 1 ? found : null;
  }

  private String expired(String name, String path, boolean httpOnly) {
    return expiredWith(name, path, httpOnly, "Strict");
  }

  private String expiredWith(String name, String path, boolean httpOnly, String sameSite) {
    return cookie(name, "", path, 0, httpOnly, sameSite);
  }

  private String cookie(String name, String value, String path, long maxAgeSeconds, boolean httpOnly,
      String sameSite) {
    StringBuilder b = new StringBuilder(name).append('=').append(value).append("; Path=").append(path);
    if (maxAgeSeconds >= 0) {
      b.append("; Max-Age=").append(maxAgeSeconds);
    }
    if (secure) {
      b.append("; Secure");
    }
    if (httpOnly) {
      b.append("; HttpOnly");
    }
    return b.append("; SameSite=").append(sameSite).toString();
  }
}
