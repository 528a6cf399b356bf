package dev.gatehouse.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.gatehouse.MutableClock;
import dev.gatehouse.api.access.v1.AccessReviewServiceGrpc;
import dev.gatehouse.api.access.v1.AttestReviewItemRequest;
import dev.gatehouse.api.access.v1.GetReviewCampaignRequest;
import dev.gatehouse.api.access.v1.GetReviewReportRequest;
import dev.gatehouse.api.access.v1.ListReviewCampaignsRequest;
import dev.gatehouse.api.access.v1.StartReviewCampaignRequest;
import dev.gatehouse.access.AccessReviews;
import dev.gatehouse.access.ElevatedGrantReviews;
import dev.gatehouse.access.ReviewEvent;
import dev.gatehouse.access.ReviewException;
import dev.gatehouse.access.ReviewPolicy;
import dev.gatehouse.access.ReviewReport;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.ElevatedGrant;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.ReviewCampaign;
import dev.gatehouse.store.ReviewItem;
import dev.gatehouse.store.ReviewItem.Decision;
import dev.gatehouse.store.ReviewItem.Subject;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.tls.CertificateAuthority;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.cloud.cloudservice.v1.AddUserGroupMemberRequest;
import io.temporal.api.cloud.cloudservice.v1.CloudServiceGrpc;
import io.temporal.api.cloud.cloudservice.v1.CreateApiKeyRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateNamespaceRequest;
import io.temporal.api.cloud.cloudservice.v1.CreateUserGroupRequest;
import io.temporal.api.cloud.cloudservice.v1.GetCurrentIdentityRequest;
import io.temporal.api.cloud.identity.v1.AccountAccess;
import io.temporal.api.cloud.identity.v1.ApiKeySpec;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.OwnerType;
import io.temporal.api.cloud.identity.v1.UserGroupMemberId;
import io.temporal.api.cloud.identity.v1.UserGroupSpec;
import io.temporal.api.cloud.namespace.v1.ApiKeyAuthSpec;
import io.temporal.api.cloud.namespace.v1.CertificateFilterSpec;
import io.temporal.api.cloud.namespace.v1.MtlsAuthSpec;
import io.temporal.api.cloud.namespace.v1.NamespaceSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access review campaigns over entities made with {@code CloudServiceStubs} through the Ops API: snapshot,
 * reviewers, findings, attest and revoke (a revoked key stops authenticating), the deadline's flag and revoke,
 * report export, bad input. Time is an injected clock; nothing sleeps. Runs once per database.
 */
abstract class AccessReviewCampaignTest {
  @TempDir Path dir;
  ControlFixture f;
  CloudServiceGrpc.CloudServiceBlockingStub ops;
  ControlFixture.Principal owner;
  ControlFixture.Principal nsAdmin;
  ControlFixture.Principal dev;
  String devKeyId;
  String billingKeyId;
  String soonKeyId;
  String groupId;
  String billingWorkerId;
  Instant t0;
  MutableClock clock;
  final List<ReviewEvent> events = new CopyOnWriteArrayList<>();

  abstract dev.gatehouse.store.AccountStore store(Path dir) throws Exception;

