package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import dev.gatehouse.tls.PeerCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A certificate rule trusts only its CAs (invariant 7), and a SAN filter only the SAN type it names. */
class CertificateRuleBindingTest {
  private static final CertificateAuthority CORP =
      CertificateAuthority.create("Corp Clients CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
  private static final CertificateAuthority PARTNER =
      CertificateAuthority.create("Partner CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
  private static final CertificateRule OPS_ADMIN =
      new CertificateRule("ops-admin", null, null, null, Map.of(), "admin");

  @TempDir Path dir;

  /** The frontend trusts CORP; the host override {@code partner.example} trusts PARTNER. */
  private RootTls tls() throws Exception {
    Path corp = Files.writeString(dir.resolve("corp-ca.pem"), CORP.certificatePem());
    Path partner = Files.writeString(dir.resolve("partner-ca.pem"), PARTNER.certificatePem());
    ServerTls server = new ServerTls(null, null, null, null, List.of(corp.toString()), null, false);
    ServerTls override = new ServerTls(null, null, null, null, List.of(partner.toString()), null, false);
    return new RootTls(new GroupTls(server, null, Map.of("partner.example", override), null, null, null), null,
        null, null);
  }

  private static Claims claims(MtlsClaimMapper m, List<X509Certificate> chain) {
    return m.getClaims(new AuthInfo(null, null, PeerCertificate.of(chain), null, null));
  }

  private static List<X509Certificate> leaf(CertificateAuthority ca, String cn) {
    return ca.leaf(cn).clientAuth().issue().chain();
  }

  @Test
  void aHostOverridesCaCannotMintAnIdentityForADefaultRule() throws Exception {
    MtlsClaimMapper m = new MtlsClaimMapper(List.of(OPS_ADMIN), key -> null, tls());
    assertThat(claims(m, leaf(CORP, "ops-admin")).system()).isEqualTo(Role.ADMIN);

    Claims partner = claims(m, leaf(PARTNER, "ops-admin"));
    assertThat(partner.system()).isEqualTo(Role.UNDEFINED);
    assertThat(partner.namespaces()).isEmpty();
  }

  @Test
  void aRuleNamingTheOverridesCaTrustsItAndOnlyIt() throws Exception {
    Path partnerCa = Files.writeString(dir.resolve("p.pem"), PARTNER.certificatePem());
    CertificateRule partnerRule = new CertificateRule("*.partner.example", null, null, null,
        Map.of("shared", "write"), null, List.of(partnerCa.toString()), null);
    MtlsClaimMapper m = new MtlsClaimMapper(List.of(OPS_ADMIN, partnerRule), key -> null, tls());
    assertThat(claims(m, leaf(PARTNER, "w.partner.example")).namespaceRole("shared")).isEqualTo(Role.WRITER);
    assertThat(claims(m, leaf(CORP, "w.partner.example")).namespaces()).isEmpty();
    assertThat(claims(m, leaf(PARTNER, "ops-admin")).system()).isEqualTo(Role.UNDEFINED);
  }

  @Test
  void theWalkFollowsSignaturesNotNamesOrMerePresence() throws Exception {
    MtlsClaimMapper m = new MtlsClaimMapper(List.of(OPS_ADMIN), key -> null, tls());

    // Through an intermediate the client presents: trusted.
    CertificateAuthority intermediate = CORP.issueIntermediate("Corp Issuing CA", Duration.ofDays(10));
    IssuedCertificate viaIntermediate = intermediate.leaf("ops-admin").clientAuth().issue();
    assertThat(viaIntermediate.chain()).hasSizeGreaterThan(1);
    assertThat(claims(m, viaIntermediate.chain()).system()).isEqualTo(Role.ADMIN);
    // The same leaf without the intermediate cannot be linked to the CA.
    assertThat(claims(m, List.of(viaIntermediate.certificate())).system()).isEqualTo(Role.UNDEFINED);

    // A partner leaf with an unrelated corp-issued certificate appended: the walk from the leaf never reaches it.
    List<X509Certificate> padded = new ArrayList<>(leaf(PARTNER, "ops-admin"));
    padded.add(leaf(CORP, "someone-else").get(0));
    assertThat(claims(m, padded).system()).isEqualTo(Role.UNDEFINED);

    // A CA that shares the corp CA's name but not its key.
    CertificateAuthority impostor =
        CertificateAuthority.create("Corp Clients CA", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    assertThat(claims(m, leaf(impostor, "ops-admin")).system()).isEqualTo(Role.UNDEFINED);
  }

  @Test
  void aRotatedClientCaFileIsTrustedOnReloadAndTheOldOneNoLonger() throws Exception {
    Path caFile = dir.resolve("clients.pem");
    Files.writeString(caFile, CORP.certificatePem());
    RootTls tls = new RootTls(new GroupTls(new ServerTls(null, null, null, null, List.of(caFile.toString()), null,
        false), null, null, null, null, null), null, null, null);
    MtlsClaimMapper m = new MtlsClaimMapper(List.of(OPS_ADMIN), key -> null, tls);
    CertificateAuthority next =
        CertificateAuthority.create("Corp Clients CA 2", CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30));
    assertThat(claims(m, leaf(next, "ops-admin")).system()).isEqualTo(Role.UNDEFINED);

    Files.writeString(caFile, next.certificatePem());
    m.reload();
    assertThat(claims(m, leaf(next, "ops-admin")).system()).isEqualTo(Role.ADMIN);
    assertThat(claims(m, leaf(CORP, "ops-admin")).system()).isEqualTo(Role.UNDEFINED);

    // A broken file keeps the last good CAs.
    Files.writeString(caFile, "not a certificate");
    m.reload();
    assertThat(claims(m, leaf(next, "ops-admin")).system()).isEqualTo(Role.ADMIN);
  }

  @Test
  void withoutFrontendCasADefaultRuleMatchesNothing() {
    MtlsClaimMapper m = new MtlsClaimMapper(List.of(OPS_ADMIN), key -> null, RootTls.DEFAULT);
    assertThat(claims(m, leaf(CORP, "ops-admin")).system()).isEqualTo(Role.UNDEFINED);
  }

  @Test
  void unreadableRuleCasAreConfigurationErrors() {
    CertificateRule missing = new CertificateRule("x", null, null, null, Map.of("a", "read"), null,
        List.of(dir.resolve("absent.pem").toString()), null);
    assertThatThrownBy(() -> new MtlsClaimMapper(List.of(missing), key -> null, RootTls.DEFAULT))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("global.authorization.certificateRules[0].clientCaFiles[0]");
    CertificateRule garbage = new CertificateRule("x", null, null, null, Map.of("a", "read"), null, null,
        List.of("not base64!"));
    assertThatThrownBy(() -> new MtlsClaimMapper(List.of(garbage), key -> null, RootTls.DEFAULT))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("certificateRules[0].clientCaData[0]");
  }

  @Test
  void anUntypedSanFilterMatchesDnsNamesOnly() throws Exception {
    CertificateRule nsB = new CertificateRule(null, null, null, "*.ns-b.svc", Map.of("ns-b", "write"), null);
    MtlsClaimMapper m = new MtlsClaimMapper(List.of(nsB), key -> null, tls());
    assertThat(claims(m, CORP.leaf("w").dnsNames("worker.ns-b.svc").clientAuth().issue().chain())
        .namespaceRole("ns-b")).isEqualTo(Role.WRITER);
    // A URI or e-mail SAN that ends the same way is not a DNS name.
    assertThat(claims(m, CORP.leaf("w").uris("spiffe://evil.example/x.ns-b.svc").clientAuth().issue().chain())
        .namespaces()).isEmpty();
    assertThat(claims(m, CORP.leaf("w").emails("root@x.ns-b.svc").clientAuth().issue().chain())
        .namespaces()).isEmpty();
  }

  @Test
  void typedSanFiltersMatchTheirTypeOnly() throws Exception {
    MtlsClaimMapper m = new MtlsClaimMapper(List.of(
        new CertificateRule(null, null, null, "uri:spiffe://acme.example/ns/orders/*", Map.of("orders", "write"),
            null),
        new CertificateRule(null, null, null, "email:*@ops.acme.example", Map.of("ops", "read"), null),
        new CertificateRule(null, null, null, "ip:10.0.0.7", Map.of("lab", "read"), null),
        new CertificateRule(null, null, null, "dns:billing.acme.example", Map.of("billing", "read"), null)),
        key -> null, tls());
    assertThat(claims(m, CORP.leaf("w").uris("spiffe://acme.example/ns/orders/w").clientAuth().issue().chain())
        .namespaces()).containsOnly(Map.entry("orders", Role.WRITER));
    // The same text as a DNS name does not match a uri: filter.
    assertThat(claims(m, CORP.leaf("w").emails("alice@ops.acme.example").clientAuth().issue().chain())
        .namespaces()).containsOnly(Map.entry("ops", Role.READER));
    assertThat(claims(m, CORP.leaf("w").ipAddresses("10.0.0.7").clientAuth().issue().chain())
        .namespaces()).containsOnly(Map.entry("lab", Role.READER));
    assertThat(claims(m, CORP.leaf("w").dnsNames("billing.acme.example").clientAuth().issue().chain())
        .namespaces()).containsOnly(Map.entry("billing", Role.READER));
    assertThat(claims(m, CORP.leaf("w").uris("dns://billing.acme.example").clientAuth().issue().chain())
        .namespaces()).isEmpty();
  }

  @Test
  void anUntypedSanFilterThatIsNoDnsNameIsAConfigurationError() {
    for (String filter : List.of("spiffe://acme.example/*", "*@acme.example", "fd00::1")) {
      CertificateRule r = new CertificateRule(null, null, null, filter, Map.of("a", "read"), null);
      assertThatThrownBy(() -> new MtlsClaimMapper(List.of(r), key -> null, RootTls.DEFAULT))
          .as(filter)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("certificateRules[0].subjectAlternativeName")
          .hasMessageContaining("uri:");
    }
  }
}
