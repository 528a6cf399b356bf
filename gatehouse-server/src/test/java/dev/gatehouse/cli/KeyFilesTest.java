package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.dev.DevPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every private key Gatehouse writes (the dev PKI of {@code start-dev} and {@code gatehouse certs}) is PKCS#8 v1 and,
 * for EC, carries its public key inside the ECPrivateKey (RFC 5915): ring, and so the Temporal SDKs on the Rust core,
 * refuse an EC key without it.
 */
class KeyFilesTest {
  private static final Path OPENSSL = Path.of("/usr/bin/openssl");

  @TempDir Path dir;

  @Test
  void theDevPkisKeysCarryTheirPublicKeys() throws Exception {
    DevPki pki = DevPki.ensure(dir.resolve("pki"));
    assertKeyMatches(pki.caKey(), pki.caCert());
    assertKeyMatches(pki.serverKey(), pki.serverCert());
    assertKeyMatches(pki.clientKey(), pki.clientCert());
    assertKeyMatches(pki.upstreamKey(), pki.upstreamCert());
    assertKeyMatches(pki.internodeKey(), pki.internodeCert());
  }

  @ParameterizedTest
  @ValueSource(strings = {"EC_P256", "RSA_2048", "RSA_3072"})
  void certsWritesEveryKeyTypeWithItsPublicKey(String keyType) throws Exception {
    assertThat(Main.run("certs", "ca", "--key-type", keyType, "--out", dir.toString())).isZero();
    assertThat(Main.run("certs", "issue", "--ca-dir", dir.toString(), "--cn", "worker", "--client", "--key-type",
        keyType, "--out", dir.toString())).isZero();
    assertKeyMatches(dir.resolve("ca-key.pem"), dir.resolve("ca.pem"));
    assertKeyMatches(dir.resolve("worker-key.pem"), dir.resolve("worker.pem"));
  }

  private static void assertKeyMatches(Path keyFile, Path certFile) throws Exception {
    PemObject pem = readPem(keyFile);
    assertThat(pem.getType()).isEqualTo("PRIVATE KEY");
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(pem.getContent());
    assertThat(info.getVersion().getValue()).as("PKCS#8 v1, the version ring reads").isEqualTo(BigInteger.ZERO);
    PublicKey certKey = certificate(certFile).getPublicKey();
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(certKey.getEncoded());
    ASN1ObjectIdentifier algorithm = info.getPrivateKeyAlgorithm().getAlgorithm();
    if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      ECPrivateKey ec = ECPrivateKey.getInstance(info.parsePrivateKey());
      assertThat(ec.getPublicKey()).as("RFC 5915 publicKey in " + keyFile.getFileName()).isNotNull();
      assertThat(ec.getPublicKey().getOctets()).isEqualTo(spki.getPublicKeyData().getOctets());
    } else {
      assertThat(algorithm).isEqualTo(PKCSObjectIdentifiers.rsaEncryption);
      RSAPrivateKey rsa = RSAPrivateKey.getInstance(info.parsePrivateKey());
      assertThat(rsa.getModulus()).isEqualTo(((RSAPublicKey) certKey).getModulus());
      assertThat(rsa.getPublicExponent()).isEqualTo(((RSAPublicKey) certKey).getPublicExponent());
    }
    if (Files.isExecutable(OPENSSL)) {
      // OpenSSL derives nothing when the key holds its public key: what it prints is what the key file says.
      assertThat(opensslPublicKey(keyFile)).isEqualTo(spki.getEncoded());
    }
  }

  private static byte[] opensslPublicKey(Path keyFile) throws Exception {
    Process p = new ProcessBuilder(OPENSSL.toString(), "pkey", "-in", keyFile.toString(), "-pubout")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    try (PemReader reader = new PemReader(new StringReader(out))) {
      PemObject pub = reader.readPemObject();
      assertThat(pub.getType()).isEqualTo("PUBLIC KEY");
      return pub.getContent();
    }
  }

  private static PemObject readPem(Path file) throws IOException {
    try (PemReader reader = new PemReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.US_ASCII))) {
      PemObject first = reader.readPemObject();
      assertThat(reader.readPemObject()).as("one PEM block in " + file.getFileName()).isNull();
      return first;
    }
  }

  private static X509Certificate certificate(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
