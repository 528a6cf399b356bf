package dev.gatehouse.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.HexFormat;

/** Small facts about certificates and keys that several classes of this package need. */
public final class Certificates {
  private Certificates() {}

  /** Lower-case hex SHA-256 of the DER encoding: the thumbprint operators see in logs and metrics. */
  static String sha256(X509Certificate certificate) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot fingerprint a certificate", e);
    }
  }

  static boolean isCa(X509Certificate certificate) {
    return certificate.getBasicConstraints() >= 0;
  }

  /** Subject, serial, notAfter and thumbprint: enough to find the certificate, nothing secret. */
  public static String describe(X509Certificate certificate) {
    return "subject=\"" + certificate.getSubjectX500Principal().getName() + "\" notAfter="
        + certificate.getNotAfter().toInstant() + " sha256=" + sha256(certificate);
  }

  /** The key type names TLS key managers are asked for: {@code RSA}, {@code EC}, {@code Ed25519}. */
  static String keyType(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "EC";
      case "EdDSA", "Ed25519" -> "Ed25519";
      default -> key.getAlgorithm();
    };
  }

  /**
   * True when {@code key} is the private half of {@code certificate}'s public key, proven by a signature
   * rather than by comparing parameters, so it holds for every key type the JDK can sign with.
   */
  public static boolean matches(X509Certificate certificate, PrivateKey key) {
    PublicKey publicKey = certificate.getPublicKey();
    String algorithm =
        switch (keyType(key)) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519" -> "Ed25519";
          case "RSASSA-PSS" -> "RSASSA-PSS";
          default -> null;
        };
    if (algorithm == null || !keyType(key).equals(publicKeyType(publicKey))) {
      return false;
    }
    try {
      byte[] probe = "gatehouse key pair check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = signature(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signed = signer.sign();
      Signature verifier = signature(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signed);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static Signature signature(String algorithm) throws GeneralSecurityException {
    Signature signature = Signature.getInstance(algorithm);
    if (algorithm.equals("RSASSA-PSS")) {
      signature.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
    }
    return signature;
  }

  private static String publicKeyType(PublicKey key) {
    return switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "EC";
      case "EdDSA", "Ed25519" -> "Ed25519";
      default -> key.getAlgorithm();
    };
  }
}
