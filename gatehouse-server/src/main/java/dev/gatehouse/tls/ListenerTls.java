package dev.gatehouse.tls;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ServerTls;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * Server-only TLS for a listener of its own (the control plane's): a certificate and key in Temporal's
 * {@code ServerTLS} shape, TLS 1.3 unless {@code minVersion} says 1.2, no client certificate asked for (callers
 * authenticate with API keys, as on Temporal Cloud's API-key endpoints).
 */
public final class ListenerTls {
  private ListenerTls() {}

  /**
   * The gRPC server context (ALPN h2) for {@code tls}, read once.
   *
   * @param prefix the dotted config key of {@code tls}, e.g. {@code controlPlane.tls}, for error messages
   * @param minVersion {@code "1.3"} (default when {@code null}) or {@code "1.2"}
   * @param fileOfKey the config file that set a dotted key, or {@code null}
   * @throws ConfigException when the material is unusable
   */
  public static SslContext serverContext(ServerTls tls, String prefix, String minVersion,
      Function<String, String> fileOfKey) {
    ConfigProblems problems = new ConfigProblems(fileOfKey);
    List<String> protocols = TlsVersions.protocols(minVersion, prefix + ".minVersion", problems);
    CertifiedKey material = ServerMaterial.loadCertifiedKey(tls, prefix, problems).current();
    try {
      SslContextBuilder builder = GrpcSslContexts.configure(
              SslContextBuilder.forServer(material.key(), material.chain().toArray(X509Certificate[]::new)),
              SslProviders.preferred())
          .protocols(protocols)
          .clientAuth(ClientAuth.NONE);
      return SessionResumption.disable(builder.build());
    } catch (SSLException e) {
      throw new ConfigException(problems.sourceOf(prefix), prefix,
          "the TLS engine refused the material: " + e.getMessage(), e);
    }
  }
}
