package dev.gatehouse.auth;

import dev.gatehouse.tls.PeerCertificate;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Real X.509 client certificates (BouncyCastle) and the {@link PeerCertificate} a TLS layer would derive. */
final class TestCerts {
  private TestCerts() {}

  /**
   * A self-signed client certificate.
   *
   * @param subject e.g. {@code CN=worker.orders.acme.com,OU=Payments,O=Acme}
   * @param sans DNS names or {@code spiffe://} URIs
   */
  static PeerCertificate peer(String subject, String... sans) {
    return peerAt(Instant.now(), subject, sans);
  }

  /** {@link #peer}, valid from an hour before {@code now} to a day after it. */
  static PeerCertificate peerAt(Instant now, String subject, String... sans) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(subject), BigInteger.ONE,
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject),
          kp.getPublic());
      if (sans.length > 0) {
        GeneralName[] names = new GeneralName[sans.length];
        for (int i = 0; i < sans.length; i++) {
          names[i] = sans[i].contains("://") ? new GeneralName(GeneralName.uniformResourceIdentifier, sans[i])
              : new GeneralName(GeneralName.dNSName, sans[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      return fromCertificate(cert);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static PeerCertificate fromCertificate(X509Certificate cert) throws Exception {
    String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
    String cn = null;
    List<String> o = new ArrayList<>();
    List<String> ou = new ArrayList<>();
    for (Rdn rdn : new LdapName(dn).getRdns()) {
      switch (rdn.getType().toUpperCase()) {
        case "CN" -> cn = rdn.getValue().toString();
        case "O" -> o.add(rdn.getValue().toString());
        case "OU" -> ou.add(rdn.getValue().toString());
        default -> { }
      }
    }
    List<String> sans = new ArrayList<>();
    if (cert.getSubjectAlternativeNames() != null) {
      cert.getSubjectAlternativeNames().forEach(l -> sans.add(String.valueOf(l.get(1))));
    }
    String fp = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    return new PeerCertificate(dn, cn, o, ou, sans, fp, cert);
  }
}
