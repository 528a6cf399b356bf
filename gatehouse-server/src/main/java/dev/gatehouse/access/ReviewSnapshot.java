package dev.gatehouse.access;

import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ReviewItem;
import dev.gatehouse.store.ReviewItem.Subject;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.StoreSnapshot;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Turns the store's state into a campaign's items, with reviewers and findings. */
final class ReviewSnapshot {
  static final String ACCOUNT = "account";

  private final StoreSnapshot store;
  private final Map<String, Map<String, NamespacePermission>> used;
  private final ReviewPolicy policy;
  private final Instant now;
  private final Map<String, Instant> lastCallByOwner = new HashMap<>();
  private final Map<String, User> users = new HashMap<>();

  ReviewSnapshot(StoreSnapshot store, Map<String, Map<String, NamespacePermission>> used, ReviewPolicy policy,
      Instant now) {
    this.store = store;
    this.used = used;
    this.policy = policy;
    this.now = now;
    for (User u : store.users()) {
      users.put(u.id(), u);
    }
    for (ApiKey k : store.apiKeys()) {
      if (k.lastUsed() != null) {
        lastCallByOwner.merge(k.ownerId(), k.lastUsed(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
  }

  static String namespaceScope(String namespace) {
    return "namespace:" + namespace;
  }

  /** The user's account role, the most permissive of their own and their groups'. */
  static AccountRole accountRole(StoreSnapshot s, String userId) {
    AccountRole best = AccountRole.NONE;
    for (User u : s.users()) {
      if (u.id().equals(userId)) {
        best = u.access().accountRole();
      }
    }
    for (UserGroup g : s.userGroups()) {
      if (g.memberIds().contains(userId) && rank(g.access().accountRole()) > rank(best)) {
        best = g.access().accountRole();
      }
    }
    return best;
  }

  /** Owner and Global Admin rank above the rest; the rest give no authority over grants. */
  private static int rank(AccountRole r) {
    return switch (r) {
      case OWNER -> 2;
      case ADMIN -> 1;
      default -> 0;
    };
  }

  /** The user's permission on a namespace from their own access and their groups', or {@code null}. */
  static NamespacePermission namespacePermission(StoreSnapshot s, String userId, String namespace) {
    NamespacePermission best = null;
    for (User u : s.users()) {
      if (u.id().equals(userId)) {
        best = u.access().namespaces().get(namespace);
      }
    }
    for (UserGroup g : s.userGroups()) {
      if (g.memberIds().contains(userId)) {
        best = NamespacePermission.max(best, g.access().namespaces().get(namespace));
      }
    }
    return best;
  }

  /** Ids of the users who review items of {@code scope}: a namespace's Admins (else the Owners), the Owners. */
  List<String> reviewers(String scope) {
    TreeSet<String> out = new TreeSet<>();
    if (scope.startsWith("namespace:")) {
      String ns = scope.substring("namespace:".length());
      for (User u : store.users()) {
        if (namespacePermission(store, u.id(), ns) == NamespacePermission.ADMIN) {
          out.add(u.id());
        }
      }
    }
    if (out.isEmpty()) {
      for (User u : store.users()) {
        if (accountRole(store, u.id()) == AccountRole.OWNER) {
          out.add(u.id());
        }
      }
    }
    return List.copyOf(out);
  }

  List<ReviewItem> items(String campaignId) {
    List<Draft> drafts = new ArrayList<>();
    for (User u : store.users()) {
      List<String> activity = inactivity(u.id(), u.meta().created(), "user");
      if (u.access().accountRole() != AccountRole.NONE) {
        drafts.add(new Draft(Subject.USER_ACCOUNT_ROLE, u.id(), u.email(), u.id(), null,
            u.access().accountRole().name(), ACCOUNT, activity, lastCallByOwner.get(u.id())));
      }
      u.access().namespaces().forEach((ns, p) -> drafts.add(new Draft(Subject.USER_NAMESPACE_PERMISSION, u.id(),
          u.email(), u.id(), ns, p.name(), namespaceScope(ns), concat(activity, wider(List.of(u.id()), ns, p)),
          lastCallByOwner.get(u.id()))));
    }
    for (UserGroup g : store.userGroups()) {
      if (g.access().accountRole() != AccountRole.NONE) {
        drafts.add(new Draft(Subject.GROUP_ACCOUNT_ROLE, g.id(), g.displayName(), null, null,
            g.access().accountRole().name(), ACCOUNT, List.of(), null));
      }
      g.access().namespaces().forEach((ns, p) -> drafts.add(new Draft(Subject.GROUP_NAMESPACE_PERMISSION, g.id(),
          g.displayName(), null, ns, p.name(), namespaceScope(ns), wider(List.copyOf(g.memberIds()), ns, p), null)));
      for (String member : g.memberIds()) {
        User u = users.get(member);
        String email = u == null ? member : u.email();
        List<String> findings = u == null ? List.of("member is not a user of the account")
            : inactivity(u.id(), u.meta().created(), "member");
        drafts.add(new Draft(Subject.GROUP_MEMBERSHIP, g.id(), g.displayName(), member, null,
            "member " + email, ACCOUNT, findings, lastCallByOwner.get(member)));
      }
    }
    for (ServiceAccount sa : store.serviceAccounts()) {
      List<String> findings = concat(ownerless(sa), inactivity(sa.id(), sa.meta().created(), "service account"));
      if (sa.scopedNamespace() != null) {
        NamespacePermission p = sa.scopedPermission();
        drafts.add(new Draft(Subject.SERVICE_ACCOUNT_NAMESPACE_PERMISSION, sa.id(), sa.name(), sa.id(),
            sa.scopedNamespace(), (p == null ? "NONE" : p.name()) + " (namespace-scoped)",
            namespaceScope(sa.scopedNamespace()),
            p == null ? findings : concat(findings, wider(List.of(sa.id()), sa.scopedNamespace(), p)),
            lastCallByOwner.get(sa.id())));
        continue;
      }
      if (sa.access().accountRole() != AccountRole.NONE) {
        drafts.add(new Draft(Subject.SERVICE_ACCOUNT_ACCOUNT_ROLE, sa.id(), sa.name(), sa.id(), null,
            sa.access().accountRole().name(), ACCOUNT, findings, lastCallByOwner.get(sa.id())));
      }
      sa.access().namespaces().forEach((ns, p) -> drafts.add(new Draft(Subject.SERVICE_ACCOUNT_NAMESPACE_PERMISSION,
          sa.id(), sa.name(), sa.id(), ns, p.name(), namespaceScope(ns),
          concat(findings, wider(List.of(sa.id()), ns, p)), lastCallByOwner.get(sa.id()))));
    }
    for (ApiKey k : store.apiKeys()) {
      drafts.add(new Draft(Subject.API_KEY, k.id(), k.displayName(), k.ownerId(), null,
          "API key of " + ownerName(k) + ", expires " + k.expiry(), keyScope(k), keyFindings(k), k.lastUsed()));
    }
    for (Namespace n : store.namespaces()) {
      if (!n.acceptedClientCa().isBlank() || !n.certificateFilters().isEmpty()) {
        String what = (n.mtlsAuth() ? "mTLS on" : "mTLS off") + ", " + certificates(n.acceptedClientCa())
            + " CA certificate(s), " + n.certificateFilters().size() + " filter(s)";
        drafts.add(new Draft(Subject.NAMESPACE_CERTIFICATES, n.name(), n.name(), null, n.name(), what,
            namespaceScope(n.name()), n.mtlsAuth() && n.certificateFilters().isEmpty()
                ? List.of("no certificate filters: every certificate from the accepted CAs gets in") : List.of(),
            null));
      }
    }
    List<ReviewItem> out = new ArrayList<>(drafts.size());
    for (int i = 0; i < drafts.size(); i++) {
      Draft d = drafts.get(i);
      out.add(new ReviewItem(String.format("%s.%05d", campaignId, i + 1), campaignId, d.subject, d.principalId,
          d.principalName, d.holderId, d.namespace, d.granted, d.scope, reviewers(d.scope), d.findings, d.lastUsed,
          ReviewItem.Decision.PENDING, null, null, "", null));
    }
    return out;
  }

  private record Draft(Subject subject, String principalId, String principalName, String holderId, String namespace,
      String granted, String scope, List<String> findings, Instant lastUsed) {}

  private static int certificates(String pem) {
    int n = 0;
    for (int i = pem.indexOf("-----BEGIN CERTIFICATE-----"); i >= 0;
        i = pem.indexOf("-----BEGIN CERTIFICATE-----", i + 1)) {
      n++;
    }
    return n;
  }

  private String ownerName(ApiKey k) {
    if (k.ownerType() == OwnerType.USER) {
      User u = users.get(k.ownerId());
      return u == null ? "unknown user " + k.ownerId() : u.email();
    }
    return serviceAccount(k.ownerId()).map(sa -> "service account " + sa.name())
        .orElse("unknown service account " + k.ownerId());
  }

  private Optional<ServiceAccount> serviceAccount(String id) {
    return store.serviceAccounts().stream().filter(sa -> sa.id().equals(id)).findFirst();
  }

  /** A namespace-scoped service account's keys are its namespace's business; every other key the Owners'. */
  private String keyScope(ApiKey k) {
    if (k.ownerType() == OwnerType.SERVICE_ACCOUNT) {
      Optional<ServiceAccount> sa = serviceAccount(k.ownerId());
      if (sa.isPresent() && sa.get().scopedNamespace() != null) {
        return namespaceScope(sa.get().scopedNamespace());
      }
    }
    return ACCOUNT;
  }

  private List<String> keyFindings(ApiKey k) {
    List<String> out = new ArrayList<>();
    if (k.disabled()) {
      out.add("API key disabled");
    }
    if (!k.expiry().isAfter(now)) {
      out.add("API key expired " + k.expiry());
    } else if (!k.expiry().isAfter(now.plus(policy.expiringWithin()))) {
      out.add("API key expires within " + days(policy.expiringWithin()) + " days (" + k.expiry() + ")");
    }
    Instant since = k.lastUsed() != null ? k.lastUsed() : k.meta().created();
    if (since != null && !since.isAfter(now.minus(policy.unusedAfter()))) {
      out.add(k.lastUsed() == null ? "API key never used (created " + since + ")"
          : "API key unused for " + days(policy.unusedAfter()) + " days (last used " + k.lastUsed() + ")");
    }
    return out;
  }

  /**
   * No call for the policy's period: the last use of any API key the principal owns is the signal (Gatehouse keeps
   * no sign-in times; a principal that calls only with certificates or JWTs shows as inactive).
   */
  private List<String> inactivity(String principalId, Instant created, String noun) {
    Instant last = lastCallByOwner.get(principalId);
    Instant since = last != null ? last : created;
    if (since == null || since.isAfter(now.minus(policy.unusedAfter()))) {
      return List.of();
    }
    return List.of(last == null ? noun + " has no recorded call (no API key of theirs used) in "
        + days(policy.unusedAfter()) + " days" : noun + " has no call for " + days(policy.unusedAfter())
        + " days (last " + last + ")");
  }

  /**
   * A service account's owner is a person answerable for it: for a namespace-scoped one, a user who is Admin of its
   * namespace (own or through a group); for an account-wide one, a user who is Owner or Global Admin.
   */
  private List<String> ownerless(ServiceAccount sa) {
    for (User u : store.users()) {
      if (sa.scopedNamespace() != null
          ? namespacePermission(store, u.id(), sa.scopedNamespace()) == NamespacePermission.ADMIN
          : rank(accountRole(store, u.id())) > 0) {
        return List.of();
      }
    }
    return List.of(sa.scopedNamespace() != null
        ? "service account has no owner: no user is Admin of " + sa.scopedNamespace()
        : "service account has no owner: no user is Owner or Global Admin");
  }

  /** Granted more than the principals ever used on the namespace (only where use was recorded). */
  private List<String> wider(List<String> principals, String ns, NamespacePermission granted) {
    NamespacePermission highest = null;
    boolean recorded = false;
    for (String p : principals) {
      Map<String, NamespacePermission> byNs = used.get(p);
      if (byNs != null && byNs.containsKey(ns)) {
        recorded = true;
        highest = NamespacePermission.max(highest, byNs.get(ns));
      }
    }
    if (!recorded || highest.compareTo(granted) >= 0) {
      return List.of();
    }
    return List.of("granted " + granted + ", never used beyond " + highest);
  }

  private static long days(Duration d) {
    return d.toDays();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    if (b.isEmpty()) {
      return a;
    }
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
