package dev.gatehouse.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.StoreClaims;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Review events become audit records of their own. */
class ReviewAuditTest {
  @Test
  void anAttestationAndARefusalAreRecordedWithTheActorAndTheStory() {
    List<AuditEvent> records = new CopyOnWriteArrayList<>();
    AuditLog log = new AuditLog() {
      @Override
      public CompletionStage<Void> decided(AuditEvent call) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public void completed(AuditEvent call) {
        records.add(call);
      }
    };
    ReviewAudit audit = new ReviewAudit(log, Clock.systemUTC());
    Instant at = Instant.parse("2026-12-02T10:00:00Z");
    audit.accept(new ReviewEvent(at, "u-admin", "review.attest", "rc-1", "rc-1.00004", false,
        "REVOKE USER_NAMESPACE_PERMISSION dev@example.com on payments: permission on payments removed"));
    audit.accept(new ReviewEvent(at, "u-dev", "review.attest", "rc-1", "rc-1.00001", true,
        "item rc-1.00001 is outside your review scope"));
    assertThat(records).hasSize(2);
    AuditEvent kept = records.get(0);
    assertThat(kept.operation()).isEqualTo("ReviewCampaign.review.attest");
    assertThat(kept.claims().extensions()).containsEntry(StoreClaims.PRINCIPAL_ID, "u-admin");
    assertThat(kept.access().allowed()).isTrue();
    assertThat(kept.access().reason()).contains("rc-1.00004", "permission on payments removed");
    assertThat(kept.status()).isEqualTo("OK");
    AuditEvent refused = records.get(1);
    assertThat(refused.access().allowed()).isFalse();
    assertThat(refused.status()).isEqualTo("REFUSED");
    assertThat(refused.callId()).isNotEqualTo(kept.callId());
  }
}
