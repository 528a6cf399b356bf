package dev.gatehouse.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for development and tests, and the engine of the {@code certs} command: creates
 * a CA (EC P-256 by default, RSA 2048/3072 on request), issues intermediate CAs and leaf certificates with
 * DNS/IP/URI/e-mail SANs, key usage and the serverAuth/clientAuth extended key usages, and reads and writes
 * PEM (private keys with mode 0600).
 *
 * <pre>{@code
 * CertificateAuthority ca = CertificateAuthority.create("Gatehouse dev CA", KeyType.EC_P256, Duration.ofDays(3650));
 * IssuedCertificate server = ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue();
 * server.write(Path.of("server.pem"), Path.of("server-key.pem"));
 * }</pre>
 */
public final class CertificateAuthority {
  /** Key algorithms for generated keys. */
  public enum KeyType {
    EC_P256,
    RSA_2048,
    RSA_3072
  }

  /** Extended key usages a leaf certificate can carry. */
  public enum Usage {
    SERVER_AUTH,
    CLIENT_AUTH
  }

  /** Backdating that tolerates clocks a little behind the issuer's. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final List<X509Certificate> parents;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key, List<X509Certificate> parents) {
    this.certificate = certificate;
    this.key = key;
    this.parents = List.copyOf(parents);
  }

  /** A new self-signed root CA valid from now for {@code validity}. */
  public static CertificateAuthority create(String commonName, KeyType keyType, Duration validity) {
    Instant now = Instant.now();
    return create(commonName, keyType, now.minus(BACKDATE), now.plus(validity));
  }

  /** A new self-signed root CA valid between the given instants. */
  public static CertificateAuthority create(String commonName, KeyType keyType, Instant notBefore, Instant notAfter) {
    KeyPair pair = generate(keyType);
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    X509Certificate cert = sign(name, pair.getPrivate(), pair.getPublic(), name, pair.getPublic(),
        notBefore, notAfter, caExtensions(-1));
    return new CertificateAuthority(cert, pair.getPrivate(), List.of());
  }

  /**
   * Reads a CA from PEM files: the first certificate of {@code certFile} (which must be a CA) and the key.
   *
   * @throws IllegalArgumentException when the files hold no CA certificate or a key that does not match it
   */
  public static CertificateAuthority load(Path certFile, Path keyFile) throws IOException {
    List<X509Certificate> certs;
    PrivateKey key;
    try {
      certs = Pem.certificates(Files.readAllBytes(certFile));
    } catch (PemException e) {
      throw new IllegalArgumentException(certFile + ": " + e.getMessage());
    }
    try {
      key = Pem.privateKey(Files.readAllBytes(keyFile));
    } catch (PemException e) {
      throw new IllegalArgumentException(keyFile + ": " + e.getMessage());
    }
    if (certs.isEmpty() || !Certificates.isCa(certs.get(0))) {
      throw new IllegalArgumentException(certFile + " holds no CA certificate");
    }
    if (!Certificates.matches(certs.get(0), key)) {
      throw new IllegalArgumentException(keyFile + " does not hold the private key of the CA in " + certFile);
    }
    return new CertificateAuthority(certs.get(0), key, certs.subList(1, certs.size()));
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The PEM of this CA's certificate: what a {@code clientCaFiles} or {@code rootCaFiles} entry holds. */
  public String certificatePem() {
    return Pem.encode(certificate);
  }

  /** Writes the CA certificate (0644) and its private key (0600), each atomically. */
  public void write(Path certFile, Path keyFile) throws IOException {
    PemFiles.writePrivateKey(keyFile, Pem.encode(key));
    PemFiles.writeCertificate(certFile, certificatePem());
  }

  /** An intermediate CA (path length 0) signed by this one, with a fresh EC P-256 key. */
  public CertificateAuthority issueIntermediate(String commonName, Duration validity) {
    Instant now = Instant.now();
    KeyPair pair = generate(KeyType.EC_P256);
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    X509Certificate cert = sign(issuerName(), key, certificate.getPublicKey(), subject, pair.getPublic(),
        now.minus(BACKDATE), now.plus(validity), caExtensions(0));
    return new CertificateAuthority(cert, pair.getPrivate(), presentedChain());
  }

  /** Starts a leaf certificate with subject CN {@code commonName}. */
  public LeafBuilder leaf(String commonName) {
    return new LeafBuilder(commonName);
  }

  /** What a leaf certificate will hold; {@link #issue()} signs it with a fresh key. */
  public final class LeafBuilder {
    private final String commonName;
    private final List<String> organizations = new ArrayList<>();
    private final List<String> units = new ArrayList<>();
    private final List<String> dnsNames = new ArrayList<>();
    private final List<String> ipAddresses = new ArrayList<>();
    private final List<String> uris = new ArrayList<>();
    private final List<String> emails = new ArrayList<>();
    private final Set<Usage> usages = EnumSet.noneOf(Usage.class);
    private KeyType keyType = KeyType.EC_P256;
    private Instant notBefore;
    private Instant notAfter;

    private LeafBuilder(String commonName) {
      this.commonName = commonName;
      Instant now = Instant.now();
      this.notBefore = now.minus(BACKDATE);
      this.notAfter = now.plus(Duration.ofDays(365));
    }

    public LeafBuilder organizations(String... values) {
      organizations.addAll(List.of(values));
      return this;
    }

    public LeafBuilder organizationalUnits(String... values) {
      units.addAll(List.of(values));
      return this;
    }

    public LeafBuilder dnsNames(String... values) {
      dnsNames.addAll(List.of(values));
      return this;
    }

    /** IPv4 or IPv6 literals. */
    public LeafBuilder ipAddresses(String... values) {
      ipAddresses.addAll(List.of(values));
      return this;
    }

    public LeafBuilder uris(String... values) {
      uris.addAll(List.of(values));
      return this;
    }

    public LeafBuilder emails(String... values) {
      emails.addAll(List.of(values));
      return this;
    }

    /** Adds the serverAuth extended key usage. */
    public LeafBuilder serverAuth() {
      usages.add(Usage.SERVER_AUTH);
      return this;
    }

    /** Adds the clientAuth extended key usage. */
    public LeafBuilder clientAuth() {
      usages.add(Usage.CLIENT_AUTH);
      return this;
    }

    /** Sets the extended key usages; none means no EKU extension (usable for anything). */
    public LeafBuilder usages(Set<Usage> values) {
      usages.clear();
      usages.addAll(values);
      return this;
    }

    public LeafBuilder keyType(KeyType value) {
      keyType = value;
      return this;
    }

    /** Valid from a few minutes ago for {@code validity} (one year by default). */
    public LeafBuilder validFor(Duration validity) {
      Instant now = Instant.now();
      notBefore = now.minus(BACKDATE);
      notAfter = now.plus(validity);
      return this;
    }

    public LeafBuilder validity(Instant from, Instant until) {
      notBefore = from;
      notAfter = until;
      return this;
    }

    public IssuedCertificate issue() {
      KeyPair pair = generate(keyType);
      X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
      organizations.forEach(o -> subject.addRDN(BCStyle.O, o));
      units.forEach(u -> subject.addRDN(BCStyle.OU, u));
      if (commonName != null) {
        subject.addRDN(BCStyle.CN, commonName);
      }
      List<GeneralName> sans = new ArrayList<>();
      dnsNames.forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
      ipAddresses.forEach(n -> sans.add(new GeneralName(GeneralName.iPAddress, n)));
      uris.forEach(n -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, n)));
      emails.forEach(n -> sans.add(new GeneralName(GeneralName.rfc822Name, n)));
      boolean rsa = keyType != KeyType.EC_P256;
      Extensions extensions = (builder, subjectKey, issuerKey, utils) -> {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true,
            new KeyUsage(rsa ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
        if (!usages.isEmpty()) {
          List<KeyPurposeId> purposes = new ArrayList<>();
          if (usages.contains(Usage.SERVER_AUTH)) {
            purposes.add(KeyPurposeId.id_kp_serverAuth);
          }
          if (usages.contains(Usage.CLIENT_AUTH)) {
            purposes.add(KeyPurposeId.id_kp_clientAuth);
          }
          builder.addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
        }
        if (!sans.isEmpty()) {
          // RFC 5280: the SAN extension is critical when the subject is empty.
          builder.addExtension(Extension.subjectAlternativeName, commonName == null && organizations.isEmpty()
              && units.isEmpty(), new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
        builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerKey));
      };
      X509Certificate cert = sign(issuerName(), key, certificate.getPublicKey(), subject.build(), pair.getPublic(),
          notBefore, notAfter, extensions);
      List<X509Certificate> chain = new ArrayList<>();
      chain.add(cert);
      chain.addAll(presentedChain());
      return new IssuedCertificate(chain, pair.getPrivate());
    }
  }

