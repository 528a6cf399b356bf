package dev.gatehouse.audit;

import dev.gatehouse.tls.Pem;
import dev.gatehouse.tls.PemException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The client TLS context of a remote sink: the JDK's trust store, or only the CAs of a configured file. */
final class CollectorTls {
  private CollectorTls() {}

  /**
   * The protocols for {@code minVersion} ({@code 1.3}, the default, or {@code 1.2}; {@code TLSv1.x} spellings too),
   * as the {@code minVersion} key of {@code global.tls}: TLS 1.3 only unless 1.2 is asked for (invariant 6).
   */
  static String[] protocols(String minVersion) {
    String v = minVersion == null ? "1.3" : minVersion.strip();
    return switch (v) {
      case "1.3", "TLSv1.3" -> new String[] {"TLSv1.3"};
      case "1.2", "TLSv1.2" -> new String[] {"TLSv1.3", "TLSv1.2"};
      default -> throw new IllegalArgumentException("unknown TLS version " + v + " (1.2 or 1.3)");
    };
  }

  static SSLContext context(Path caFile) throws IOException {
    try {
      if (caFile == null) {
        return SSLContext.getDefault();
      }
      List<X509Certificate> cas = Pem.certificates(Files.readAllBytes(caFile));
      if (cas.isEmpty()) {
        throw new IOException("the CA file " + caFile + " holds no certificate");
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | PemException e) {
      throw new IOException("cannot build a TLS context from " + caFile + ": " + e.getMessage(), e);
    }
  }
}
