package dev.gatehouse.tls;

import dev.gatehouse.config.ServerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;

/**
 * The files of an HTTPS listener whose client CAs rotate: a server certificate for {@code localhost}/{@code 127.0.0.1}
 * and a client CA file holding a {@code leaving} and a {@code staying} CA, until {@link #dropLeaving()}.
 *
 * @param tls the listener's {@code ServerTls}, client certificates required
 */
public record ClientCaRotation(CertificateAuthority serverCa, CertificateAuthority leaving,
    CertificateAuthority staying, Path clientCas, ServerTls tls) {

  /** Writes the files into {@code dir}. */
  public static ClientCaRotation create(Path dir) throws IOException {
    CertificateAuthority serverCa = ca("Server CA");
    serverCa.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue()
        .write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    CertificateAuthority leaving = ca("Leaving CA");
    CertificateAuthority staying = ca("Staying CA");
    Path cas = dir.resolve("client-cas.pem");
    Files.writeString(cas, leaving.certificatePem() + staying.certificatePem());
    ServerTls tls = new ServerTls(dir.resolve("server.pem").toString(), dir.resolve("server-key.pem").toString(), null,
        null, List.of(cas.toString()), null, true);
    return new ClientCaRotation(serverCa, leaving, staying, cas, tls);
  }

  /** Rewrites the client CA file with the staying CA alone (the listener sees it at its next TLS check). */
  public void dropLeaving() throws IOException {
    Files.writeString(clientCas, staying.certificatePem());
  }

  /** A TLS connection to {@code 127.0.0.1:port} with a client certificate {@code issuer} issues to {@code name}. */
  public SSLSocket connect(int port, CertificateAuthority issuer, String name) throws Exception {
    return TlsSockets.connect(port, serverCa, issuer.leaf(name).clientAuth().issue());
  }

  private static CertificateAuthority ca(String name) {
    return CertificateAuthority.create(name, CertificateAuthority.KeyType.EC_P256, Duration.ofDays(1));
  }
}
