package dev.gatehouse.audit;

import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** Records and TLS material for the remote sinks' tests. */
final class SinkTestSupport {
  static final long EMIT = 1_764_633_600_123L; // 2025-12-02T00:00:00.123Z

  private SinkTestSupport() {}

  /** A record as the broker would hand it over; non-ASCII and escapes included, to prove bytes pass unchanged. */
  /** Closes {@code open} newest first; rethrows the first failure after trying them all. */
  static void closeAll(List<AutoCloseable> open) throws Exception {
    Exception first = null;
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  static AuditEntry entry(long seq, String decision) {
    String json = "{\"emit_time\":\"2025-12-02T00:00:00.123Z\",\"log_id\":\"call-" + seq + "\",\"operation\":"
        + "\"StartWorkflowExecution\",\"status\":\"OK\",\"raw_details\":{\"kind\":\"decision\",\"namespace\":"
        + "\"na\u00efve-\u00fc\",\"note\":\"tab\\t quote\\\" slash\\\\ \\u0001\",\"decision\":\"" + decision
        + "\",\"seq\":" + seq + "}}";
    return new AuditEntry(seq, "call-" + seq, EMIT + seq, "decision", json.getBytes(StandardCharsets.UTF_8));
  }

  static List<AuditEntry> batch(long from, int count) {
    List<AuditEntry> out = new ArrayList<>();
    for (long s = from; s < from + count; s++) {
      out.add(entry(s, "allow"));
    }
    return out;
  }

  static CertificateAuthority ca(String name) {
    return CertificateAuthority.create(name, CertificateAuthority.KeyType.EC_P256, Duration.ofDays(2));
  }

  static IssuedCertificate serverCert(CertificateAuthority ca) {
    return ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth()
        .validFor(Duration.ofDays(1)).issue();
  }

  static SSLContext serverContext(IssuedCertificate cert) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", cert.privateKey(), new char[0],
        cert.chain().toArray(new java.security.cert.Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    kmf.init(ks, new char[0]);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }
}
