package dev.gatehouse.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes PEM certificates and private keys.
 *
 * <p>Keys are turned into JDK keys by their algorithm OID rather than through BouncyCastle's JCA provider, so
 * no provider is registered process-wide. Errors about keys carry no cause: a parser's message could quote
 * the bytes it choked on.
 */
public final class Pem {
  private Pem() {}

  /** All certificates in {@code pem}, in order; other PEM blocks are skipped. */
  public static List<X509Certificate> certificates(byte[] pem) throws PemException {
    List<X509Certificate> certs = new ArrayList<>();
    try (PEMParser parser = parser(pem)) {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof X509CertificateHolder holder) {
          certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(holder.getEncoded())));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new PemException("unparsable PEM");
    }
    return certs;
  }

  /** The one private key in {@code pem}: PKCS#8 {@code PRIVATE KEY}, {@code RSA PRIVATE KEY} or {@code EC PRIVATE KEY}. */
  public static PrivateKey privateKey(byte[] pem) throws PemException {
    PrivateKeyInfo found = null;
    try (PEMParser parser = parser(pem)) {
      Object o;
      while ((o = parser.readObject()) != null) {
        PrivateKeyInfo info;
        if (o instanceof PrivateKeyInfo p) {
          info = p;
        } else if (o instanceof PEMKeyPair pair) {
          info = pair.getPrivateKeyInfo();
        } else if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
          throw new PemException("the private key is encrypted; Gatehouse needs an unencrypted key "
              + "(e.g. openssl pkey -in key.pem -out plain-key.pem) protected by file permissions");
        } else {
          continue;
        }
        if (found != null) {
          throw new PemException("more than one private key found; keep exactly one key per file");
        }
        found = info;
      }
    } catch (IOException | RuntimeException e) {
      throw new PemException("unparsable PEM private key");
    }
    if (found == null) {
      throw new PemException(
          "no private key found (expected a PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block)");
    }
    return toJdkKey(found);
  }

  private static PrivateKey toJdkKey(PrivateKeyInfo info) throws PemException {
    ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    String algorithm;
    if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      algorithm = "RSA";
    } else if (oid.equals(PKCSObjectIdentifiers.id_RSASSA_PSS)) {
      algorithm = "RSASSA-PSS";
    } else if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      algorithm = "EC";
    } else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
      algorithm = "Ed25519";
    } else {
      throw new PemException("unsupported private key algorithm " + oid.getId() + " (use EC P-256/P-384 or RSA)");
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new PemException("unusable " + algorithm + " private key");
    }
  }

  static String encode(X509Certificate certificate) {
    return write(certificate);
  }

  /**
   * PKCS#8 (v1) {@code PRIVATE KEY}, which Go, OpenSSL and the JDK all read. An EC key carries its public key in the
   * inner ECPrivateKey (RFC 5915's optional {@code publicKey}): the JDK leaves it out, and ring, which rustls and so
   * the Temporal SDKs built on the Rust core use, refuses an EC key without it. RSA keys hold their public part anyway.
   */
  static String encode(PrivateKey key) {
    try {
      if (key instanceof ECPrivateKey ec) {
        return write(new PKCS8Generator(withPublicKey(ec), null).generate());
      }
      return write(new JcaPKCS8Generator(key, null).generate());
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a private key", e);
    }
  }

  private static PrivateKeyInfo withPublicKey(ECPrivateKey key) throws IOException {
    AlgorithmIdentifier algorithm = PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm();
    X9ECParameters curve = ECNamedCurveTable.getByOID(ASN1ObjectIdentifier.getInstance(algorithm.getParameters()));
    if (curve == null) {
      throw new IOException("EC key on an unnamed curve");
    }
    ECPoint q = curve.getG().multiply(key.getS()).normalize();
    // The curve is named in the AlgorithmIdentifier already; the inner [0] parameters are optional and left out.
    org.bouncycastle.asn1.sec.ECPrivateKey inner = new org.bouncycastle.asn1.sec.ECPrivateKey(
        curve.getN().bitLength(), key.getS(), new DERBitString(q.getEncoded(false)), null);
    return new PrivateKeyInfo(algorithm, inner);
  }

  private static String write(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode PEM", e);
    }
    return out.toString();
  }

  private static PEMParser parser(byte[] pem) {
    return new PEMParser(new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII));
  }
}
