package dev.gatehouse.auth;

import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.CertificateFilter;
import dev.gatehouse.store.ElevatedGrant;
import dev.gatehouse.store.Entity;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.StoreChanges;
import dev.gatehouse.store.StoreSnapshot;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import dev.gatehouse.tls.CaBundle;
import dev.gatehouse.tls.NamespaceTrust;
import dev.gatehouse.tls.PemException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One version of the store, as the data plane reads it per call: hash maps only. Immutable once built (the two
 * per-version memo maps only remember what is derived from this version); a change builds a new one from the
 * previous one and the store's changes, reusing every namespace's parsed CA bundle that did not change.
 */
final class IdentityDirectory {
  private static final Logger log = LoggerFactory.getLogger(IdentityDirectory.class);
  static final int MAX_REMEMBERED = 10_000;

  final long version;
  final Map<String, Namespace> namespaces;
  final Map<String, User> users;
  final Map<String, UserGroup> groups;
  final Map<String, ServiceAccount> serviceAccounts;
  final Map<String, ApiKey> keys;
  final Map<String, byte[]> hashes;
  /** Active elevated grants by id; whether one is in effect is decided per call, against the clock. */
  final Map<String, ElevatedGrant> activeGrants;
  /** The active grants of each principal. */
  final Map<String, List<ElevatedGrant>> grantsOf;

  final Map<String, NamespacePolicy> policies;
  final Map<String, Principal> principals;
  /** CA subject → the namespaces (mTLS on) whose bundle holds a CA with that subject. */
  final Map<X500Principal, List<String>> namespacesByCaSubject;
  final Map<String, String> endpointNames;
  final NamespaceTrust trust;

  /** What a presented chain earns in this version, worked out on its first call. */
  final Map<List<X509Certificate>, NamespaceCertificates.Grants> chains = new ConcurrentHashMap<>();
  /** The claims of each API key used in this version. */
  final Map<String, Claims> keyClaims = new ConcurrentHashMap<>();
  /**
   * API key tokens whose secret verified against this version's hash, to their key id: the keyed hash is computed
   * once per token and version, as the JWT mapper caches verified tokens. Held in memory only, like the request.
   */
  final Map<String, String> verifiedTokens = new ConcurrentHashMap<>();

  /** A namespace with its accepted CAs parsed and its filters compiled. */
  record NamespacePolicy(Namespace namespace, String pem, CaBundle cas, List<CertificateFields.Filter> filters,
      boolean usable) {}

  /**
   * A user or service account with its effective access.
   *
   * @param permissions Cloud-level permission per namespace (user ∪ groups, most permissive; a scoped SA's one)
   * @param system {@link Role#ADMIN} for Owner and Global Admin, else undefined
   * @param keyRoles the Temporal role per namespace an API key of this principal gets: only in namespaces of the
   *     store with API-key auth on
   */
  record Principal(String id, OwnerType type, String name, AccountRole accountRole,
      Map<String, NamespacePermission> permissions, Role system, Map<String, Role> keyRoles) {}

