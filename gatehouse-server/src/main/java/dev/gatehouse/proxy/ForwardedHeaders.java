package dev.gatehouse.proxy;

import dev.gatehouse.auth.PrincipalHeaders;
import io.grpc.InternalMetadata;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
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
 *
 * <p>The checks read the transport's own bytes ({@link InternalMetadata#serialize}, one array of references)
 * rather than {@link Metadata#keys()} and {@link Metadata#getAll}, which decode every name and value into a new
 * {@code String} and cost ~3.9 KB and ~1.4 µs per call over the request, response headers and trailers
 * ({@code HeaderSanitizingBenchmark}); the headers removed on every call are removed by keys made once.
 */
final class ForwardedHeaders {
  /** Temporal's caller-info headers (go.temporal.io/server/common/headers). */
  static final List<String> CALLER_INFO = List.of("caller-type", "caller-name", "call-initiation");

  private static final byte[] GRPC_PREFIX = ascii("grpc-");
  private static final byte[] BINARY_SUFFIX = ascii(Metadata.BINARY_HEADER_SUFFIX);
  // Not among the keys made once: grpc-java warns when a key of that name is made (HTTP/1's hop-by-hop header).
  private static final byte[] CONNECTION = ascii("connection");

  /**
   * Keys of the headers that arrive on (nearly) every call and are removed, made once so removing them allocates
   * nothing. Any other header that must go gets its key made when it is met.
   */
  private static final List<Metadata.Key<String>> KNOWN = List.of(
      key("content-type"), key("te"), key("user-agent"), key("content-length"), key("host"),
      key("grpc-accept-encoding"), key("grpc-encoding"), key("grpc-timeout"), key("grpc-status"),
      key("grpc-message"), key("caller-type"), key("caller-name"), key("call-initiation"));
  private static final byte[][] KNOWN_NAMES = KNOWN.stream().map(k -> ascii(k.name())).toArray(byte[][]::new);

  private ForwardedHeaders() {}

  /**
   * Checks a caller's headers and removes transport headers and forged identity headers, in place.
   *
   * @return {@code null} when the headers are acceptable, else why not, in words safe to answer with (no header
   *     name or value is quoted)
   */
  static String sanitizeRequest(Metadata headers) {
    byte[][] wire = InternalMetadata.serialize(headers);
    int strip = 0;
    for (int i = 0; i + 1 < wire.length; i += 2) {
      byte[] name = wire[i];
      if (!validName(name)) {
        return "invalid header name";
      }
      if (!endsWith(name, BINARY_SUFFIX) && !printable(wire[i + 1])) {
        return "invalid header value";
      }
      if (isTransportHeader(name) || PrincipalHeaders.isForgeableWireName(name) || isCallerInfo(name)) {
        wire[strip++] = name;
      }
    }
    for (int i = 0; i < strip; i++) {
      discard(headers, wire[i]);
    }
    return null;
  }

  /** Removes transport headers from upstream response headers, in place. */
  static void sanitizeResponse(Metadata headers) {
    byte[][] wire = InternalMetadata.serialize(headers);
    int strip = 0;
    for (int i = 0; i + 1 < wire.length; i += 2) {
      byte[] name = wire[i];
      // The upstream is trusted to speak gRPC; a name outside the alphabet is no transport header, and could not
      // be keyed for removal.
      if (validName(name) && isTransportHeader(name)) {
        wire[strip++] = name;
      }
    }
    for (int i = 0; i < strip; i++) {
      discard(headers, wire[i]);
    }
  }

  /**
   * gRPC's header-name alphabet, which is also what {@code Metadata.Key.of} accepts: lower-case letters, digits,
   * {@code _ - .}. HTTP/2 forbids upper case and every separator; gRPC forbids the rest.
   */
  private static boolean validName(byte[] name) {
    if (name.length == 0) {
      return false;
    }
    for (byte b : name) {
      if (!((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '.')) {
        return false;
      }
    }
    return true;
  }

  /**
   * gRPC's ASCII-Value, printable ASCII ({@code 0x20-0x7e}), as grpc-go, grpc-java and grpc-js clients enforce. It
   * covers what HTTP/2 forbids (NUL, CR, LF), and grpc-java would otherwise drop such a value on the way upstream and
   * log its bytes.
   */
  private static boolean printable(byte[] value) {
    if (value == null) {
      return true;
    }
    for (byte b : value) {
      if (b < 0x20 || b > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static boolean isTransportHeader(byte[] name) {
    if (startsWith(name, GRPC_PREFIX)) {
      return !endsWith(name, BINARY_SUFFIX);
    }
    return (indexOfKnown(name) >= 0 && !isCallerInfo(name)) || java.util.Arrays.equals(name, CONNECTION);
  }

  private static boolean isCallerInfo(byte[] name) {
    int i = indexOfKnown(name);
    return i >= 0 && CALLER_INFO.contains(KNOWN.get(i).name());
  }

  private static void discard(Metadata headers, byte[] name) {
    int known = indexOfKnown(name);
    if (known >= 0) {
      headers.discardAll(KNOWN.get(known));
    } else if (endsWith(name, BINARY_SUFFIX)) {
      headers.discardAll(Metadata.Key.of(new String(name, StandardCharsets.US_ASCII), Metadata.BINARY_BYTE_MARSHALLER));
    } else {
      headers.discardAll(Metadata.Key.of(new String(name, StandardCharsets.US_ASCII), Metadata.ASCII_STRING_MARSHALLER));
    }
  }

  private static int indexOfKnown(byte[] name) {
    for (int i = 0; i < KNOWN_NAMES.length; i++) {
      byte[] known = KNOWN_NAMES[i];
      if (known.length == name.length && known[0] == name[0] && java.util.Arrays.equals(known, name)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean startsWith(byte[] name, byte[] prefix) {
    return name.length >= prefix.length && java.util.Arrays.equals(name, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static boolean endsWith(byte[] name, byte[] suffix) {
    int from = name.length - suffix.length;
    return from >= 0 && java.util.Arrays.equals(name, from, name.length, suffix, 0, suffix.length);
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
