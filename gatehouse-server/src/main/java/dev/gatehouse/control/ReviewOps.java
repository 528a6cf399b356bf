package dev.gatehouse.control;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.gatehouse.access.AccessReviews;
import dev.gatehouse.access.ReviewException;
import dev.gatehouse.access.ReviewReport;
import dev.gatehouse.api.access.v1.AttestReviewItemRequest;
import dev.gatehouse.api.access.v1.AttestReviewItemResponse;
import dev.gatehouse.api.access.v1.GetReviewCampaignRequest;
import dev.gatehouse.api.access.v1.GetReviewCampaignResponse;
import dev.gatehouse.api.access.v1.GetReviewReportRequest;
import dev.gatehouse.api.access.v1.GetReviewReportResponse;
import dev.gatehouse.api.access.v1.ListReviewCampaignsResponse;
import dev.gatehouse.api.access.v1.StartReviewCampaignRequest;
import dev.gatehouse.api.access.v1.StartReviewCampaignResponse;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.CloudAccessPolicy;
import dev.gatehouse.store.ReviewCampaign;
import dev.gatehouse.store.ReviewItem;
import dev.gatehouse.store.StoreException;
import io.grpc.Status;
import java.time.Instant;
import java.util.Locale;

/** {@code gatehouse.access.v1.AccessReviewService} over {@link AccessReviews}: the wire mapping only. */
final class ReviewOps {
  private final AccessReviews reviews;
  private final Runnable afterChange;

  ReviewOps(AccessReviews reviews, Runnable afterChange) {
    this.reviews = reviews;
    this.afterChange = afterChange == null ? () -> { } : afterChange;
  }

  AccessReviews reviews() {
    return reviews;
  }

  Message handle(String method, Message request, Claims caller) {
    String callerId = CloudAccessPolicy.principalId(caller);
    try {
      return switch (method) {
        case "StartReviewCampaign" -> {
          ReviewCampaign c = reviews.start(callerId, ((StartReviewCampaignRequest) request).getName());
          yield StartReviewCampaignResponse.newBuilder().setCampaign(proto(c))
              .setItemCount(reviews.items(c.id()).size()).build();
        }
        case "ListReviewCampaigns" -> {
          ListReviewCampaignsResponse.Builder b = ListReviewCampaignsResponse.newBuilder();
          reviews.campaigns().forEach(c -> b.addCampaigns(proto(c)));
          yield b.build();
        }
        case "GetReviewCampaign" -> {
          ReviewCampaign c = reviews.campaign(((GetReviewCampaignRequest) request).getCampaignId());
          GetReviewCampaignResponse.Builder b = GetReviewCampaignResponse.newBuilder().setCampaign(proto(c));
          reviews.visibleItems(callerId, c.id()).forEach(i -> b.addItems(proto(i)));
          yield b.build();
        }
        case "AttestReviewItem" -> {
          AttestReviewItemRequest r = (AttestReviewItemRequest) request;
          String decision = r.getDecision().toLowerCase(Locale.ROOT);
          if (!decision.equals("keep") && !decision.equals("revoke")) {
            throw new ReviewException(ReviewException.Reason.INVALID_ARGUMENT,
                "decision must be keep or revoke");
          }
          ReviewItem item = reviews.attest(callerId, r.getCampaignId(), r.getItemId(), decision.equals("keep"),
              r.getComment());
          if (decision.equals("revoke")) {
            afterChange.run();
          }
          yield AttestReviewItemResponse.newBuilder().setItem(proto(item)).build();
        }
        case "GetReviewReport" -> {
          GetReviewReportRequest r = (GetReviewReportRequest) request;
          ReviewCampaign c = reviews.campaign(r.getCampaignId());
          ReviewReport report = new ReviewReport(c, reviews.visibleItems(callerId, c.id()));
          yield switch (r.getFormat().toLowerCase(Locale.ROOT)) {
            case "json" -> GetReviewReportResponse.newBuilder().setContent(report.json())
                .setContentType("application/json").build();
            case "csv" -> GetReviewReportResponse.newBuilder().setContent(report.csv()).setContentType("text/csv")
                .build();
            case "", "text" -> GetReviewReportResponse.newBuilder().setContent(report.text())
                .setContentType("text/plain").build();
            default -> throw new ReviewException(ReviewException.Reason.INVALID_ARGUMENT,
                "format must be json, csv or text");
          };
        }
        default -> throw new OpsException(Status.UNIMPLEMENTED.withDescription(method + " is not served"));
      };
    } catch (ReviewException e) {
      throw new OpsException(statusOf(e));
    } catch (StoreException e) {
      throw new OpsException(CloudOps.statusOf(e));
    }
  }

  static Status statusOf(ReviewException e) {
    Status s = switch (e.reason()) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
    };
    return s.withDescription(e.getMessage());
  }

  private static dev.gatehouse.api.access.v1.ReviewCampaign proto(ReviewCampaign c) {
    dev.gatehouse.api.access.v1.ReviewCampaign.Builder b = dev.gatehouse.api.access.v1.ReviewCampaign.newBuilder()
        .setId(c.id()).setName(c.name()).setStartedBy(c.startedBy()).setStartTime(ts(c.started()))
        .setDeadline(ts(c.deadline())).setAtDeadline(c.atDeadline().name().toLowerCase(Locale.ROOT))
        .setState(c.state().name().toLowerCase(Locale.ROOT));
    if (c.closed() != null) {
      b.setCloseTime(ts(c.closed()));
    }
    return b.build();
  }

  private static dev.gatehouse.api.access.v1.ReviewItem proto(ReviewItem i) {
    dev.gatehouse.api.access.v1.ReviewItem.Builder b = dev.gatehouse.api.access.v1.ReviewItem.newBuilder()
        .setId(i.id()).setSubject(i.subject().name()).setPrincipalId(nz(i.principalId()))
        .setPrincipalName(nz(i.principalName())).setHolderId(nz(i.holderId())).setNamespace(nz(i.namespace()))
        .setGranted(nz(i.granted())).setReviewerScope(i.reviewerScope()).addAllReviewers(i.reviewers())
        .addAllFindings(i.findings()).setDecision(i.decision().name()).setDecidedBy(nz(i.decidedBy()))
        .setComment(i.comment());
    if (i.lastUsed() != null) {
      b.setLastUsed(ts(i.lastUsed()));
    }
    if (i.decidedAt() != null) {
      b.setDecideTime(ts(i.decidedAt()));
    }
    return b.build();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static Timestamp ts(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