  @FunctionalInterface
  private interface Extensions {
    void add(X509v3CertificateBuilder builder, PublicKey subjectKey, PublicKey issuerKey, JcaX509ExtensionUtils utils)
        throws CertIOException;
  }

  private static Extensions caExtensions(int pathLength) {
    return (builder, subjectKey, issuerKey, utils) -> {
      builder.addExtension(Extension.basicConstraints, true,
          pathLength < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLength));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
      builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerKey));
    };
  }

  /** The CA certificates a certificate issued here presents after itself: none for a root. */
  private List<X509Certificate> presentedChain() {
    if (isSelfSigned(certificate)) {
      return List.of();
    }
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(certificate);
    chain.addAll(parents);
    return chain;
  }

  private X500Name issuerName() {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
  }

  private static boolean isSelfSigned(X509Certificate c) {
    if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
      return false;
    }
    try {
      c.verify(c.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509Certificate sign(X500Name issuer, PrivateKey issuerKey, PublicKey issuerPublicKey,
      X500Name subject, PublicKey subjectKey, Instant notBefore, Instant notAfter, Extensions extensions) {
    try {
      byte[] serial = new byte[16];
      RANDOM.nextBytes(serial);
      serial[0] &= 0x7f;
      serial[0] |= 0x01;
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          issuer, new BigInteger(serial), Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
      extensions.add(builder, subjectKey, issuerPublicKey, new JcaX509ExtensionUtils());
      String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot sign a certificate", e);
    }
  }

  private static KeyPair generate(KeyType type) {
    try {
      KeyPairGenerator generator;
      switch (type) {
        case EC_P256 -> {
          generator = KeyPairGenerator.getInstance("EC");
          generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        }
        case RSA_2048 -> {
          generator = KeyPairGenerator.getInstance("RSA");
          generator.initialize(2048, RANDOM);
        }
        case RSA_3072 -> {
          generator = KeyPairGenerator.getInstance("RSA");
          generator.initialize(3072, RANDOM);
        }
        default -> throw new IllegalArgumentException("unknown key type " + type);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + type + " key", e);
    }
  }

  @Override
  public String toString() {
    return "CertificateAuthority[" + Certificates.describe(certificate) + "]";
  }
}
