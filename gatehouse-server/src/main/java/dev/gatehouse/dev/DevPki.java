package dev.gatehouse.dev;

import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.Certificates;
import dev.gatehouse.tls.IssuedCertificate;
import dev.gatehouse.tls.Pem;
import dev.gatehouse.tls.PemException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development PKI {@code start-dev} runs on: one CA and the certificates issued from it, as PEM files in
 * one directory. Made on the first start and reused on the next ones while still valid, so clients that
 * trust {@code ca.pem} keep working; a certificate that is missing, broken, not issued by the CA or within
 * 30 days of expiry is issued again, and a CA in that state is replaced together with everything it issued.
 *
 * @param dir the directory holding the files
 * @param caCert {@code ca.pem}: the CA to trust (clientCaFiles, rootCaFiles, the SDK's server root)
 * @param caKey {@code ca-key.pem}
 * @param serverCert {@code server.pem}: Gatehouse's frontend certificate, SANs localhost, 127.0.0.1, ::1
 * @param serverKey {@code server-key.pem}
 * @param clientCert {@code client.pem}: a worker client certificate, CN dev-worker
 * @param clientKey {@code client-key.pem}
 * @param upstreamCert {@code upstream.pem}: the upstream Temporal frontend's certificate, SANs as the server's
 * @param upstreamKey {@code upstream-key.pem}
 * @param internodeCert {@code internode.pem}: Gatehouse's client certificate to the upstream, CN gatehouse-internode
 * @param internodeKey {@code internode-key.pem}
 */
public record DevPki(
    Path dir,
    Path caCert,
    Path caKey,
    Path serverCert,
    Path serverKey,
    Path clientCert,
    Path clientKey,
    Path upstreamCert,
    Path upstreamKey,
    Path internodeCert,
    Path internodeKey) {
  private static final Logger log = LoggerFactory.getLogger(DevPki.class);
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration LEAF_VALIDITY = Duration.ofDays(365);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final String[] LOCAL_DNS = {"localhost"};
  private static final String[] LOCAL_IPS = {"127.0.0.1", "::1"};

  /** Makes sure {@code dir} holds a complete, valid dev PKI and returns its paths. */
  public static DevPki ensure(Path dir) {
    DevPki pki = at(dir);
    try {
      createPrivateDirectory(dir);
      Instant now = Instant.now();
      CertificateAuthority ca = reusableCa(pki, now);
      boolean newCa = ca == null;
      if (newCa) {
        ca = CertificateAuthority.create("Gatehouse dev CA", CertificateAuthority.KeyType.EC_P256, CA_VALIDITY);
        ca.write(pki.caCert, pki.caKey);
        log.info("created the dev CA in {} ({}): trust it in clients", pki.caCert, Certificates.describe(ca.certificate()));
      }
      CertificateAuthority issuer = ca;
      ensureLeaf(pki.serverCert, pki.serverKey, issuer, newCa, now,
          c -> c.leaf("localhost").dnsNames(LOCAL_DNS).ipAddresses(LOCAL_IPS).serverAuth());
      ensureLeaf(pki.clientCert, pki.clientKey, issuer, newCa, now,
          c -> c.leaf("dev-worker").organizations("Gatehouse dev").clientAuth());
      ensureLeaf(pki.upstreamCert, pki.upstreamKey, issuer, newCa, now,
          c -> c.leaf("temporal-upstream").dnsNames(LOCAL_DNS).ipAddresses(LOCAL_IPS).serverAuth());
      ensureLeaf(pki.internodeCert, pki.internodeKey, issuer, newCa, now,
          c -> c.leaf("gatehouse-internode").clientAuth());
      return pki;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up the dev PKI in " + dir, e);
    }
  }

  private static DevPki at(Path dir) {
    return new DevPki(dir,
        dir.resolve("ca.pem"), dir.resolve("ca-key.pem"),
        dir.resolve("server.pem"), dir.resolve("server-key.pem"),
        dir.resolve("client.pem"), dir.resolve("client-key.pem"),
        dir.resolve("upstream.pem"), dir.resolve("upstream-key.pem"),
        dir.resolve("internode.pem"), dir.resolve("internode-key.pem"));
  }

  private static CertificateAuthority reusableCa(DevPki pki, Instant now) {
    if (!Files.exists(pki.caCert) || !Files.exists(pki.caKey)) {
      return null;
    }
    try {
      CertificateAuthority ca = CertificateAuthority.load(pki.caCert, pki.caKey);
      if (fresh(ca.certificate(), now)) {
        return ca;
      }
      log.warn("the dev CA in {} expires soon or is not valid yet; replacing it and everything it issued", pki.caCert);
    } catch (IOException | IllegalArgumentException e) {
      log.warn("the dev CA in {} is unusable ({}); replacing it and everything it issued", pki.caCert, e.getMessage());
    }
    return null;
  }

  private static void ensureLeaf(Path certFile, Path keyFile, CertificateAuthority ca, boolean newCa, Instant now,
      Function<CertificateAuthority, CertificateAuthority.LeafBuilder> spec) throws IOException {
    if (!newCa && reusable(certFile, keyFile, ca, now)) {
      return;
    }
    IssuedCertificate issued = spec.apply(ca).validFor(LEAF_VALIDITY).issue();
    issued.write(certFile, keyFile);
    log.info("issued dev certificate {} ({})", certFile, Certificates.describe(issued.certificate()));
  }

  private static boolean reusable(Path certFile, Path keyFile, CertificateAuthority ca, Instant now) {
    if (!Files.exists(certFile) || !Files.exists(keyFile)) {
      return false;
    }
    try {
      List<X509Certificate> chain = Pem.certificates(Files.readAllBytes(certFile));
      PrivateKey key = Pem.privateKey(Files.readAllBytes(keyFile));
      if (chain.isEmpty() || !Certificates.matches(chain.get(0), key) || !fresh(chain.get(0), now)) {
        return false;
      }
      chain.get(0).verify(ca.certificate().getPublicKey());
      return true;
    } catch (IOException | PemException | GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static boolean fresh(X509Certificate c, Instant now) {
    return !now.isBefore(c.getNotBefore().toInstant()) && now.plus(RENEW_BEFORE).isBefore(c.getNotAfter().toInstant());
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }
}
