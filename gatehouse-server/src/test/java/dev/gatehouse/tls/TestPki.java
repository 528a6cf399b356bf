package dev.gatehouse.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates with any combination of the properties path validation looks at (constraints, usages, algorithms,
 * validity), for the differential test and the handshake tests. Not the production {@link CertificateAuthority}: that
 * one only issues what Gatehouse should issue.
 */
final class TestPki {
  /** EC_P224 comes from BouncyCastle: the JDK no longer implements P-224, Go 1.19 does. */
  enum Key { EC_P224, EC_P256, EC_P384, EC_P521, ED25519, RSA_1024, RSA_2048 }

  static final String CLIENT_AUTH = KeyPurposeId.id_kp_clientAuth.getId();
  static final String SERVER_AUTH = KeyPurposeId.id_kp_serverAuth.getId();
  static final String ANY = KeyPurposeId.anyExtendedKeyUsage.getId();
  static final String CODE_SIGNING = KeyPurposeId.id_kp_codeSigning.getId();

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Map<Key, KeyPair> SHARED = new EnumMap<>(Key.class);
  private static final AtomicLong SERIALS = new AtomicLong(1000);

  /** An issued certificate with its key, able to issue more when it is a CA. */
  record Issued(X509Certificate certificate, KeyPair keys, X500Name name) {
    String pem() {
      return TestPki.pem(List.of(certificate));
    }

    /** The private key as PKCS#8 PEM. */
    String keyPem() {
      StringWriter out = new StringWriter();
      try (JcaPEMWriter w = new JcaPEMWriter(out)) {
        w.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toString();
    }

    /** Writes {@code <name>.pem} (this certificate, then {@code chain}) and {@code <name>-key.pem}. */
    TlsTestSupport.CertFiles write(java.nio.file.Path dir, String name, Issued... chain) throws IOException {
      List<X509Certificate> all = new ArrayList<>(List.of(certificate));
      for (Issued c : chain) {
        all.add(c.certificate());
      }
      TlsTestSupport.CertFiles files = new TlsTestSupport.CertFiles(dir.resolve(name + ".pem"),
          dir.resolve(name + "-key.pem"));
      java.nio.file.Files.writeString(files.cert(), TestPki.pem(all));
      java.nio.file.Files.writeString(files.key(), keyPem());
      return files;
    }
  }

  private TestPki() {}

  /** A key of the type, shared between certificates of that type unless {@code fresh}: key generation is slow. */
  static synchronized KeyPair keyPair(Key type, boolean fresh) {
    if (!fresh && SHARED.containsKey(type)) {
      return SHARED.get(type);
    }
    try {
      KeyPairGenerator g;
      switch (type) {
        case EC_P256, EC_P384, EC_P521 -> {
          g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec(switch (type) {
            case EC_P256 -> "secp256r1";
            case EC_P384 -> "secp384r1";
            default -> "secp521r1";
          }), RANDOM);
        }
        case EC_P224 -> {
          g = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
          g.initialize(new ECGenParameterSpec("secp224r1"), RANDOM);
        }
        case ED25519 -> g = KeyPairGenerator.getInstance("Ed25519");
        default -> {
          g = KeyPairGenerator.getInstance("RSA");
          g.initialize(type == Key.RSA_1024 ? 1024 : 2048, RANDOM);
        }
      }
      KeyPair pair = g.generateKeyPair();
      if (!fresh) {
        SHARED.put(type, pair);
      }
      return pair;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static Spec spec(String commonName) {
    return new Spec(commonName);
  }

  /** What to put in one certificate; every field has a sound default (an EC P-256 leaf, valid around now). */
  static final class Spec {
    final String commonName;
    Key key = Key.EC_P256;
    boolean freshKey;
    KeyPair keys;
    String signature; // null: the issuer key's natural SHA-256 algorithm
    Instant notBefore = Instant.now().minusSeconds(3600);
    Instant notAfter = Instant.now().plusSeconds(86_400);
    Boolean ca; // null: no basicConstraints extension
    Integer pathLen;
    Integer keyUsage; // null: no key usage extension
    List<String> ekus;
    final List<GeneralName> sans = new ArrayList<>();
    final List<GeneralSubtree> permitted = new ArrayList<>();
    final List<GeneralSubtree> excluded = new ArrayList<>();
    boolean unknownCritical;

    private Spec(String commonName) {
      this.commonName = commonName;
    }

    Spec key(Key value) {
      key = value;
      return this;
    }

    /** A key of its own, so it differs from every other certificate's (for a CA that must be a distinct issuer). */
    Spec freshKey() {
      freshKey = true;
      return this;
    }

    Spec keys(KeyPair value) {
      keys = value;
      return this;
    }

    Spec signature(String algorithm) {
      signature = algorithm;
      return this;
    }

    Spec validity(Instant from, Instant until) {
      notBefore = from;
      notAfter = until;
      return this;
    }

    /** A CA: basicConstraints cA, keyCertSign | cRLSign | digitalSignature. */
    Spec ca() {
      ca = true;
      keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature;
      return this;
    }

    Spec basicConstraints(Boolean isCa) {
      ca = isCa;
      return this;
    }

    Spec pathLen(int value) {
      pathLen = value;
      return this;
    }

    Spec keyUsage(Integer bits) {
      keyUsage = bits;
      return this;
    }

    Spec ekus(String... oids) {
      ekus = List.of(oids);
      return this;
    }

    Spec dns(String... names) {
      for (String n : names) {
        sans.add(new GeneralName(GeneralName.dNSName, n));
      }
      return this;
    }

    Spec ip(String... addresses) {
      for (String a : addresses) {
        sans.add(new GeneralName(GeneralName.iPAddress, a));
      }
      return this;
    }

    Spec email(String... values) {
      for (String v : values) {
        sans.add(new GeneralName(GeneralName.rfc822Name, v));
      }
      return this;
    }

    Spec uri(String... values) {
      for (String v : values) {
        sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, v));
      }
      return this;
    }

