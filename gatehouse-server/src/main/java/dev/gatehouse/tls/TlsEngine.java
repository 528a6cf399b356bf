package dev.gatehouse.tls;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/** Which TLS implementation the data plane's frontend runs ({@code listen.tlsEngine}). */
public enum TlsEngine {
  /**
   * The BoringSSL bundled with grpc-netty-shaded, the JDK's where it does not load: the faster engine, and the one
   * that answers a refused client certificate with {@code bad_certificate} as Go does. It offers no Ed25519 or
   * P-521 signatures for client certificates.
   */
  BORINGSSL,
  /**
   * The JDK's: accepts every client certificate the verifier accepts (Ed25519 and P-521 included), but answers a
   * refused one with {@code certificate_unknown} (the JDK's server always does).
   */
  JDK;

  /** The configuration spelling, {@code boringssl} or {@code jdk}. */
  public static TlsEngine of(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "boringssl" -> BORINGSSL;
      case "jdk" -> JDK;
      default -> throw new IllegalArgumentException("unknown TLS engine '" + name + "' (boringssl or jdk)");
    };
  }

  SslProvider provider() {
    return this == JDK ? SslProvider.JDK : SslProviders.preferred();
  }
}