  @BeforeEach
  void start() throws Exception {
    f = new ControlFixture(store(dir), dir);
    owner = f.user("owner@example.com", AccountRole.OWNER, Map.of());
    ops = f.as(owner.token());
    t0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    clock = new MutableClock(t0);
    String ca = CertificateAuthority.create("Payments CA", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(365)).certificatePem();
    ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(spec("payments")
        .setMtlsAuth(MtlsAuthSpec.newBuilder().setEnabled(true)
            .setAcceptedClientCa(ByteString.copyFromUtf8(java.util.Base64.getEncoder().encodeToString(
                ca.getBytes(StandardCharsets.US_ASCII))))
            .addCertificateFilters(CertificateFilterSpec.newBuilder().setCommonName("worker-*")))).build());
    ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(spec("orders")).build());
    ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(spec("billing")).build());
    nsAdmin = f.user("admin@example.com", AccountRole.DEVELOPER, Map.of("payments", NamespacePermission.ADMIN));
    dev = f.user("dev@example.com", AccountRole.DEVELOPER, Map.of("payments", NamespacePermission.WRITE));
    groupId = ops.createUserGroup(CreateUserGroupRequest.newBuilder().setSpec(UserGroupSpec.newBuilder()
        .setDisplayName("oncall").setAccess(io.temporal.api.cloud.identity.v1.Access.newBuilder()
            .setAccountAccess(AccountAccess.newBuilder().setRole(AccountAccess.Role.ROLE_READ))
            .putNamespaceAccesses("orders", NamespaceAccess.newBuilder()
                .setPermission(NamespaceAccess.Permission.PERMISSION_ADMIN).build()))).build()).getGroupId();
    ops.addUserGroupMember(AddUserGroupMemberRequest.newBuilder().setGroupId(groupId)
        .setMemberId(UserGroupMemberId.newBuilder().setUserId(dev.id())).build());
    // A namespace-scoped service account on a namespace nobody administers: no owner.
    billingWorkerId = f.store.serviceAccounts().create(new ServiceAccount(CloudOps.newId(), "billing-worker", "",
        null, "billing", NamespacePermission.WRITE, null)).id();
    billingKeyId = ops.createApiKey(key(billingWorkerId, OwnerType.OWNER_TYPE_SERVICE_ACCOUNT, Duration.ofDays(200)))
        .getKeyId();
    soonKeyId = ops.createApiKey(key(owner.id(), OwnerType.OWNER_TYPE_USER, Duration.ofDays(110))).getKeyId();
    devKeyId = keysOf(dev.id()).get(0).id();
    // dev called recently (85 days on); the Namespace Admin only ever wrote on payments.
    f.store.recordApiKeyUse(devKeyId, t0.plus(Duration.ofDays(85)));
    f.store.recordAccessUse(nsAdmin.id(), "payments", NamespacePermission.WRITE, t0);
    await().atMost(Duration.ofSeconds(15)).until(() -> t0.plus(Duration.ofDays(85))
        .equals(f.store.apiKeys().get(devKeyId).orElseThrow().lastUsed())
        && f.store.accessUses().containsKey(nsAdmin.id()));
  }

  @AfterEach
  void stop() {
    f.close();
  }

  static NamespaceSpec.Builder spec(String name) {
    return NamespaceSpec.newBuilder().setName(name).setRetentionDays(7)
        .setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(true));
  }

  static CreateApiKeyRequest key(String ownerId, OwnerType type, Duration valid) {
    Instant at = Instant.now().plus(valid);
    return CreateApiKeyRequest.newBuilder().setSpec(ApiKeySpec.newBuilder().setOwnerId(ownerId).setOwnerType(type)
        .setDisplayName("k").setExpiryTime(com.google.protobuf.Timestamp.newBuilder()
            .setSeconds(at.getEpochSecond()))).build();
  }

  List<ApiKey> keysOf(String ownerId) {
    return f.store.apiKeys().list(1000, "").items().stream().filter(k -> k.ownerId().equals(ownerId)).toList();
  }

  AccessReviews reviews(ReviewPolicy policy) {
    return new AccessReviews(f.store, clock, policy, events::add, ElevatedGrantReviews.NONE);
  }

  static ReviewItem item(List<ReviewItem> items, Subject subject, String principalId, String namespace) {
    return items.stream().filter(i -> i.subject() == subject && i.principalId().equals(principalId)
        && java.util.Objects.equals(i.namespace(), namespace)).findFirst().orElseThrow(() ->
            new AssertionError("no " + subject + " item for " + principalId + " " + namespace + " in " + items));
  }

  static void refused(Runnable call, ReviewException.Reason reason, String messagePart) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(ReviewException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.getMessage()).contains(messagePart);
    });
  }

  @Test
  void campaignSnapshotsEveryGrantWithReviewersAndFindings() {
    clock.set(t0.plus(Duration.ofDays(91)));
    AccessReviews reviews = reviews(ReviewPolicy.DEFAULT);
    ReviewCampaign c = reviews.start(owner.id(), "2026-q4");
    assertThat(c.deadline()).isEqualTo(clock.instant().plus(Duration.ofDays(14)));
    List<ReviewItem> items = reviews.items(c.id());

    assertThat(item(items, Subject.USER_ACCOUNT_ROLE, owner.id(), null).granted()).isEqualTo("OWNER");
    ReviewItem devWrite = item(items, Subject.USER_NAMESPACE_PERMISSION, dev.id(), "payments");
    assertThat(devWrite.granted()).isEqualTo("WRITE");
    assertThat(devWrite.reviewerScope()).isEqualTo("namespace:payments");
    assertThat(devWrite.reviewers()).containsExactly(nsAdmin.id());
    assertThat(devWrite.findings()).isEmpty(); // dev called 6 days ago
    assertThat(item(items, Subject.GROUP_NAMESPACE_PERMISSION, groupId, "orders").reviewers())
        .containsExactly(dev.id()); // the group's member is Admin of orders through it
    assertThat(item(items, Subject.GROUP_MEMBERSHIP, groupId, null).holderId()).isEqualTo(dev.id());
    assertThat(item(items, Subject.GROUP_ACCOUNT_ROLE, groupId, null).reviewers()).containsExactly(owner.id());
    assertThat(item(items, Subject.NAMESPACE_CERTIFICATES, "payments", "payments").granted())
        .isEqualTo("mTLS on, 1 CA certificate(s), 1 filter(s)");

    // Findings: the Admin never used more than Write, and has no recorded call in 90 days.
    assertThat(item(items, Subject.USER_NAMESPACE_PERMISSION, nsAdmin.id(), "payments").findings())
        .anyMatch(s -> s.contains("no recorded call"))
        .contains("granted ADMIN, never used beyond WRITE");
    // A scoped service account on a namespace nobody administers has no owner; its never-used key is reported.
    ReviewItem worker = item(items, Subject.SERVICE_ACCOUNT_NAMESPACE_PERMISSION, billingWorkerId, "billing");
    assertThat(worker.findings()).contains("service account has no owner: no user is Admin of billing");
    assertThat(worker.reviewers()).containsExactly(owner.id()); // nobody is Admin of billing: the Owners
    ReviewItem billingKey = item(items, Subject.API_KEY, billingKeyId, null);
    assertThat(billingKey.reviewerScope()).isEqualTo("namespace:billing");
    assertThat(billingKey.findings()).anyMatch(s -> s.startsWith("API key never used"));
    // Expiring within 30 days (110 - 91 = 19); the fixture's 30-day keys have expired.
    assertThat(item(items, Subject.API_KEY, soonKeyId, null).findings())
        .anyMatch(s -> s.startsWith("API key expires within 30 days"));
    assertThat(item(items, Subject.API_KEY, devKeyId, null).findings())
        .anyMatch(s -> s.startsWith("API key expired"))
        .noneMatch(s -> s.contains("unused") || s.contains("never used"));
    assertThat(item(items, Subject.API_KEY, devKeyId, null).lastUsed()).isEqualTo(t0.plus(Duration.ofDays(85)));

    assertThat(events).anyMatch(e -> e.action().equals("review.start") && e.campaignId().equals(c.id())
        && e.actor().equals(owner.id()) && !e.refused());
    assertThat(reviews.campaign("2026-q4").id()).isEqualTo(c.id());
    assertThat(reviews.campaigns()).extracting(ReviewCampaign::id).containsExactly(c.id());
  }

  @Test
  void attestKeepAndRevokeTakeEffectAtOnce() {
    clock.set(t0.plus(Duration.ofDays(1)));
    AccessReviews reviews = reviews(ReviewPolicy.DEFAULT);
    ReviewCampaign c = reviews.start(owner.id(), null);
    List<ReviewItem> items = reviews.items(c.id());
    ReviewItem devWrite = item(items, Subject.USER_NAMESPACE_PERMISSION, dev.id(), "payments");
    long before = f.store.version();

    ReviewItem kept = reviews.attest(nsAdmin.id(), c.id(), item(items, Subject.NAMESPACE_CERTIFICATES, "payments",
        "payments").id(), true, "the worker CA");
    assertThat(kept.decision()).isEqualTo(Decision.KEEP);
    assertThat(kept.decidedBy()).isEqualTo(nsAdmin.id());
    assertThat(kept.decidedAt()).isEqualTo(clock.instant());
    assertThat(f.store.namespaces().get("payments").orElseThrow().acceptedClientCa()).isNotBlank();

    reviews.attest(nsAdmin.id(), c.id(), devWrite.id(), false, "moved teams");
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().namespaces()).doesNotContainKey("payments");
    assertThat(f.store.version()).isGreaterThan(before);

    // The Owner revokes dev's key: the next call with it is UNAUTHENTICATED (the directory follows the store).
    assertThat(f.as(dev.token()).getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance()).getUser()
        .getId()).isEqualTo(dev.id());
    reviews.attest(owner.id(), c.id(), item(items, Subject.API_KEY, devKeyId, null).id(), false, "");
    assertThat(f.store.apiKeys().get(devKeyId).orElseThrow().disabled()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> code(() -> f.as(dev.token())
        .getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance())) == Status.Code.UNAUTHENTICATED);

    // Group membership and the namespace's certificates, revoked.
    reviews.attest(owner.id(), c.id(), item(items, Subject.GROUP_MEMBERSHIP, groupId, null).id(), false, "");
    assertThat(f.store.userGroups().get(groupId).orElseThrow().memberIds()).doesNotContain(dev.id());
    reviews.attest(owner.id(), c.id(), item(items, Subject.SERVICE_ACCOUNT_NAMESPACE_PERMISSION, billingWorkerId,
        "billing").id(), false, "");
    assertThat(f.store.apiKeys().get(billingKeyId).orElseThrow().disabled()).isTrue();

    ReviewReport report = reviews.report(c.id());
    assertThat(report.tally().get(Decision.KEEP)).isEqualTo(1);
    assertThat(report.tally().get(Decision.REVOKE)).isEqualTo(4);
    assertThat(events).filteredOn(e -> e.action().equals("review.attest") && !e.refused()).hasSize(5)
        .anyMatch(e -> e.actor().equals(nsAdmin.id()) && e.itemId().equals(devWrite.id())
            && e.detail().startsWith("REVOKE USER_NAMESPACE_PERMISSION dev@example.com on payments"));
  }

  @Test
  void badInputIsRefusedChangesNothingAndIsRecorded() {
    AccessReviews reviews = reviews(ReviewPolicy.DEFAULT);
    ReviewCampaign c = reviews.start(owner.id(), null);
    List<ReviewItem> items = reviews.items(c.id());
    ReviewItem ownerRole = item(items, Subject.USER_ACCOUNT_ROLE, owner.id(), null);
    ReviewItem devWrite = item(items, Subject.USER_NAMESPACE_PERMISSION, dev.id(), "payments");
    ReviewItem ordersGroup = item(items, Subject.GROUP_NAMESPACE_PERMISSION, groupId, "orders");
    long version = f.store.version();
    int refusedBefore = 0;

    // Outside the reviewer's scope: a Namespace Admin of payments on an account role and on orders.
    refused(() -> reviews.attest(nsAdmin.id(), c.id(), ownerRole.id(), false, ""),
        ReviewException.Reason.PERMISSION_DENIED, "outside your review scope");
    refused(() -> reviews.attest(nsAdmin.id(), c.id(), ordersGroup.id(), false, ""),
        ReviewException.Reason.PERMISSION_DENIED, "outside your review scope");
    // A Developer (no authority) and their own grant through their group (dev is Admin of orders through it).
    refused(() -> reviews.attest(dev.id(), c.id(), devWrite.id(), true, ""),
        ReviewException.Reason.PERMISSION_DENIED, "outside your review scope");
    refused(() -> reviews.attest(dev.id(), c.id(), ordersGroup.id(), true, ""),
        ReviewException.Reason.PERMISSION_DENIED, "their own access");
    // The Owner attesting their own role; a service account attesting.
    refused(() -> reviews.attest(owner.id(), c.id(), ownerRole.id(), true, ""),
        ReviewException.Reason.PERMISSION_DENIED, "their own access");
    refused(() -> reviews.attest(billingWorkerId, c.id(), devWrite.id(), true, ""),
        ReviewException.Reason.PERMISSION_DENIED, "only users");
    // Unknown campaign and item; an item of another campaign.
    refused(() -> reviews.attest(owner.id(), "rc-nope", devWrite.id(), true, ""),
        ReviewException.Reason.NOT_FOUND, "review campaign 'rc-nope' not found");
    refused(() -> reviews.attest(owner.id(), c.id(), c.id() + ".99999", true, ""),
        ReviewException.Reason.NOT_FOUND, "not found in campaign");
    ReviewCampaign other = reviews.start(owner.id(), "other");
    refused(() -> reviews.attest(owner.id(), other.id(), devWrite.id(), true, ""),
        ReviewException.Reason.NOT_FOUND, "not found in campaign");
    refused(() -> reviews.start(owner.id(), "other"), ReviewException.Reason.FAILED_PRECONDITION, "exists already");
    refused(() -> reviews.start(owner.id(), "bad name\n"), ReviewException.Reason.INVALID_ARGUMENT, "campaign name");
    refused(() -> reviews.start(owner.id(), "scheduled-2026-Q1"), ReviewException.Reason.INVALID_ARGUMENT,
        "scheduler");
    assertThat(f.store.version()).isEqualTo(version + 1 + reviews.items(other.id()).size()); // only 'other' wrote
    assertThat(reviews.items(c.id())).allMatch(i -> i.decision() == Decision.PENDING);
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().namespaces())
        .containsEntry("payments", NamespacePermission.WRITE);

    // Attesting twice.
    reviews.attest(nsAdmin.id(), c.id(), devWrite.id(), true, "");
    refused(() -> reviews.attest(owner.id(), c.id(), devWrite.id(), false, ""),
        ReviewException.Reason.FAILED_PRECONDITION, "attested already (KEEP by " + nsAdmin.id());
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().namespaces()).containsKey("payments");

    // Past the deadline, before and after it closed the campaign.
    clock.advance(Duration.ofDays(15));
    refused(() -> reviews.attest(owner.id(), c.id(), ordersGroup.id(), false, ""),
        ReviewException.Reason.FAILED_PRECONDITION, "passed its deadline");
    reviews.closeDue();
    refused(() -> reviews.attest(owner.id(), c.id(), ordersGroup.id(), false, ""),
        ReviewException.Reason.FAILED_PRECONDITION, "closed at");
    assertThat(f.store.userGroups().get(groupId).orElseThrow().access().namespaces()).containsKey("orders");

    assertThat(events).filteredOn(ReviewEvent::refused).hasSizeGreaterThanOrEqualTo(refusedBefore + 14)
        .anyMatch(e -> e.actor().equals(nsAdmin.id()) && e.itemId().equals(ownerRole.id())
            && e.detail().contains("outside your review scope"))
        .anyMatch(e -> e.campaignId().equals("rc-nope"));
  }

  @Test
  void theDeadlineFlagsOrRevokesWhatNobodyAttested() {
    AccessReviews flagging = reviews(ReviewPolicy.DEFAULT);
    ReviewCampaign flagged = flagging.start(owner.id(), "flagging");
    AccessReviews revoking = reviews(ReviewPolicy.DEFAULT.withAtDeadline(ReviewCampaign.DeadlineAction.REVOKE));
    ReviewCampaign revoked = revoking.start(owner.id(), "revoking");
    ReviewItem keptKey = item(revoking.items(revoked.id()), Subject.API_KEY, soonKeyId, null);
    revoking.attest(owner.id(), revoked.id(), item(revoking.items(revoked.id()), Subject.API_KEY, devKeyId, null)
        .id(), true, "");

    clock.advance(Duration.ofDays(14).minusSeconds(1));
    assertThat(flagging.closeDue()).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(flagging.closeDue()).extracting(ReviewCampaign::id)
        .containsExactlyInAnyOrder(flagged.id(), revoked.id());
    assertThat(flagging.closeDue()).isEmpty(); // once

    // FLAG: everything unattested is flagged and kept.
    assertThat(flagging.items(flagged.id())).allMatch(i -> i.decision() == Decision.FLAGGED
        && "deadline".equals(i.decidedBy()));
    assertThat(flagging.campaign(flagged.id()).state()).isEqualTo(ReviewCampaign.State.CLOSED);
    // REVOKE (the campaign's own policy, whichever instance closes it): unattested grants are gone, kept ones stay.
    List<ReviewItem> after = revoking.items(revoked.id());
    assertThat(item(after, Subject.API_KEY, devKeyId, null).decision()).isEqualTo(Decision.KEEP);
    assertThat(f.store.apiKeys().get(devKeyId).orElseThrow().disabled()).isFalse();
    assertThat(item(after, Subject.API_KEY, keptKey.principalId(), null).decision())
        .isEqualTo(Decision.REVOKED_AT_DEADLINE);
    assertThat(f.store.apiKeys().get(soonKeyId).orElseThrow().disabled()).isTrue();
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().namespaces()).isEmpty();
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().accountRole()).isEqualTo(AccountRole.NONE);
    assertThat(f.store.namespaces().get("payments").orElseThrow().acceptedClientCa()).isEmpty();
    assertThat(events).anyMatch(e -> e.action().equals("review.close") && e.campaignId().equals(revoked.id()));
  }

  @Test
  void activeElevatedGrantsAreReviewedAndARevokeEndsThem() {
    Instant now = clock.instant();
    f.store.elevatedGrants().create(new ElevatedGrant("eg-1", dev.id(),
        f.store.apiKeys().get(devKeyId).orElseThrow().ownerType(), "payments", NamespacePermission.ADMIN, null, 3600, "incident 42", "",
        false, ElevatedGrant.State.ACTIVE, now, nsAdmin.id(), now, "ok", now,
        now.plus(Duration.ofHours(1)), null, null, null));
    AccessReviews reviews = new AccessReviews(f.store, clock, ReviewPolicy.DEFAULT, events::add,
        ElevatedGrantReviews.fromStore(f.store, clock));
    ReviewCampaign c = reviews.start(owner.id(), null);
    ReviewItem grant = item(reviews.items(c.id()), Subject.ELEVATED_GRANT, "eg-1", "payments");
    assertThat(grant.holderId()).isEqualTo(dev.id());
    assertThat(grant.reviewerScope()).isEqualTo("namespace:payments");
    refused(() -> reviews.attest(dev.id(), c.id(), grant.id(), true, ""), ReviewException.Reason.PERMISSION_DENIED,
        "");
    reviews.attest(nsAdmin.id(), c.id(), grant.id(), false, "incident over");
    assertThat(f.store.elevatedGrants().get("eg-1").orElseThrow().state())
        .isEqualTo(ElevatedGrant.State.REVOKED);
  }

  @Test
  void scheduledCampaignsStartOncePerPeriodAcrossReplicas() {
    clock.set(Instant.parse("2026-11-15T00:00:00Z"));
    AccessReviews replicaA = reviews(ReviewPolicy.DEFAULT);
    AccessReviews replicaB = reviews(ReviewPolicy.DEFAULT);
    assertThat(replicaA.startScheduled()).hasValueSatisfying(c -> {
      assertThat(c.name()).isEqualTo("scheduled-2026-Q4");
      assertThat(c.startedBy()).isEqualTo("scheduler");
    });
    assertThat(replicaB.startScheduled()).isEmpty();
    assertThat(replicaA.startScheduled()).isEmpty();
    clock.set(Instant.parse("2027-01-01T00:00:00Z"));
    assertThat(replicaB.startScheduled()).map(ReviewCampaign::name).contains("scheduled-2027-Q1");
    assertThat(replicaA.campaigns()).extracting(ReviewCampaign::name)
        .containsExactly("scheduled-2027-Q1", "scheduled-2026-Q4");
  }

  @Test
  void reportExportsAsJsonCsvAndText() throws Exception {
    AccessReviews reviews = reviews(ReviewPolicy.DEFAULT);
    ReviewCampaign c = reviews.start(owner.id(), "export");
    ReviewItem devWrite = item(reviews.items(c.id()), Subject.USER_NAMESPACE_PERMISSION, dev.id(), "payments");
    reviews.attest(nsAdmin.id(), c.id(), devWrite.id(), false, "=HYPERLINK(\"x\"), \"quoted\"\nline");
    ReviewReport report = reviews.report(c.id());

    JsonNode json = new ObjectMapper().readTree(report.json());
    assertThat(json.path("campaign").path("id").asText()).isEqualTo(c.id());
    assertThat(json.path("tally").path("REVOKE").asInt()).isEqualTo(1);
    assertThat(json.path("items").size()).isEqualTo(report.items().size());
    JsonNode row = null;
    for (JsonNode i : json.path("items")) {
      if (i.path("item").asText().equals(devWrite.id())) {
        row = i;
      }
    }
    assertThat(row).isNotNull();
    assertThat(row.path("decision").asText()).isEqualTo("REVOKE");
    assertThat(row.path("decidedBy").asText()).isEqualTo(nsAdmin.id());
    assertThat(row.path("namespace").asText()).isEqualTo("payments");

    String csv = report.csv();
    String[] lines = csv.split("\r\n", -1);
    assertThat(lines[0]).startsWith("item,subject,principal,principalId,namespace,granted");
    // The comment is quoted, its quotes doubled, and its leading '=' made text.
    assertThat(csv).contains("\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\nline\"");
    assertThat(csv).contains(devWrite.id() + ",USER_NAMESPACE_PERMISSION,dev@example.com," + dev.id()
        + ",payments,WRITE,namespace:payments," + nsAdmin.id());

    String text = report.text();
    assertThat(text).contains("Campaign " + c.id() + "  export")
        .contains(devWrite.id() + " REVOKE    user namespace permission dev@example.com: WRITE on payments")
        .contains("REVOKE by " + nsAdmin.id())
        .doesNotContain("\nline"); // control characters never reach the terminal
  }

  AccessReviewServiceGrpc.AccessReviewServiceBlockingStub reviewApi(String token) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return AccessReviewServiceGrpc.newBlockingStub(f.stubs(null).getRawChannel())
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  static void status(Runnable call, Status.Code expected, String messagePart) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(expected);
      assertThat(e.getStatus().getDescription()).contains(messagePart);
    });
  }

  @Test
  void theReviewApiOnTheControlPlaneListenerIsAuthorizedAndAudited() throws Exception {
    var asOwner = reviewApi(owner.token());
    var asAdmin = reviewApi(nsAdmin.token());
    var asDev = reviewApi(dev.token());
    var started = asOwner.startReviewCampaign(StartReviewCampaignRequest.newBuilder()
        .setName("api").build());
    String id = started.getCampaign().getId();
    assertThat(started.getItemCount()).isGreaterThan(10);
    assertThat(started.getCampaign().getState()).isEqualTo("open");
    assertThat(asOwner.listReviewCampaigns(ListReviewCampaignsRequest.getDefaultInstance())
        .getCampaignsList()).extracting(c -> c.getName()).containsExactly("api");
    status(() -> asDev.startReviewCampaign(StartReviewCampaignRequest
        .getDefaultInstance()), Status.Code.PERMISSION_DENIED, "");

    // A Namespace Admin sees the items of their namespace only; the Owner sees all.
    var get = GetReviewCampaignRequest.newBuilder().setCampaignId("api").build();
    var mine = asAdmin.getReviewCampaign(get).getItemsList();
    assertThat(mine).isNotEmpty().allMatch(i -> i.getReviewerScope().equals("namespace:payments"));
    assertThat(asOwner.getReviewCampaign(get).getItemsCount()).isEqualTo(started.getItemCount());
    var devWrite = mine.stream().filter(i -> i.getSubject().equals("USER_NAMESPACE_PERMISSION")
        && i.getPrincipalId().equals(dev.id())).findFirst().orElseThrow();

    var attested = asAdmin.attestReviewItem(AttestReviewItemRequest.newBuilder()
        .setCampaignId(id).setItemId(devWrite.getId()).setDecision("revoke").setComment("left the team").build());
    assertThat(attested.getItem().getDecision()).isEqualTo("REVOKE");
    assertThat(attested.getItem().getDecidedBy()).isEqualTo(nsAdmin.id());
    assertThat(f.store.users().get(dev.id()).orElseThrow().access().namespaces()).doesNotContainKey("payments");

    String ownerRole = asOwner.getReviewCampaign(get).getItemsList().stream()
        .filter(i -> i.getSubject().equals("USER_ACCOUNT_ROLE") && i.getPrincipalId().equals(owner.id()))
        .findFirst().orElseThrow().getId();
    var attest = AttestReviewItemRequest.newBuilder().setCampaignId(id);
    status(() -> asAdmin.attestReviewItem(attest.clone().setItemId(ownerRole).setDecision("revoke").build()),
        Status.Code.PERMISSION_DENIED, "outside your review scope");
    status(() -> asAdmin.attestReviewItem(attest.clone().setItemId(devWrite.getId()).setDecision("keep").build()),
        Status.Code.FAILED_PRECONDITION, "attested already");
    status(() -> asAdmin.attestReviewItem(attest.clone().setCampaignId("rc-nope").setItemId(devWrite.getId())
        .setDecision("keep").build()), Status.Code.NOT_FOUND, "not found");
    status(() -> asAdmin.attestReviewItem(attest.clone().setItemId(devWrite.getId()).setDecision("maybe").build()),
        Status.Code.INVALID_ARGUMENT, "keep or revoke");
    status(() -> asOwner.getReviewReport(GetReviewReportRequest.newBuilder()
        .setCampaignId(id).setFormat("xml").build()), Status.Code.INVALID_ARGUMENT, "json, csv or text");
    status(() -> reviewApi("tk_nope_nope").listReviewCampaigns(
        ListReviewCampaignsRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED, "");
    assertThat(f.store.users().get(owner.id()).orElseThrow().access().accountRole()).isEqualTo(AccountRole.OWNER);

    var report = GetReviewReportRequest.newBuilder().setCampaignId(id);
    var json = asOwner.getReviewReport(report.clone().setFormat("json").build());
    assertThat(json.getContentType()).isEqualTo("application/json");
    assertThat(new ObjectMapper().readTree(json.getContent()).path("tally").path("REVOKE").asInt()).isEqualTo(1);
    assertThat(asOwner.getReviewReport(report.clone().setFormat("csv").build()).getContent())
        .startsWith("item,subject,");
    assertThat(asAdmin.getReviewReport(report.build()).getContent()).contains("Campaign " + id)
        .doesNotContain("USER_ACCOUNT_ROLE");

    // The pipeline audits every review call: who attested what, and the refusals.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      List<JsonNode> records = f.auditRecords();
      assertThat(records).anyMatch(r -> r.path("operation").asText().equals("AttestReviewItem")
          && r.path("principal").path("id").asText().equals(nsAdmin.id()) && r.path("status").asText().equals("OK"));
      assertThat(records).anyMatch(r -> r.path("operation").asText().equals("AttestReviewItem")
          && r.path("status").asText().equals("PERMISSION_DENIED"));
      assertThat(records).anyMatch(r -> r.path("operation").asText().equals("StartReviewCampaign")
          && r.path("principal").path("id").asText().equals(dev.id())
          && r.path("raw_details").path("decision").asText().equals("deny"));
    });
  }

  static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