    /** A permitted subtree: type is {@link GeneralName#dNSName} etc.; an IP is "10.0.0.0/8". */
    Spec permit(int type, String value) {
      permitted.add(new GeneralSubtree(new GeneralName(type, value)));
      return this;
    }

    Spec exclude(int type, String value) {
      excluded.add(new GeneralSubtree(new GeneralName(type, value)));
      return this;
    }

    Spec unknownCriticalExtension() {
      unknownCritical = true;
      return this;
    }

    /** A self-signed certificate. */
    Issued selfSigned() {
      KeyPair pair = pair();
      X500Name name = new X500Name("CN=" + commonName);
      return new Issued(sign(name, pair, name, pair), pair, name);
    }

    Issued issuedBy(Issued issuer) {
      KeyPair pair = pair();
      X500Name name = new X500Name("CN=" + commonName);
      return new Issued(sign(name, pair, issuer.name(), issuer.keys()), pair, name);
    }

    private KeyPair pair() {
      return keys != null ? keys : keyPair(key, freshKey);
    }

    private X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys) {
      try {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
            BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
            subjectKeys.getPublic());
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false,
            utils.createSubjectKeyIdentifier(subjectKeys.getPublic()));
        if (ca != null) {
          b.addExtension(Extension.basicConstraints, true,
              ca && pathLen != null ? new BasicConstraints(pathLen) : new BasicConstraints(ca));
        }
        if (keyUsage != null) {
          b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        }
        if (ekus != null) {
          b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ekus.stream()
              .map(o -> KeyPurposeId.getInstance(new ASN1ObjectIdentifier(o))).toArray(KeyPurposeId[]::new)));
        }
        if (!sans.isEmpty()) {
          b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        if (!permitted.isEmpty() || !excluded.isEmpty()) {
          b.addExtension(Extension.nameConstraints, true, new NameConstraints(
              permitted.isEmpty() ? null : permitted.toArray(GeneralSubtree[]::new),
              excluded.isEmpty() ? null : excluded.toArray(GeneralSubtree[]::new)));
        }
        if (unknownCritical) {
          b.addExtension(new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), true, new DEROctetString(new byte[] {1}));
        }
        String algorithm = signature != null ? signature : switch (issuerKeys.getPrivate().getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> switch (((ECPublicKey) issuerKeys.getPublic()).getParams().getCurve().getField()
              .getFieldSize()) {
            case 521 -> "SHA512withECDSA";
            case 384 -> "SHA384withECDSA";
            default -> "SHA256withECDSA";
          };
          default -> "Ed25519";
        };
        boolean p224 = issuerKeys.getPublic() instanceof ECPublicKey ec
            && ec.getParams().getCurve().getField().getFieldSize() == 224;
        JcaContentSignerBuilder signer = p224
            ? new JcaContentSignerBuilder(algorithm).setProvider(new BouncyCastleProvider())
            : algorithm.equals("RSASSA-PSS")
            ? new JcaContentSignerBuilder(algorithm,
                new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1))
                .setProvider(new BouncyCastleProvider())
            : new JcaContentSignerBuilder(algorithm);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer.build(issuerKeys.getPrivate())));
      } catch (Exception e) {
        throw new IllegalStateException("cannot issue " + subject, e);
      }
    }
  }

  /** A key manager presenting {@code chain} as given, whatever the peer asks for, as a Go peer does. */
  static javax.net.ssl.X509ExtendedKeyManager keyManager(java.security.PrivateKey key, List<X509Certificate> chain) {
    X509Certificate[] presented = chain.toArray(X509Certificate[]::new);
    return new javax.net.ssl.X509ExtendedKeyManager() {
      @Override
      public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
        return new String[] {"only"};
      }

      @Override
      public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
        return "only";
      }

      @Override
      public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers,
          javax.net.ssl.SSLEngine engine) {
        return "only";
      }

      @Override
      public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
        return new String[] {"only"};
      }

      @Override
      public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
        return "only";
      }

      @Override
      public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers,
          javax.net.ssl.SSLEngine engine) {
        return "only";
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return presented;
      }

      @Override
      public java.security.PrivateKey getPrivateKey(String alias) {
        return key;
      }
    };
  }

  static String pem(List<X509Certificate> certificates) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (X509Certificate c : certificates) {
        w.writeObject(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
