package dev.gatehouse.proxy;

import io.grpc.Status;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failure of the upstream leg into a clear status for the caller and a log line for the operator.
 *
 * <p>The caller learns which kind of failure it was, never the upstream's address or certificate details; the
 * log names the cause (e.g. the host-name mismatch) once per distinct cause and then at most every 10 s, so an
 * outage does not flood the log.
 */
final class UpstreamFailures {
  private static final Logger log = LoggerFactory.getLogger(UpstreamFailures.class);
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String upstreamAddress;
  private final AtomicReference<String> lastLogged = new AtomicReference<>();
  private final AtomicLong lastLoggedAt = new AtomicLong();

  UpstreamFailures(String upstreamAddress) {
    this.upstreamAddress = upstreamAddress;
  }

  Status describe(ProxiedMethod method, Status status) {
    Status.Code code = status.getCode();
    if (code != Status.Code.UNAVAILABLE && code != Status.Code.UNKNOWN && code != Status.Code.INTERNAL) {
      return status;
    }
    String kind = kindOf(status.getCause());
    logOnce(kind, method, status);
    return Status.UNAVAILABLE.withDescription("upstream unavailable: " + kind);
  }

  private static String kindOf(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException || t instanceof CertificateException) {
        return "TLS handshake with the upstream failed";
      }
      if (t instanceof ConnectException || t instanceof UnresolvedAddressException) {
        return "cannot connect to the upstream";
      }
    }
    return "upstream connection failed";
  }

  private void logOnce(String kind, ProxiedMethod method, Status status) {
    String detail = rootMessage(status);
    long now = System.nanoTime();
    String previous = lastLogged.getAndSet(detail);
    long previousAt = lastLoggedAt.get();
    if (!detail.equals(previous) || now - previousAt > LOG_EVERY_NANOS) {
      lastLoggedAt.set(now);
      log.warn("{} {}: {} ({} refused with UNAVAILABLE)", kind, upstreamAddress, detail, method.fullMethodName());
    }
  }

  private static String rootMessage(Status status) {
    StringBuilder sb = new StringBuilder();
    if (status.getDescription() != null) {
      sb.append(status.getDescription());
    }
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t.getMessage() != null && sb.indexOf(t.getMessage()) < 0) {
        sb.append(sb.isEmpty() ? "" : ": ").append(t.getMessage());
      }
    }
    return sb.isEmpty() ? status.getCode().name() : sb.toString();
  }
}
