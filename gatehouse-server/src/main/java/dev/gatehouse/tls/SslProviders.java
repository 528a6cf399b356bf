package dev.gatehouse.tls;

import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The TLS engine for gRPC: the BoringSSL bundled with grpc-netty-shaded where it loads, else the JDK's. */
final class SslProviders {
  private static final Logger log = LoggerFactory.getLogger(SslProviders.class);

  private SslProviders() {}

  static SslProvider preferred() {
    if (OpenSsl.isAvailable()) {
      return SslProvider.OPENSSL;
    }
    log.warn("bundled BoringSSL unavailable on this platform ({}); TLS falls back to the slower JDK engine",
        OpenSsl.unavailabilityCause() == null ? "unknown cause" : OpenSsl.unavailabilityCause().toString());
    return SslProvider.JDK;
  }
}
