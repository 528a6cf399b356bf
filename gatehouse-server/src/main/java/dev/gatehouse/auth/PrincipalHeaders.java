package dev.gatehouse.auth;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one home of the rule "which identity headers exist and who sets them": the headers a caller could use to
 * forge an identity, which every face strips before anything else looks at a call (invariant 3), and the ones
 * Gatehouse itself sets on a forwarded call when {@code propagatePrincipal} is on.
 */
public final class PrincipalHeaders {
  /** The header carrying the caller's principal type upstream, as Temporal names it. */
  public static final String TYPE = "temporal-principal-type";
  /** The header carrying the caller's principal name upstream, as Temporal names it. */
  public static final String NAME = "temporal-principal-name";

  private final boolean propagate;

  PrincipalHeaders(boolean propagate) {
    this.propagate = propagate;
  }

  /**
   * True for request headers a caller could use to forge an identity — {@code temporal-principal-*} and
   * {@code gatehouse-*}, in any case — which must be removed before a call is forwarded.
   */
  public static boolean isForgeable(String name) {
    if (name == null) {
      return false;
    }
    return name.regionMatches(true, 0, "temporal-principal-", 0, 19)
        || name.regionMatches(true, 0, "gatehouse-", 0, 10);
  }

  /**
   * {@link #isForgeable(String)} for a header name in wire form that is already canonical (lower case, as HTTP/2
   * requires and the data plane checks first), without decoding it.
   */
  public static boolean isForgeableWireName(byte[] canonicalName) {
    return startsWith(canonicalName, "temporal-principal-") || startsWith(canonicalName, "gatehouse-");
  }

  private static boolean startsWith(byte[] name, String prefix) {
    if (name.length < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (name[i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** True when {@link #forCaller} can return headers at all; a face can skip the call otherwise. */
  public boolean propagates() {
    return propagate;
  }

  /**
   * Headers to add to the forwarded call: {@value #TYPE} and {@value #NAME} when {@code propagatePrincipal} is set and
   * the caller is identified; otherwise none. Values are printable ASCII (other bytes are percent-encoded).
   */
  public Map<String, String> forCaller(Claims claims) {
    if (!propagate || claims == null || claims.isAnonymous()) {
      return Map.of();
    }
    Map<String, String> h = new LinkedHashMap<>();
    h.put(TYPE, headerValue(claims.authType() == null ? "unknown" : claims.authType()));
    h.put(NAME, headerValue(claims.subject()));
    return h;
  }

  private static String headerValue(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '%') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
