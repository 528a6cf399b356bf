package dev.gatehouse.proxy;

import dev.gatehouse.auth.PrincipalHeaders;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which headers cross the gateway.
 *
 * <p>Transport-level headers are owned by each leg's HTTP/2 stack and must not be copied across. Identity
 * headers are stripped from what callers send, because the upstream (or a later gate) may trust them and a caller
 * could forge them (security invariant 3).
 */
final class ForwardedHeaders {
  private ForwardedHeaders() {}

  /** Removes transport headers and forged identity headers from a caller's headers, in place. */
  static void sanitizeRequest(Metadata headers) {
    removeWhere(headers, key -> isTransportHeader(key) || PrincipalHeaders.isForgeable(key));
  }

  /** Removes transport headers from upstream response headers, in place. */
  static void sanitizeResponse(Metadata headers) {
    removeWhere(headers, ForwardedHeaders::isTransportHeader);
  }

  private static void removeWhere(Metadata headers, Predicate<String> drop) {
    List<String> dropped = null;
    for (String key : headers.keys()) {
      if (drop.test(key)) {
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