  private IdentityDirectory(long version, Map<String, Namespace> namespaces, Map<String, User> users,
      Map<String, UserGroup> groups, Map<String, ServiceAccount> serviceAccounts, Map<String, ApiKey> keys,
      Map<String, byte[]> hashes, Map<String, ElevatedGrant> activeGrants, String domain,
      IdentityDirectory previous) {
    this.version = version;
    this.namespaces = Collections.unmodifiableMap(namespaces);
    this.users = Collections.unmodifiableMap(users);
    this.groups = Collections.unmodifiableMap(groups);
    this.serviceAccounts = Collections.unmodifiableMap(serviceAccounts);
    this.keys = Collections.unmodifiableMap(keys);
    this.hashes = Collections.unmodifiableMap(hashes);
    this.activeGrants = Collections.unmodifiableMap(activeGrants);
    Map<String, List<ElevatedGrant>> byPrincipal = new HashMap<>();
    for (ElevatedGrant g : activeGrants.values()) {
      byPrincipal.computeIfAbsent(g.principalId(), k -> new ArrayList<>(1)).add(g);
    }
    byPrincipal.replaceAll((k, v) -> List.copyOf(v));
    this.grantsOf = Collections.unmodifiableMap(byPrincipal);

    Map<String, NamespacePolicy> pol = new HashMap<>(namespaces.size() * 2);
    for (Namespace ns : namespaces.values()) {
      NamespacePolicy before = previous == null ? null : previous.policies.get(ns.name());
      pol.put(ns.name(), policy(ns, before));
    }
    this.policies = Collections.unmodifiableMap(pol);

    Map<X500Principal, List<String>> byCa = new HashMap<>();
    List<CaBundle> bundles = new ArrayList<>();
    Map<String, List<String>> byLower = new HashMap<>();
    for (NamespacePolicy p : pol.values()) {
      byLower.computeIfAbsent(p.namespace().name().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
          .add(p.namespace().name());
      if (!p.namespace().mtlsAuth() || !p.usable() || p.cas().isEmpty()) {
        continue;
      }
      bundles.add(p.cas());
      for (X509Certificate ca : p.cas().certificates()) {
        List<String> list = byCa.computeIfAbsent(ca.getSubjectX500Principal(), k -> new ArrayList<>(1));
        if (!list.contains(p.namespace().name())) {
          list.add(p.namespace().name());
        }
      }
    }
    byCa.replaceAll((k, v) -> List.copyOf(v));
    this.namespacesByCaSubject = Collections.unmodifiableMap(byCa);

    // SNI names are case-insensitive, Temporal's namespace names are not: a namespace named exactly in lower case
    // owns its endpoint; otherwise only a unique case-insensitive match does.
    Map<String, String> endpoints = new HashMap<>();
    Map<String, CaBundle> endpointCas = new HashMap<>();
    byLower.forEach((lower, names) -> {
      String owner = names.contains(lower) ? lower : names.size() == 1 ? names.get(0) : null;
      if (owner != null) {
        endpoints.put(lower, owner);
        NamespacePolicy p = pol.get(owner);
        if (p.namespace().mtlsAuth() && p.usable()) {
          endpointCas.put(lower, p.cas());
        }
      }
    });
    this.endpointNames = Collections.unmodifiableMap(endpoints);
    NamespaceTrust previousTrust = previous == null ? null : previous.trust;
    CaBundle union = CaBundle.union(bundles);
    if (previousTrust != null && previousTrust.union().equals(union)) {
      union = previousTrust.union();
    }
    this.trust = new NamespaceTrust(union, endpointCas, domain);

    Map<String, List<UserGroup>> groupsOf = new HashMap<>();
    for (UserGroup g : groups.values()) {
      for (String member : g.memberIds()) {
        groupsOf.computeIfAbsent(member, k -> new ArrayList<>(2)).add(g);
      }
    }
    Map<String, Principal> pr = new HashMap<>((users.size() + serviceAccounts.size()) * 2);
    for (User u : users.values()) {
      pr.put(u.id(), userPrincipal(u, groupsOf.getOrDefault(u.id(), List.of()), pol));
    }
    for (ServiceAccount sa : serviceAccounts.values()) {
      pr.put(sa.id(), serviceAccountPrincipal(sa, pol));
    }
    this.principals = Collections.unmodifiableMap(pr);
  }

  static IdentityDirectory of(StoreSnapshot s, String domain, IdentityDirectory previous) {
    Map<String, Namespace> namespaces = new HashMap<>();
    s.namespaces().forEach(n -> namespaces.put(n.name(), n));
    Map<String, User> users = new HashMap<>();
    s.users().forEach(u -> users.put(u.id(), u));
    Map<String, UserGroup> groups = new HashMap<>();
    s.userGroups().forEach(g -> groups.put(g.id(), g));
    Map<String, ServiceAccount> sas = new HashMap<>();
    s.serviceAccounts().forEach(a -> sas.put(a.id(), a));
    Map<String, ApiKey> keys = new HashMap<>(s.apiKeys().size() * 2);
    s.apiKeys().forEach(k -> keys.put(k.id(), k));
    Map<String, byte[]> hashes = new HashMap<>(s.apiKeyHashes());
    Map<String, ElevatedGrant> grants = new HashMap<>();
    s.elevatedGrants().forEach(g -> putIfActive(grants, g));
    return new IdentityDirectory(s.version(), namespaces, users, groups, sas, keys, hashes, grants, domain,
        previous);
  }

  /** This version with {@code c} applied; {@code c} must be {@link StoreChanges#complete()}. */
  IdentityDirectory apply(StoreChanges c, String domain) {
    Map<String, Namespace> ns = new HashMap<>(namespaces);
    Map<String, User> us = new HashMap<>(users);
    Map<String, UserGroup> gs = new HashMap<>(groups);
    Map<String, ServiceAccount> sas = new HashMap<>(serviceAccounts);
    Map<String, ApiKey> ks = new HashMap<>(keys);
    Map<String, byte[]> hs = new HashMap<>(hashes);
    Map<String, ElevatedGrant> gr = new HashMap<>(activeGrants);
    c.deleted().forEach((kind, ids) -> {
      for (String id : ids) {
        if (kind == Namespace.class) {
          ns.remove(id);
        } else if (kind == User.class) {
          us.remove(id);
        } else if (kind == UserGroup.class) {
          gs.remove(id);
        } else if (kind == ServiceAccount.class) {
          sas.remove(id);
        } else if (kind == ApiKey.class) {
          ks.remove(id);
          hs.remove(id);
        } else if (kind == ElevatedGrant.class) {
          gr.remove(id);
        }
      }
    });
    for (Entity e : c.upserted()) {
      switch (e) {
        case Namespace n -> ns.put(n.name(), n);
        case User u -> us.put(u.id(), u);
        case UserGroup g -> gs.put(g.id(), g);
        case ServiceAccount a -> sas.put(a.id(), a);
        case ApiKey k -> ks.put(k.id(), k);
        case ElevatedGrant g -> putIfActive(gr, g);
        default -> { }
      }
    }
    if (c.apiKeyHashes() != null) {
      c.apiKeyHashes().forEach((id, h) -> {
        if (ks.containsKey(id)) {
          hs.put(id, h);
        }
      });
    }
    return new IdentityDirectory(Math.max(version, c.to()), ns, us, gs, sas, ks, hs, gr, domain, this);
  }

  /** Keeps {@code g} when active; a grant that left the active state (revoked, expired) is dropped. */
  private static void putIfActive(Map<String, ElevatedGrant> grants, ElevatedGrant g) {
    if (g.state() == ElevatedGrant.State.ACTIVE) {
      grants.put(g.id(), g);
    } else {
      grants.remove(g.id());
    }
  }

  private static NamespacePolicy policy(Namespace ns, NamespacePolicy before) {
    if (before != null && before.pem().equals(ns.acceptedClientCa())
        && before.namespace().certificateFilters().equals(ns.certificateFilters())) {
      return new NamespacePolicy(ns, before.pem(), before.cas(), before.filters(), before.usable());
    }
    CaBundle cas;
    boolean usable = true;
    try {
      cas = CaBundle.parse(ns.acceptedClientCa());
    } catch (PemException | RuntimeException e) {
      // The control plane checks bundles before storing them; one that still does not parse trusts nothing.
      log.warn("namespace {}: its accepted client CA bundle does not parse; no certificate is accepted there",
          ns.name());
      cas = CaBundle.EMPTY;
      usable = false;
    }
    List<CertificateFields.Filter> filters = new ArrayList<>();
    for (int i = 0; i < ns.certificateFilters().size(); i++) {
      CertificateFilter f = ns.certificateFilters().get(i);
      String key = "namespace " + ns.name() + " certificateFilters[" + i + "]";
      try {
        CertificateFields.Filter compiled = CertificateFields.Filter.compile(blankToNull(f.commonName()),
            blankToNull(f.organization()), blankToNull(f.organizationalUnit()),
            blankToNull(f.subjectAlternativeName()), key,
            (k, problem) -> new IllegalArgumentException(k + " " + problem));
        if (compiled.matchesEverything()) {
          throw new IllegalArgumentException(key + " sets no field");
        }
        filters.add(compiled);
      } catch (IllegalArgumentException e) {
        // Deny on doubt: a filter that cannot be read could have been meant to narrow; accept no certificate.
        log.warn("{}; no certificate is accepted in namespace {}", e.getMessage(), ns.name());
        usable = false;
      }
    }
    return new NamespacePolicy(ns, ns.acceptedClientCa(), cas, List.copyOf(filters), usable);
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static Principal userPrincipal(User u, List<UserGroup> groups, Map<String, NamespacePolicy> pol) {
    AccountRole role = u.access().accountRole();
    Map<String, NamespacePermission> perms = new HashMap<>(u.access().namespaces());
    for (UserGroup g : groups) {
      role = morePowerful(role, g.access().accountRole());
      g.access().namespaces().forEach((ns, p) -> perms.merge(ns, p, NamespacePermission::max));
    }
    return principal(u.id(), OwnerType.USER, u.email(), role, perms, pol);
  }

  private static Principal serviceAccountPrincipal(ServiceAccount sa, Map<String, NamespacePolicy> pol) {
    if (sa.scopedNamespace() != null) {
      // A namespace-scoped service account holds its one namespace and nothing account-wide.
      Map<String, NamespacePermission> perms = sa.scopedPermission() == null ? Map.of()
          : Map.of(sa.scopedNamespace(), sa.scopedPermission());
      return principal(sa.id(), OwnerType.SERVICE_ACCOUNT, sa.name(), AccountRole.NONE, perms, pol);
    }
    return principal(sa.id(), OwnerType.SERVICE_ACCOUNT, sa.name(), sa.access().accountRole(),
        sa.access().namespaces(), pol);
  }

  private static Principal principal(String id, OwnerType type, String name, AccountRole role,
      Map<String, NamespacePermission> perms, Map<String, NamespacePolicy> pol) {
    Role system = role == AccountRole.OWNER || role == AccountRole.ADMIN ? Role.ADMIN : Role.UNDEFINED;
    Map<String, Role> keyRoles = new HashMap<>();
    perms.forEach((ns, p) -> {
      NamespacePolicy policy = pol.get(ns);
      if (policy != null && policy.namespace().apiKeyAuth()) {
        keyRoles.put(ns, roleOf(p));
      }
    });
    return new Principal(id, type, name, role, Collections.unmodifiableMap(new LinkedHashMap<>(perms)), system,
        Map.copyOf(keyRoles));
  }

  /** Cloud's namespace permission as Temporal's role. */
  static Role roleOf(NamespacePermission p) {
    return switch (p) {
      case READ -> Role.READER;
      case WRITE -> Role.WRITER;
      case ADMIN -> Role.ADMIN;
    };
  }

  // Account roles are not a chain (Finance Admin and Developer allow different things); for the one role a
  // principal shows, this order decides: Owner, Global Admin, Developer, Finance Admin, Read-Only, Metrics Read.
  private static final List<AccountRole> POWER = List.of(AccountRole.OWNER, AccountRole.ADMIN,
      AccountRole.DEVELOPER, AccountRole.FINANCE_ADMIN, AccountRole.READ, AccountRole.METRICS_READ, AccountRole.NONE);

  static AccountRole morePowerful(AccountRole a, AccountRole b) {
    return POWER.indexOf(a) <= POWER.indexOf(b) ? a : b;
  }

  /** Remembers a per-version derivation, dropping everything once the bound is reached (bounded memory). */
  static <K, V> void remember(Map<K, V> memo, K key, V value) {
    if (memo.size() >= MAX_REMEMBERED) {
      memo.clear();
    }
    memo.put(key, value);
  }
}
