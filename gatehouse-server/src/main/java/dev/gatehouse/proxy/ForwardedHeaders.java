package dev.gatehouse.proxy;

import dev.gatehouse.auth.PrincipalHeaders;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.List;

/**
 * Which headers cross the gateway.
 *
 * <p>Transport-level headers are owned by each leg's HTTP/2 stack and must not be copied across. Identity
 * headers are stripped from what callers send, because the upstream (or a later gate) may trust them and a caller
 * could forge them (security invariant 3). Temporal's own caller-info headers ({@code caller-type},
 * {@code caller-name}, {@code call-initiation}) are stripped too: Temporal's frontend trusts a valid
 * {@code caller-type} for request priority and rate limiting ({@code operator} ahead of {@code api}), and an older
 * one a {@code caller-name} for the namespace quota; without them it sets {@code api}, the request's namespace and
 * the method, as it does for every SDK call (SDKs send none of them).
 *
 * <p>A header name outside gRPC's alphabet ({@code 0-9 a-z _ - .}) or a value outside printable ASCII (gRPC's
 * ASCII-Value; it excludes NUL, CR and LF, which HTTP/2 forbids) refuses the call before anything else reads it. So the strip rule only ever compares
 * canonical names: no spelling ({@code "Caller-Type"}, {@code "caller-type "}, a NUL) can reach the upstream and be
 * read there as a stripped header, and none can make the name handling throw.
 */
final class ForwardedHeaders {
  /** Temporal's caller-info headers (go.temporal.io/server/common/headers). */
  static final List<String> CALLER_INFO = List.of("caller-type", "caller-name", "call-initiation");

  private ForwardedHeaders() {}

  /**
   * Checks a caller's headers and removes transport headers and forged identity headers, in place.
   *
   * @return {@code null} when the headers are acceptable, else why not, in words safe to answer with (no header
   *     name or value is quoted)
   */
  static String sanitizeRequest(Metadata headers) {
    List<String> dropped = null;
    for (String key : headers.keys()) {
      if (!validName(key)) {
        return "invalid header name";
      }
      boolean binary = key.endsWith(Metadata.BINARY_HEADER_SUFFIX);
      if (!binary && !validValues(headers.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)))) {
        return "invalid header value";
      }
      if (isTransportHeader(key) || PrincipalHeaders.isForgeable(key) || CALLER_INFO.contains(key)) {
        if (dropped == null) {
          dropped = new ArrayList<>(4);
        }
        dropped.add(key);
      }
    }
    if (dropped != null) {
      removeAll(headers, dropped);
    }
    return null;
  }

  /** Removes transport headers from upstream response headers, in place. */
  static void sanitizeResponse(Metadata headers) {
    List<String> dropped = null;
    for (String key : headers.keys()) {
      // The upstream is trusted to speak gRPC; a name outside the alphabet is no transport header, and could not
      // be keyed for removal.
      if (validName(key) && isTransportHeader(key)) {
        if (dropped == null) {
          dropped = new ArrayList<>(4);
        }
        dropped.add(key);
      }
    }
    if (dropped != null) {
      removeAll(headers, dropped);
    }
  }

  /**
   * gRPC's header-name alphabet, which is also what {@code Metadata.Key.of} accepts: lower-case letters, digits,
   * {@code _ - .}. HTTP/2 forbids upper case and every separator; gRPC forbids the rest.
   */
  static boolean validName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  /**
   * gRPC's ASCII-Value, printable ASCII ({@code 0x20-0x7e}), as grpc-go, grpc-java and grpc-js clients enforce. It
   * covers what HTTP/2 forbids (NUL, CR, LF), and grpc-java would otherwise drop such a value on the way upstream and
   * log its bytes. Bytes above 0x7e arrive here as U+FFFD.
   */
  private static boolean validValues(Iterable<String> values) {
    if (values == null) {
      return true;
    }
    for (String v : values) {
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c < 0x20 || c > 0x7e) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isTransportHeader(String key) {
    return key.startsWith("grpc-") && !key.endsWith("-bin")
        || key.equals("content-type")
        || key.equals("te")
        || key.equals("user-agent")
        || key.equals("content-length")
        || key.equals("host")
        || key.equals("connection");
  }

  private static void removeAll(Metadata headers, List<String> keys) {
    for (String key : keys) {
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        headers.discardAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER));
      } else {
        headers.discardAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
      }
    }
  }
}
