package dev.gatehouse.tls;

import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCertificateException;
import io.grpc.netty.shaded.io.netty.internal.tcnative.CertificateVerifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** Counts certificates refused during TLS handshakes, by group and reason. */
final class HandshakeFailures {
  static final String METRIC = "gatehouse.tls.handshake.failures";

  /** Why a peer certificate was refused; the lower-case name is the {@code reason} tag. */
  enum Reason {
    NO_CERTIFICATE,
    UNTRUSTED,
    EXPIRED,
    NOT_YET_VALID,
    WRONG_USAGE,
    HOST_MISMATCH;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The exception the TLS stack turns into the matching alert: certificate_expired for an expired certificate,
     * else bad_certificate as Go sends. BoringSSL picks the alert from the OpenSSL error code, which a plain
     * {@link CertificateException} leaves at "unspecified" (internal_error); the JDK engine reads only the type.
     */
    CertificateException exception(String message) {
      return switch (this) {
        case EXPIRED -> new CertificateExpiredException(message);
        case NOT_YET_VALID -> new CertificateNotYetValidException(message);
        default -> OpenSsl.isAvailable()
            ? new OpenSslCertificateException(message, CertificateVerifier.X509_V_ERR_CERT_REJECTED)
            : new CertificateException(message);
      };
    }
  }

  private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);

  HandshakeFailures(MeterRegistry registry, String group) {
    if (registry != null) {
      // Registered up front so dashboards show zeros rather than missing series.
      for (Reason reason : Reason.values()) {
        counters.put(reason, Counter.builder(METRIC)
            .description("TLS handshakes refused because of the peer's certificate")
            .tag("group", group)
            .tag("reason", reason.tag())
            .register(registry));
      }
    }
  }

  void count(Reason reason) {
    Counter counter = counters.get(reason);
    if (counter != null) {
      counter.increment();
    }
  }
}
