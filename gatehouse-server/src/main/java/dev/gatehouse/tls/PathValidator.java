package dev.gatehouse.tls;

import dev.gatehouse.tls.HandshakeFailures.Reason;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * Certificate path validation with the verdicts of Go's crypto/x509 {@code Certificate.Verify} (1.19), the verifier
 * Temporal's frontend runs, plus Gatehouse's deliberately stricter rules. Every listener and the internode leg
 * reach it through {@link CertificateChecks#verify}.
 *
 * <p>As Go: a path is built from the leaf through the presented intermediates (any order, unrelated extras
 * ignored) to a configured root, trying every candidate issuer until one path holds. Each issuer must be a CA
 * (basicConstraints cA), with keyCertSign when it has a key usage; signatures with MD5 or SHA-1 are refused; every
 * certificate of the path, the root included, must be within its validity; the root's and every intermediate's
 * pathLenConstraint and nameConstraints (DNS, IP, email, URI; checked against the leaf's SANs and the CA's own) are
 * enforced; every extended key usage extension on the path must allow the requested usage (no extension or
 * anyExtendedKeyUsage allows all); an unknown critical extension refuses the certificate.
 *
 * <p>Stricter than Go (listed in the README): a configured CA presented as the leaf, a leaf whose key usage lacks
 * digitalSignature, RSA keys under 2048 bits and EC keys off P-256/P-384/P-521 anywhere on the path.
 */
final class PathValidator {
  static final int MIN_RSA_BITS = 2048;
  private static final int MAX_SIGNATURE_CHECKS = 100;
  private static final String ANY_EKU = KeyPurposeId.anyExtendedKeyUsage.getId();
  // Extensions Go's parser understands; any other critical one makes Go refuse the certificate.
  private static final Set<String> HANDLED = Set.of("2.5.29.15", "2.5.29.19", "2.5.29.17", "2.5.29.30",
      "2.5.29.31", "2.5.29.35", "2.5.29.37", "2.5.29.14", "2.5.29.32", "1.3.6.1.5.5.7.1.1");
  private static final Set<String> INSECURE = Set.of(
      "1.2.840.113549.1.1.2", // md2WithRSA
      "1.2.840.113549.1.1.4", // md5WithRSA
      "1.2.840.113549.1.1.5", // sha1WithRSA
      "1.3.14.3.2.29", // sha1WithRSA (OIW)
      "1.2.840.10045.4.1", // ecdsa-with-SHA1
      "1.2.840.10040.4.3"); // dsa-with-sha1

  /** The verdict: the validated path (leaf first, root last), or why none holds. */
  record Result(List<X509Certificate> path, CertificateChecks.Rejection rejection) {
    boolean valid() {
      return rejection == null;
    }
  }

  private PathValidator() {}

  /**
   * Validates {@code presented} (the leaf, then what the peer sent with it in any order) against {@code roots} at
   * {@code now} for {@code usage} (an extended key usage OID).
   */
  static Result validate(List<X509Certificate> presented, List<X509Certificate> roots, Instant now, String usage,
      String who) {
    Builder b = new Builder(roots, presented.subList(1, presented.size()), now, who);
    Cert leaf;
    try {
      leaf = Cert.of(presented.get(0));
    } catch (RuntimeException e) {
      return refuse(Reason.UNTRUSTED, who + " certificate " + CertificateChecks.subject(presented.get(0))
          + " cannot be parsed");
    }
    String subject = who + " certificate " + CertificateChecks.subject(leaf.x509);
    if (leaf.unhandledCritical != null) {
      return refuse(Reason.UNTRUSTED, subject + " has an unknown critical extension " + leaf.unhandledCritical);
    }
    CertificateChecks.Rejection time = CertificateChecks.checkValidity(leaf.x509, now, who);
    if (time != null) {
      return new Result(null, time);
    }
    // Go accepts a root presented as the leaf; a CA certificate is not an identity here.
    if (roots.contains(leaf.x509)) {
      return refuse(Reason.UNTRUSTED, subject + " is a configured CA certificate, not one issued by a configured CA");
    }
    List<List<Cert>> chains = new ArrayList<>();
    b.build(new ArrayList<>(List.of(leaf)), chains);
    if (chains.isEmpty()) {
      return new Result(null, b.failure != null ? b.failure
          : new CertificateChecks.Rejection(Reason.UNTRUSTED, subject + " does not chain to a configured CA"));
    }
    List<List<Cert>> usable = chains.stream().filter(chain -> usageAllowed(chain, usage)).toList();
    if (usable.isEmpty()) {
      return refuse(Reason.WRONG_USAGE, subject + " is not valid for "
          + (usage.equals(CertificateChecks.CLIENT_AUTH) ? "clientAuth" : "serverAuth")
          + ": the extended key usage of the certificate or of a CA on its path excludes it");
    }
    if (leaf.keyUsage != null && !leaf.keyUsage[0]) {
      return refuse(Reason.WRONG_USAGE, subject + " has a key usage extension without digitalSignature");
    }
    CertificateChecks.Rejection weak = null;
    for (List<Cert> chain : usable) {
      String problem = null;
      for (Cert c : chain) {
        problem = keyProblem(c.x509.getPublicKey());
        if (problem != null) {
          problem = "certificate " + CertificateChecks.subject(c.x509) + " on the path of " + subject + " has "
              + problem;
          break;
        }
      }
      if (problem == null) {
        return new Result(chain.stream().map(c -> c.x509).toList(), null);
      }
      weak = weak != null ? weak : new CertificateChecks.Rejection(Reason.UNTRUSTED, problem);
    }
    return new Result(null, weak);
  }

  private static Result refuse(Reason reason, String message) {
    return new Result(null, new CertificateChecks.Rejection(reason, message));
  }

  /** Gatehouse's key floor, stricter than Go's (which takes any RSA size). */
  static String keyProblem(PublicKey key) {
    if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
      return "an RSA key of " + rsa.getModulus().bitLength() + " bits (at least " + MIN_RSA_BITS + " are required)";
    }
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      if (bits != 256 && bits != 384 && bits != 521) {
        return "an EC key on a " + bits + "-bit curve (P-256, P-384 or P-521 are required)";
      }
    }
    return null;
  }

  /** Go's {@code checkChainForKeyUsage} for one requested usage. */
  private static boolean usageAllowed(List<Cert> chain, String usage) {
    for (Cert c : chain) {
      if (c.ekus == null || c.ekus.isEmpty() || c.ekus.contains(ANY_EKU)) {
        continue;
      }
      if (!c.ekus.contains(usage)) {
        return false;
      }
    }
    return true;
  }

  /** One run of Go's {@code buildChains}, with the first failure kept for the message. */
  private static final class Builder {
    private final List<Cert> roots = new ArrayList<>();
    private final List<Cert> intermediates = new ArrayList<>();
    private final Instant now;
    private final String who;
    private int signatureChecks;
    private CertificateChecks.Rejection failure;

    Builder(List<X509Certificate> roots, List<X509Certificate> intermediates, Instant now, String who) {
      this.now = now;
      this.who = who;
      for (X509Certificate r : roots) {
        add(this.roots, r);
      }
      for (X509Certificate i : intermediates) {
        add(this.intermediates, i);
      }
    }

    private static void add(List<Cert> pool, X509Certificate certificate) {
      try {
        pool.add(Cert.of(certificate));
      } catch (RuntimeException e) {
        // Go cannot parse it either and would refuse the whole chain; an unusable extra is simply no candidate.
      }
    }

    void build(List<Cert> current, List<List<Cert>> chains) {
      Cert child = current.get(current.size() - 1);
      for (Cert root : roots) {
        consider(child, root, true, current, chains);
      }
      for (Cert intermediate : intermediates) {
        consider(child, intermediate, false, current, chains);
      }
    }

    private void consider(Cert child, Cert candidate, boolean root, List<Cert> current, List<List<Cert>> chains) {
      if (!Arrays.equals(child.rawIssuer, candidate.rawSubject) || alreadyInChain(candidate, current)) {
        return;
      }
      if (++signatureChecks > MAX_SIGNATURE_CHECKS) {
        fail(Reason.UNTRUSTED, "too many signature checks while building the path of " + describe(current.get(0)));
        return;
      }
      String signature = signatureProblem(child, candidate);
      if (signature != null) {
        fail(Reason.UNTRUSTED, describe(child) + " is not validly signed by "
            + CertificateChecks.subject(candidate.x509) + ": " + signature);
        return;
      }
      if (!valid(candidate, root, current)) {
        return;
      }
      List<Cert> next = new ArrayList<>(current);
      next.add(candidate);
      if (root) {
        chains.add(next);
      } else {
        build(next, chains);
      }
    }

    /** Go's {@code isValid} for a CA appended to {@code current}. */
    private boolean valid(Cert ca, boolean root, List<Cert> current) {
      String name = (root ? "CA " : "intermediate CA ") + CertificateChecks.subject(ca.x509);
      if (ca.unhandledCritical != null) {
        return fail(Reason.UNTRUSTED, name + " has an unknown critical extension " + ca.unhandledCritical);
      }
      CertificateChecks.Rejection time = CertificateChecks.checkValidity(ca.x509, now, "the CA of the " + who);
      if (time != null) {
        return fail(time.reason(), time.message());
      }
      if (ca.constraints != null) {
        String violation = ca.constraints.violation(current.get(0).sans);
        if (violation == null) {
          violation = ca.constraints.violation(ca.sans);
        }
        if (violation != null) {
          return fail(Reason.UNTRUSTED, name + " may not vouch for " + describe(current.get(0)) + ": " + violation);
        }
      }
      if (!root && !ca.isCa) {
        return fail(Reason.UNTRUSTED, name + " is not a CA (basicConstraints)");
      }
      if (ca.basicConstraintsValid && ca.maxPathLen >= 0 && current.size() - 1 > ca.maxPathLen) {
        return fail(Reason.UNTRUSTED, name + " allows " + ca.maxPathLen + " intermediate CA(s) below it"
            + " (pathLenConstraint), the path has " + (current.size() - 1));
      }
      return true;
    }

    private String describe(Cert c) {
      return who + " certificate " + CertificateChecks.subject(c.x509);
    }

    private boolean fail(Reason reason, String message) {
      // A time failure names the reason operators act on; otherwise the first failure met is kept.
      boolean time = reason == Reason.EXPIRED || reason == Reason.NOT_YET_VALID;
      if (failure == null || (time && failure.reason() == Reason.UNTRUSTED)) {
        failure = new CertificateChecks.Rejection(reason, message);
      }
      return false;
    }
  }

  /** Go's {@code alreadyInChain}: same subject, same key and same SANs as a certificate on the path. */
  private static boolean alreadyInChain(Cert candidate, List<Cert> chain) {
    for (Cert c : chain) {
      if (Arrays.equals(candidate.rawSubject, c.rawSubject)
          && candidate.x509.getPublicKey().equals(c.x509.getPublicKey())
          && Arrays.equals(candidate.sanExtension, c.sanExtension)) {
        return true;
      }
    }
    return false;
  }

  /** Go's {@code CheckSignatureFrom}; {@code null} when {@code parent} validly signed {@code child}. */
  private static String signatureProblem(Cert child, Cert parent) {
    if ((parent.x509.getVersion() == 3 && !parent.basicConstraintsValid)
        || (parent.basicConstraintsValid && !parent.isCa)) {
      return "the issuer is not a CA";
    }
    if (parent.keyUsage != null && (parent.keyUsage.length <= 5 || !parent.keyUsage[5])) {
      return "the issuer's key usage lacks keyCertSign";
    }
    String oid = child.x509.getSigAlgOID();
    if (INSECURE.contains(oid)) {
      return "its signature algorithm " + child.x509.getSigAlgName() + " is insecure (MD5 and SHA-1 are refused)";
    }
    PublicKey key = parent.x509.getPublicKey();
    String keyAlgorithm = key.getAlgorithm();
    boolean supported = switch (oid) {
      case "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13" -> keyAlgorithm.equals("RSA");
      case "1.2.840.113549.1.1.10" -> keyAlgorithm.equals("RSA") && pssParametersAllowed(child.x509.getSigAlgParams());
      case "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4" -> keyAlgorithm.equals("EC");
      case "1.3.101.112" -> keyAlgorithm.equals("Ed25519") || keyAlgorithm.equals("EdDSA");
      default -> false;
    };
    if (!supported) {
      return "signature algorithm " + child.x509.getSigAlgName() + " with a " + keyAlgorithm
          + " issuer key is not supported";
    }
    try {
      child.x509.verify(key);
      return null;
    } catch (GeneralSecurityException | RuntimeException e) {
      return "the signature does not verify";
    }
  }

  /** Go accepts RSASSA-PSS with SHA-256/384/512, MGF1 over the same hash, a salt of the hash length. */
  private static boolean pssParametersAllowed(byte[] encoded) {
    try {
      RSASSAPSSparams p = RSASSAPSSparams.getInstance(encoded);
      ASN1ObjectIdentifier hash = p.getHashAlgorithm().getAlgorithm();
      int length = hash.equals(NISTObjectIdentifiers.id_sha256) ? 32
          : hash.equals(NISTObjectIdentifiers.id_sha384) ? 48
          : hash.equals(NISTObjectIdentifiers.id_sha512) ? 64 : -1;
      AlgorithmIdentifier mgf = p.getMaskGenAlgorithm();
      AlgorithmIdentifier mgfHash = AlgorithmIdentifier.getInstance(mgf.getParameters());
      return length > 0 && mgfHash.getAlgorithm().equals(hash) && p.getSaltLength().intValue() == length
          && p.getTrailerField().intValue() == 1;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The subject alternative names Go reads, by type. */
  record Sans(List<String> dns, List<String> emails, List<String> uris, List<byte[]> ips) {}

  /** A certificate with the facts path validation reads, parsed once per validation. */
  private record Cert(X509Certificate x509, byte[] rawSubject, byte[] rawIssuer, boolean basicConstraintsValid,
      boolean isCa, int maxPathLen, boolean[] keyUsage, List<String> ekus, Sans sans, byte[] sanExtension,
      Constraints constraints, String unhandledCritical) {

    static Cert of(X509Certificate x509) {
      X509CertificateHolder holder;
      try {
        holder = new X509CertificateHolder(x509.getEncoded());
      } catch (java.io.IOException | CertificateEncodingException e) {
        throw new IllegalArgumentException("unparsable certificate", e);
      }
      Extensions extensions = holder.getExtensions();
      String unhandled = null;
      boolean bcValid = false;
      boolean ca = false;
      int maxPathLen = -1;
      List<String> ekus = null;
      Sans sans = null;
      byte[] sanExtension = null;
      Constraints constraints = null;
      if (extensions != null) {
        for (ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
          Extension e = extensions.getExtension(oid);
          boolean handled = HANDLED.contains(oid.getId());
          if (oid.equals(Extension.basicConstraints)) {
            BasicConstraints bc = BasicConstraints.getInstance(e.getParsedValue());
            bcValid = true;
            ca = bc.isCA();
            maxPathLen = bc.getPathLenConstraint() == null ? -1 : bc.getPathLenConstraint().intValueExact();
          } else if (oid.equals(Extension.extendedKeyUsage)) {
            ekus = Arrays.stream(ExtendedKeyUsage.getInstance(e.getParsedValue()).getUsages())
                .map(k -> k.toOID().getId()).toList();
          } else if (oid.equals(Extension.subjectAlternativeName)) {
            sanExtension = e.getExtnValue().getOctets();
            sans = sans(GeneralNames.getInstance(e.getParsedValue()));
            handled = !(sans.dns.isEmpty() && sans.emails.isEmpty() && sans.uris.isEmpty() && sans.ips.isEmpty());
          } else if (oid.equals(Extension.nameConstraints)) {
            constraints = Constraints.of(NameConstraints.getInstance(e.getParsedValue()));
            handled = !constraints.unhandled;
          }
          if (e.isCritical() && !handled && unhandled == null) {
            unhandled = oid.getId();
          }
        }
      }
      return new Cert(x509, x509.getSubjectX500Principal().getEncoded(), x509.getIssuerX500Principal().getEncoded(),
          bcValid, ca, maxPathLen, x509.getKeyUsage(), ekus, sans, sanExtension, constraints, unhandled);
    }

    private static Sans sans(GeneralNames names) {
      List<String> dns = new ArrayList<>();
      List<String> emails = new ArrayList<>();
      List<String> uris = new ArrayList<>();
      List<byte[]> ips = new ArrayList<>();
      for (GeneralName n : names.getNames()) {
        switch (n.getTagNo()) {
          case GeneralName.dNSName -> dns.add(text(n.getName()));
          case GeneralName.rfc822Name -> emails.add(text(n.getName()));
          case GeneralName.uniformResourceIdentifier -> uris.add(text(n.getName()));
          case GeneralName.iPAddress -> ips.add(ASN1OctetString.getInstance(n.getName()).getOctets());
          default -> { } // other names are ignored, as Go does
        }
      }
      return new Sans(dns, emails, uris, ips);
    }
  }

  private static String text(ASN1Encodable value) {
    return ((ASN1String) value).getString();
  }

  /** A CA's nameConstraints in the four forms Go enforces. */
  private record Constraints(List<String> permittedDns, List<String> excludedDns, List<String> permittedEmails,
      List<String> excludedEmails, List<String> permittedUris, List<String> excludedUris, List<byte[]> permittedIps,
      List<byte[]> excludedIps, boolean unhandled) {

    static Constraints of(NameConstraints nc) {
      List<List<String>> text = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
          new ArrayList<>(), new ArrayList<>());
      List<byte[]> permittedIps = new ArrayList<>();
      List<byte[]> excludedIps = new ArrayList<>();
      boolean unhandled = false;
      for (int excluded = 0; excluded < 2; excluded++) {
        GeneralSubtree[] subtrees = excluded == 0 ? nc.getPermittedSubtrees() : nc.getExcludedSubtrees();
        if (subtrees == null) {
          continue;
        }
        for (GeneralSubtree s : subtrees) {
          GeneralName base = s.getBase();
          switch (base.getTagNo()) {
            case GeneralName.dNSName -> text.get(excluded).add(checkedDomain(text(base.getName())));
            case GeneralName.rfc822Name -> text.get(2 + excluded).add(checkedEmail(text(base.getName())));
            case GeneralName.uniformResourceIdentifier -> text.get(4 + excluded).add(checkedUri(text(base.getName())));
            case GeneralName.iPAddress -> {
              byte[] value = ASN1OctetString.getInstance(base.getName()).getOctets();
              if ((value.length != 8 && value.length != 32) || !GoNames.validMask(value)) {
                throw new IllegalArgumentException("invalid IP name constraint");
              }
              (excluded == 0 ? permittedIps : excludedIps).add(value);
            }
            default -> unhandled = true;
          }
        }
      }
      return new Constraints(text.get(0), text.get(1), text.get(2), text.get(3), text.get(4), text.get(5),
          permittedIps, excludedIps, unhandled);
    }

    // Go refuses to parse a certificate with a malformed constraint; so does this.
    private static String checkedDomain(String domain) {
      String trimmed = domain.startsWith(".") ? domain.substring(1) : domain;
      if (GoNames.reverseLabels(trimmed) == null) {
        throw new IllegalArgumentException("malformed dnsName constraint");
      }
      return domain;
    }

    private static String checkedEmail(String constraint) {
      if (constraint.contains("@") ? GoNames.mailbox(constraint) == null : GoNames.reverseLabels(
          constraint.startsWith(".") ? constraint.substring(1) : constraint) == null) {
        throw new IllegalArgumentException("malformed rfc822Name constraint");
      }
      return constraint;
    }

    private static String checkedUri(String domain) {
      if (CertificateChecks.ipLiteral(domain) != null) {
        throw new IllegalArgumentException("URI constraint cannot be an IP address");
      }
      return checkedDomain(domain);
    }

    /** The first name in {@code sans} these constraints refuse, described; {@code null} when all pass. */
    String violation(Sans sans) {
      if (sans == null) {
        return null;
      }
      try {
        for (String email : sans.emails) {
          GoNames.Mailbox mailbox = GoNames.mailbox(email);
          if (mailbox == null) {
            return "cannot parse rfc822Name \"" + email + "\"";
          }
          String v = check("email address", email, permittedEmails, excludedEmails,
              c -> GoNames.matchEmailConstraint(mailbox, c));
          if (v != null) {
            return v;
          }
        }
        for (String dns : sans.dns) {
          if (GoNames.reverseLabels(dns) == null) {
            return "cannot parse dnsName \"" + dns + "\"";
          }
          String v = check("DNS name", dns, permittedDns, excludedDns, c -> GoNames.matchDomainConstraint(dns, c));
          if (v != null) {
            return v;
          }
        }
        for (String uri : sans.uris) {
          String v = check("URI", uri, permittedUris, excludedUris, c -> GoNames.matchUriConstraint(uri, c));
          if (v != null) {
            return v;
          }
        }
        for (byte[] ip : sans.ips) {
          if (ip.length != 4 && ip.length != 16) {
            return "IP SAN of " + ip.length + " bytes";
          }
          String shown = java.net.InetAddress.getByAddress(ip).getHostAddress();
          String v = checkIp(shown, ip);
          if (v != null) {
            return v;
          }
        }
      } catch (IllegalArgumentException | java.net.UnknownHostException e) {
        return e.getMessage();
      }
      return null;
    }

    private String checkIp(String shown, byte[] ip) {
      for (byte[] c : excludedIps) {
        if (GoNames.matchIpConstraint(ip, c)) {
          return "IP address " + shown + " is excluded by a constraint";
        }
      }
      if (permittedIps.isEmpty()) {
        return null;
      }
      for (byte[] c : permittedIps) {
        if (GoNames.matchIpConstraint(ip, c)) {
          return null;
        }
      }
      return "IP address " + shown + " is not permitted by any constraint";
    }

    private static String check(String type, String name, List<String> permitted, List<String> excluded,
        java.util.function.Predicate<String> matches) {
      for (String c : excluded) {
        if (matches.test(c)) {
          return type + " \"" + name + "\" is excluded by constraint \"" + c + "\"";
        }
      }
      if (permitted.isEmpty()) {
        return null;
      }
      for (String c : permitted) {
        if (matches.test(c)) {
          return null;
        }
      }
      return type + " \"" + name + "\" is not permitted by any constraint";
    }
  }
}
