package dev.gatehouse.access;

import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.Namespace;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.ReviewCampaign;
import dev.gatehouse.store.ReviewItem;
import dev.gatehouse.store.ReviewItem.Decision;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.StoreException;
import dev.gatehouse.store.StoreSnapshot;
import dev.gatehouse.store.User;
import dev.gatehouse.store.UserGroup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access review campaigns over the store. Every method may block on the store: call it from the control plane's
 * executor or a background thread. Thread-safe; replicas sharing a store may run it side by side (a scheduled
 * campaign starts once per period, an item is decided once: the store's unique names and resource versions decide
 * the races).
 *
 * <p>Who reviews: an item on a namespace (a namespace permission, a namespace-scoped service account's key, a
 * namespace's CAs and filters) is attested by a user who is Admin of that namespace (own or through a group) or by
 * an Owner or Global Admin; every other item (account roles, group memberships, other API keys) by an Owner. Only
 * users attest, and nobody attests their own grant (their own roles, keys or memberships, their groups' grants).
 */
public final class AccessReviews {
  private static final Logger log = LoggerFactory.getLogger(AccessReviews.class);
  static final String SCHEDULER = "scheduler";
  static final String DEADLINE = "deadline";
  private static final int MAX_COMMENT = 1000;

  private final AccountStore store;
  private final Clock clock;
  private final ReviewPolicy policy;
  private final Consumer<ReviewEvent> events;
  private final ElevatedGrantReviews elevated;

  /**
   * @param events receives every start, attestation (refused ones too), deadline decision and close, for the audit
   *     log
   * @param elevated time-limited grants to review beside the standing ones; {@link ElevatedGrantReviews#NONE}
   *     while there are none
   */
  public AccessReviews(AccountStore store, Clock clock, ReviewPolicy policy, Consumer<ReviewEvent> events,
      ElevatedGrantReviews elevated) {
    this.store = store;
    this.clock = clock;
    this.policy = policy;
    this.events = events;
    this.elevated = elevated;
  }

  public ReviewPolicy policy() {
    return policy;
  }

  /**
   * Starts a campaign now, snapshotting every grant.
   *
   * @param startedBy the user asking
   * @param name a unique name, or {@code null} for {@code review-<id>}
   * @throws ReviewException INVALID_ARGUMENT for a bad name, FAILED_PRECONDITION when the name is taken
   */
  public ReviewCampaign start(String startedBy, String name) {
    if (name != null && !name.isBlank() && !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
      refuse(startedBy, "review.start", "", "", ReviewException.Reason.INVALID_ARGUMENT,
          "a campaign name is 1 to 100 letters, digits, '.', '_' or '-', e.g. 2026-q4-payments");
    }
    if (name != null && name.startsWith("scheduled-")) {
      refuse(startedBy, "review.start", "", "", ReviewException.Reason.INVALID_ARGUMENT,
          "names starting 'scheduled-' are the scheduler's");
    }
    String id = "rc-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      return create(id, name == null || name.isBlank() ? "review-" + id : name, startedBy);
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.ALREADY_EXISTS) {
        refuse(startedBy, "review.start", "", "", ReviewException.Reason.FAILED_PRECONDITION,
            "a campaign named '" + name + "' exists already");
      }
      throw e;
    }
  }

  /**
   * Starts this period's scheduled campaign unless one has started (on this replica or another).
   *
   * @return the campaign this call started; empty when the period's campaign exists or nothing is scheduled
   */
  public Optional<ReviewCampaign> startScheduled() {
    String name = periodName(clock.instant());
    if (name == null || store.reviewCampaigns().byName(name).isPresent()) {
      return Optional.empty();
    }
    try {
      return Optional.of(create("rc-" + UUID.randomUUID().toString().substring(0, 8), name, SCHEDULER));
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.ALREADY_EXISTS) {
        return Optional.empty(); // another replica started it first
      }
      throw e;
    }
  }

  /** The scheduled campaign's name for the period holding {@code at}, or {@code null} when none is scheduled. */
  String periodName(Instant at) {
    ZonedDateTime t = at.atZone(ZoneOffset.UTC);
    return switch (policy.schedule()) {
      case QUARTERLY -> "scheduled-" + t.getYear() + "-Q" + ((t.getMonthValue() - 1) / 3 + 1);
      case MONTHLY -> String.format("scheduled-%d-%02d", t.getYear(), t.getMonthValue());
      case NONE -> null;
    };
  }

  private ReviewCampaign create(String id, String name, String startedBy) {
    Instant now = clock.instant();
    ReviewCampaign campaign = store.reviewCampaigns().create(new ReviewCampaign(id, name, startedBy, now,
        now.plus(policy.reviewWindow()), policy.atDeadline(), ReviewCampaign.State.OPEN, null, null));
    StoreSnapshot snapshot = store.snapshot();
    ReviewSnapshot builder = new ReviewSnapshot(snapshot, store.accessUses(), policy, now);
    List<ReviewItem> items = new ArrayList<>(builder.items(id));
    int next = items.size();
    for (ElevatedGrantReviews.Grant g : elevated.activeGrants()) {
      String scope = g.namespace() == null ? ReviewSnapshot.ACCOUNT : ReviewSnapshot.namespaceScope(g.namespace());
      items.add(new ReviewItem(String.format("%s.%05d", id, ++next), id, ReviewItem.Subject.ELEVATED_GRANT,
          g.grantId(), g.principalName(), g.principalId(), g.namespace(), g.granted() + " until " + g.expires(),
          scope, builder.reviewers(scope), List.of(), null, Decision.PENDING, null, null, "", null));
    }
    for (ReviewItem item : items) {
      store.reviewItems().create(item);
    }
    event(startedBy, "review.start", id, "", false, "'" + name + "', " + items.size() + " items, deadline "
        + campaign.deadline() + ", " + campaign.atDeadline() + " at the deadline");
    return campaign;
  }

  /** Every campaign, newest first. */
  public List<ReviewCampaign> campaigns() {
    List<ReviewCampaign> out = new ArrayList<>();
    String token = "";
    do {
      Page<ReviewCampaign> page = store.reviewCampaigns().list(1000, token);
      out.addAll(page.items());
      token = page.nextPageToken();
    } while (!token.isEmpty());
    out.sort((a, b) -> b.started().compareTo(a.started()));
    return out;
  }

  /** A campaign by id or name. */
  public ReviewCampaign campaign(String idOrName) {
    if (idOrName == null || idOrName.isBlank()) {
      throw new ReviewException(ReviewException.Reason.INVALID_ARGUMENT, "a campaign id is required");
    }
    return store.reviewCampaigns().get(idOrName).or(() -> store.reviewCampaigns().byName(idOrName))
        .orElseThrow(() -> new ReviewException(ReviewException.Reason.NOT_FOUND,
            "review campaign '" + shown(idOrName) + "' not found"));
  }

  /** A campaign's items in order. */
  public List<ReviewItem> items(String campaignId) {
    ReviewCampaign c = campaign(campaignId);
    List<ReviewItem> out = new ArrayList<>();
    String token = "";
    // Items are named <campaign>.<n>: one campaign's items are adjacent in id order, but the store lists all kinds'
    // pages from the start, so this reads every item (campaigns are few; a range read can come later).
    do {
      Page<ReviewItem> page = store.reviewItems().list(1000, token);
      for (ReviewItem i : page.items()) {
        if (i.campaignId().equals(c.id())) {
          out.add(i);
        }
      }
      token = page.nextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  /**
   * The campaign's items {@code callerId} may see: all of them for an Owner or Global Admin (a user's role, own or
   * through a group, or a service account's), else those on namespaces the caller is Admin of.
   */
  public List<ReviewItem> visibleItems(String callerId, String campaignId) {
    List<ReviewItem> all = items(campaignId);
    StoreSnapshot s = store.snapshot();
    AccountRole role = ReviewSnapshot.accountRole(s, callerId);
    for (ServiceAccount sa : s.serviceAccounts()) {
      if (sa.id().equals(callerId) && sa.scopedNamespace() == null) {
        role = sa.access().accountRole();
      }
    }
    if (role == AccountRole.OWNER || role == AccountRole.ADMIN) {
      return all;
    }
    List<ReviewItem> out = new ArrayList<>();
    for (ReviewItem i : all) {
      if (i.reviewerScope().startsWith("namespace:") && ReviewSnapshot.namespacePermission(s, callerId,
          i.reviewerScope().substring("namespace:".length())) == NamespacePermission.ADMIN) {
        out.add(i);
      }
    }
    return out;
  }

  /** The campaign's report. */
  public ReviewReport report(String campaignId) {
    ReviewCampaign c = campaign(campaignId);
    return new ReviewReport(c, items(c.id()));
  }

  /**
   * A reviewer's decision on an item; a revoke changes the store at once (the data plane follows within a second).
   *
   * @param reviewerId the user attesting
   * @param keep keep (true) or revoke (false)
   * @throws ReviewException NOT_FOUND for an unknown campaign or item, PERMISSION_DENIED for an item outside the
   *     reviewer's scope or their own, FAILED_PRECONDITION for a decided item or a closed or overdue campaign;
   *     each is also a refused {@link ReviewEvent}
   */
  public ReviewItem attest(String reviewerId, String campaignId, String itemId, boolean keep, String comment) {
    String action = "review.attest";
    ReviewCampaign c;
    try {
      c = campaign(campaignId);
    } catch (ReviewException e) {
      event(reviewerId, action, shown(String.valueOf(campaignId)), shown(String.valueOf(itemId)), true,
          e.getMessage());
      throw e;
    }
    if (comment != null && comment.length() > MAX_COMMENT) {
      refuse(reviewerId, action, c.id(), itemId, ReviewException.Reason.INVALID_ARGUMENT,
          "a comment is at most " + MAX_COMMENT + " characters");
    }
    ReviewItem item = itemId == null ? null : store.reviewItems().get(itemId).filter(i -> i.campaignId()
        .equals(c.id())).orElse(null);
    if (item == null) {
      refuse(reviewerId, action, c.id(), shown(String.valueOf(itemId)), ReviewException.Reason.NOT_FOUND,
          "item '" + shown(String.valueOf(itemId)) + "' not found in campaign " + c.id());
    }
    if (c.state() == ReviewCampaign.State.CLOSED) {
      refuse(reviewerId, action, c.id(), item.id(), ReviewException.Reason.FAILED_PRECONDITION,
          "campaign " + c.id() + " closed at " + c.closed() + ": nothing more can be attested");
    }
    Instant now = clock.instant();
    if (!now.isBefore(c.deadline())) {
      refuse(reviewerId, action, c.id(), item.id(), ReviewException.Reason.FAILED_PRECONDITION,
          "campaign " + c.id() + " passed its deadline " + c.deadline() + ": nothing more can be attested");
    }
    StoreSnapshot snapshot = store.snapshot();
    String denied = mayNotReview(snapshot, reviewerId, item);
    if (denied != null) {
      refuse(reviewerId, action, c.id(), item.id(), ReviewException.Reason.PERMISSION_DENIED, denied);
    }
    if (item.decision() != Decision.PENDING) {
      refuse(reviewerId, action, c.id(), item.id(), ReviewException.Reason.FAILED_PRECONDITION,
          "item " + item.id() + " was attested already (" + item.decision() + " by " + item.decidedBy() + " at "
              + item.decidedAt() + ")");
    }
    ReviewItem decided;
    try {
      decided = store.reviewItems().update(item.decided(keep ? Decision.KEEP : Decision.REVOKE, reviewerId, now,
          comment), item.meta().resourceVersion());
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.CONFLICT) {
        refuse(reviewerId, action, c.id(), item.id(), ReviewException.Reason.FAILED_PRECONDITION,
            "item " + item.id() + " was attested at the same time by someone else");
      }
      throw e;
    }
    String effect = keep ? "kept" : revoke(item);
    event(reviewerId, action, c.id(), item.id(), false, (keep ? "KEEP" : "REVOKE") + " " + item.subject() + " "
        + item.principalName() + (item.namespace() == null ? "" : " on " + item.namespace()) + ": " + effect);
    return decided;
  }

  /** Why {@code reviewerId} may not decide {@code item}, or {@code null} when they may. */
  private static String mayNotReview(StoreSnapshot s, String reviewerId, ReviewItem item) {
    String outside = "item " + item.id() + " is outside your review scope";
    if (reviewerId == null || s.users().stream().noneMatch(u -> u.id().equals(reviewerId))) {
      return "only users attest review items";
    }
    AccountRole role = ReviewSnapshot.accountRole(s, reviewerId);
    boolean inScope;
    if (item.reviewerScope().startsWith("namespace:")) {
      String ns = item.reviewerScope().substring("namespace:".length());
      inScope = role == AccountRole.OWNER || role == AccountRole.ADMIN
          || ReviewSnapshot.namespacePermission(s, reviewerId, ns) == NamespacePermission.ADMIN;
    } else {
      inScope = role == AccountRole.OWNER;
    }
    if (!inScope) {
      return outside;
    }
    boolean own = reviewerId.equals(item.principalId()) || reviewerId.equals(item.holderId())
        || s.userGroups().stream().anyMatch(g -> g.id().equals(item.principalId())
            && g.memberIds().contains(reviewerId));
    return own ? "nobody attests their own access (item " + item.id() + "): another reviewer must" : null;
  }

  /**
   * Applies the deadline to every open campaign past it: its pending items are flagged or revoked as the campaign
   * says, and it closes.
   *
   * @return the campaigns this call closed
   */
  public List<ReviewCampaign> closeDue() {
    Instant now = clock.instant();
    List<ReviewCampaign> closed = new ArrayList<>();
    for (ReviewCampaign c : campaigns()) {
      if (c.state() != ReviewCampaign.State.OPEN || now.isBefore(c.deadline())) {
        continue;
      }
      int flagged = 0;
      int revoked = 0;
      for (ReviewItem item : items(c.id())) {
        if (item.decision() != Decision.PENDING) {
          continue;
        }
        boolean revoke = c.atDeadline() == ReviewCampaign.DeadlineAction.REVOKE;
        try {
          store.reviewItems().update(item.decided(revoke ? Decision.REVOKED_AT_DEADLINE : Decision.FLAGGED,
              DEADLINE, now, "not reviewed by the deadline"), item.meta().resourceVersion());
        } catch (StoreException e) {
          if (e.reason() == StoreException.Reason.CONFLICT) {
            continue; // attested (or dealt with by another replica) meanwhile
          }
          throw e;
        }
        String effect = revoke ? revoke(item) : "flagged";
        if (revoke) {
          revoked++;
        } else {
          flagged++;
        }
        event(DEADLINE, "review.deadline", c.id(), item.id(), false, (revoke ? "REVOKED_AT_DEADLINE " : "FLAGGED ")
            + item.subject() + " " + item.principalName() + ": " + effect);
      }
      try {
        closed.add(store.reviewCampaigns().update(c.closedAt(now), c.meta().resourceVersion()));
        event(DEADLINE, "review.close", c.id(), "", false, flagged + " flagged, " + revoked + " revoked");
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.CONFLICT) {
          throw e;
        }
      }
    }
    return closed;
  }

  /**
   * Starts the scheduled campaigns and applies deadlines every {@code every} on {@code scheduler}; cancel the
   * future to stop.
   */
  public ScheduledFuture<?> schedule(ScheduledExecutorService scheduler, Duration every) {
    return scheduler.scheduleWithFixedDelay(() -> {
      try {
        startScheduled();
        closeDue();
      } catch (RuntimeException e) {
        log.warn("access reviews: the scheduled check failed ({}); it runs again in {}", e.getMessage(), every);
      }
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Removes the item's grant from the store; says what was done. */
  private String revoke(ReviewItem item) {
    try {
      return switch (item.subject()) {
        case USER_ACCOUNT_ROLE -> user(item.principalId(), u -> new User(u.id(), u.email(),
            new Access(AccountRole.NONE, u.access().namespaces()), u.meta()), "account role removed");
        case USER_NAMESPACE_PERMISSION -> user(item.principalId(), u -> new User(u.id(), u.email(),
            without(u.access(), item.namespace()), u.meta()), "permission on " + item.namespace() + " removed");
        case GROUP_ACCOUNT_ROLE -> group(item.principalId(), g -> new UserGroup(g.id(), g.displayName(),
            new Access(AccountRole.NONE, g.access().namespaces()), g.memberIds(), g.meta()), "account role removed");
        case GROUP_NAMESPACE_PERMISSION -> group(item.principalId(), g -> new UserGroup(g.id(), g.displayName(),
            without(g.access(), item.namespace()), g.memberIds(), g.meta()),
            "permission on " + item.namespace() + " removed");
        case GROUP_MEMBERSHIP -> group(item.principalId(), g -> {
          java.util.Set<String> members = new java.util.TreeSet<>(g.memberIds());
          members.remove(item.holderId());
          return new UserGroup(g.id(), g.displayName(), g.access(), members, g.meta());
        }, "member removed from the group");
        case SERVICE_ACCOUNT_ACCOUNT_ROLE -> serviceAccount(item.principalId(), sa -> new ServiceAccount(sa.id(),
            sa.name(), sa.description(), new Access(AccountRole.NONE, sa.access().namespaces()), null, null,
            sa.meta()), "account role removed");
        case SERVICE_ACCOUNT_NAMESPACE_PERMISSION -> revokeServiceAccountNamespace(item);
        case API_KEY -> apiKey(item.principalId());
        case NAMESPACE_CERTIFICATES -> namespaceCertificates(item.principalId());
        case ELEVATED_GRANT -> elevated.revoke(item.principalId()) ? "elevated grant revoked"
            : "elevated grant had ended already";
      };
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.NOT_FOUND) {
        return "already gone";
      }
      throw e;
    }
  }

  private static Access without(Access a, String namespace) {
    Map<String, NamespacePermission> ns = new HashMap<>(a.namespaces());
    ns.remove(namespace);
    return new Access(a.accountRole(), ns);
  }

  private String user(String id, java.util.function.UnaryOperator<User> change, String done) {
    Optional<User> u = store.users().get(id);
    if (u.isEmpty()) {
      return "already gone";
    }
    store.users().update(change.apply(u.get()), null);
    return done;
  }

  private String group(String id, java.util.function.UnaryOperator<UserGroup> change, String done) {
    Optional<UserGroup> g = store.userGroups().get(id);
    if (g.isEmpty()) {
      return "already gone";
    }
    store.userGroups().update(change.apply(g.get()), null);
    return done;
  }

  private String serviceAccount(String id, java.util.function.UnaryOperator<ServiceAccount> change, String done) {
    Optional<ServiceAccount> sa = store.serviceAccounts().get(id);
    if (sa.isEmpty()) {
      return "already gone";
    }
    store.serviceAccounts().update(change.apply(sa.get()), null);
    return done;
  }

  /**
   * A namespace-scoped service account exists for its one namespace, so revoking that grant disables its API keys
   * (reversibly) instead of leaving a service account with nothing; an account-wide one loses the namespace.
   */
  private String revokeServiceAccountNamespace(ReviewItem item) {
    Optional<ServiceAccount> sa = store.serviceAccounts().get(item.principalId());
    if (sa.isEmpty()) {
      return "already gone";
    }
    if (sa.get().scopedNamespace() == null) {
      return serviceAccount(item.principalId(), s -> new ServiceAccount(s.id(), s.name(), s.description(),
          without(s.access(), item.namespace()), null, null, s.meta()), "permission on " + item.namespace()
          + " removed");
    }
    int n = 0;
    String token = "";
    do {
      Page<ApiKey> page = store.apiKeys().list(1000, token);
      for (ApiKey k : page.items()) {
        if (k.ownerId().equals(item.principalId()) && !k.disabled()) {
          disable(k);
          n++;
        }
      }
      token = page.nextPageToken();
    } while (!token.isEmpty());
    return "namespace-scoped service account: " + n + " API key(s) disabled";
  }

  private String apiKey(String id) {
    Optional<ApiKey> k = store.apiKeys().get(id);
    if (k.isEmpty()) {
      return "already gone";
    }
    if (k.get().disabled()) {
      return "API key was disabled already";
    }
    disable(k.get());
    return "API key disabled";
  }

  private void disable(ApiKey k) {
    store.apiKeys().update(new ApiKey(k.id(), k.ownerId(), k.ownerType(), k.displayName(), k.description(),
        k.expiry(), true, k.lastUsed(), k.meta()), null);
  }

  /**
   * Revokes a namespace's certificate access as one: CAs and filters go and mTLS is switched off. Removing only a
   * filter would widen access (no filters accept every certificate from the CAs), so filters are never revoked alone.
   */
  private String namespaceCertificates(String name) {
    Optional<Namespace> n = store.namespaces().get(name);
    if (n.isEmpty()) {
      return "already gone";
    }
    Namespace ns = n.get();
    store.namespaces().update(new Namespace(ns.name(), "", List.of(), false, ns.apiKeyAuth(), ns.codecServer(),
        ns.retentionDays(), ns.meta()), null);
    return "client CAs and filters removed, mTLS off";
  }

  private void refuse(String actor, String action, String campaignId, String itemId, ReviewException.Reason reason,
      String message) {
    event(actor, action, campaignId, itemId == null ? "" : itemId, true, message);
    throw new ReviewException(reason, message);
  }

  private void event(String actor, String action, String campaignId, String itemId, boolean refused,
      String detail) {
    ReviewEvent e = new ReviewEvent(clock.instant(), actor == null ? "" : actor, action, campaignId, itemId, refused,
        detail);
    try {
      events.accept(e);
    } catch (RuntimeException ex) {
      log.warn("access reviews: recording an event failed ({})", ex.getClass().getSimpleName());
    }
  }

  private static String shown(String s) {
    String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
