package dev.gatehouse.auth;

import dev.gatehouse.tls.PeerCertificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@link StoreIdentities#namespaceCertificateMapper()}: a verified client certificate identifies the caller in every
 * namespace whose accepted CA bundle its chain validates to (Go crypto/x509's rules, clientAuth usage), whose
 * certificate filters it passes (any one; none set passes all) and which has mTLS auth on. In each such namespace
 * the caller gets {@link Role#WRITER}: every data-plane operation of the namespace, as a Temporal Cloud client
 * certificate allows; namespace administration stays with namespace Admins.
 *
 * <p>The handshake verified the chain against the union of all bundles, which alone grants nothing here: each
 * namespace checks its own. The work is done once per presented chain and store version; a call costs a lookup
 * and a comparison of the path's expiry with the clock.
 */
final class NamespaceCertificates implements ClaimMapper {
  /** The role a namespace's accepted certificate holds there. */
  static final Role ROLE = Role.WRITER;

  private final Supplier<IdentityDirectory> directory;
  private final Clock clock;

  /** What one chain earns in one version: the namespaces, and until when the validated paths hold. */
  record Grants(List<String> namespaces, long[] validUntil, Claims claims, long allValidUntil) {}

  NamespaceCertificates(Supplier<IdentityDirectory> directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  @Override
  public Claims getClaims(AuthInfo authInfo) {
    PeerCertificate peer = authInfo.tlsPeer();
    if (peer == null) {
      return Claims.anonymous();
    }
    IdentityDirectory dir = directory.get();
    List<X509Certificate> chain = peer.chain();
    Grants g = dir.chains.get(chain);
    if (g == null) {
      g = grants(dir, peer, clock.instant());
      IdentityDirectory.remember(dir.chains, chain, g);
    }
    if (g.namespaces().isEmpty()) {
      return Claims.anonymous();
    }
    long now = clock.millis();
    if (now <= g.allValidUntil()) {
      return g.claims();
    }
    // A CA on some path has expired since: only the paths still valid count.
    Map<String, Role> roles = new HashMap<>();
    for (int i = 0; i < g.namespaces().size(); i++) {
      if (now <= g.validUntil()[i]) {
        roles.put(g.namespaces().get(i), ROLE);
      }
    }
    return roles.isEmpty() ? Claims.anonymous() : claims(peer, roles);
  }

  static Grants grants(IdentityDirectory dir, PeerCertificate peer, Instant now) {
    List<X509Certificate> chain = peer.chain();
    Set<String> candidates = new LinkedHashSet<>();
    for (X509Certificate c : chain) {
      candidates.addAll(dir.namespacesByCaSubject.getOrDefault(c.getIssuerX500Principal(), List.of()));
    }
    List<String> names = new ArrayList<>();
    List<Long> until = new ArrayList<>();
    List<String> dns = null;
    List<String> uris = null;
    List<String> emails = null;
    List<String> ips = null;
    for (String ns : candidates) {
      IdentityDirectory.NamespacePolicy p = dir.policies.get(ns);
      if (p == null || !p.usable() || !p.namespace().mtlsAuth()) {
        continue;
      }
      List<X509Certificate> path = p.cas().clientPath(chain, now);
      if (path == null) {
        continue;
      }
      if (!p.filters().isEmpty()) {
        if (dns == null) {
          dns = peer.dnsNames();
          uris = peer.uris();
          emails = peer.emails();
          ips = peer.ipAddresses();
        }
        boolean passes = false;
        for (CertificateFields.Filter f : p.filters()) {
          if (f.matches(peer, dns, uris, emails, ips)) {
            passes = true;
            break;
          }
        }
        if (!passes) {
          continue;
        }
      }
      long min = Long.MAX_VALUE;
      for (X509Certificate c : path) {
        min = Math.min(min, c.getNotAfter().getTime());
      }
      names.add(ns);
      until.add(min);
    }
    long[] validUntil = until.stream().mapToLong(Long::longValue).toArray();
    long all = Long.MAX_VALUE;
    Map<String, Role> roles = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      all = Math.min(all, validUntil[i]);
      roles.put(names.get(i), ROLE);
    }
    return new Grants(List.copyOf(names), validUntil, names.isEmpty() ? null : claims(peer, roles), all);
  }

  private static Claims claims(PeerCertificate peer, Map<String, Role> roles) {
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put("certificateSha256", peer.sha256Fingerprint());
    if (peer.commonName() != null) {
      ext.put("certificateCommonName", peer.commonName());
    }
    return new Claims(peer.subject(), Role.UNDEFINED, roles, StoreClaims.AUTH_TYPE_MTLS, ext);
  }

  @Override
  public String toString() {
    return "namespaceCertificates";
  }
}
