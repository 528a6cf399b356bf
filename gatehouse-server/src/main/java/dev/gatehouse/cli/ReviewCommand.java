package dev.gatehouse.cli;

import com.google.protobuf.Timestamp;
import dev.gatehouse.api.access.v1.AccessReviewServiceGrpc;
import dev.gatehouse.api.access.v1.AttestReviewItemRequest;
import dev.gatehouse.api.access.v1.GetReviewReportRequest;
import dev.gatehouse.api.access.v1.ListReviewCampaignsRequest;
import dev.gatehouse.api.access.v1.ReviewCampaign;
import dev.gatehouse.api.access.v1.ReviewItem;
import dev.gatehouse.api.access.v1.StartReviewCampaignRequest;
import dev.gatehouse.api.access.v1.StartReviewCampaignResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gatehouse access review start|list|show|attest|report}: access review campaigns. */
@Command(name = "review", mixinStandardHelpOptions = true, description = "Access review campaigns.",
    subcommands = {ReviewCommand.Start.class, ReviewCommand.ListAll.class, ReviewCommand.Show.class,
        ReviewCommand.Attest.class, ReviewCommand.Report.class})
final class ReviewCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** One review subcommand: connects, calls, prints; a refused call is one line on stderr and exit code 1. */
  abstract static class Leaf implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      ManagedChannel channel = AccessCommand.of(spec).connect();
      try {
        AccessReviewServiceGrpc.AccessReviewServiceBlockingStub api = AccessReviewServiceGrpc
            .newBlockingStub(channel)
            .withDeadlineAfter(60, TimeUnit.SECONDS);
        PrintWriter out = spec.commandLine().getOut();
        run(api, out);
        out.flush();
        return 0;
      } catch (StatusRuntimeException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("gatehouse access review: " + e.getStatus().getCode() + ": "
            + (e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription()));
        err.flush();
        return 1;
      } finally {
        channel.shutdownNow();
      }
    }

    abstract void run(AccessReviewServiceGrpc.AccessReviewServiceBlockingStub api, PrintWriter out)
        throws Exception;
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start a campaign now: a snapshot of every grant (Owners and Global Admins).")
  static final class Start extends Leaf {
    @Option(names = "--name", description = "A unique name, e.g. 2026-q4; default review-<id>.")
    String name;

    @Override
    void run(AccessReviewServiceGrpc.AccessReviewServiceBlockingStub api, PrintWriter out) {
      StartReviewCampaignResponse r = api.startReviewCampaign(StartReviewCampaignRequest.newBuilder()
          .setName(name == null ? "" : name).build());
      out.printf("started %s '%s': %d items, deadline %s (%s unreviewed items)%n", r.getCampaign().getId(),
          r.getCampaign().getName(), r.getItemCount(), instant(r.getCampaign().getDeadline()),
          r.getCampaign().getAtDeadline());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List campaigns, newest first.")
  static final class ListAll extends Leaf {
    @Override
    void run(AccessReviewServiceGrpc.AccessReviewServiceBlockingStub api, PrintWriter out) {
      out.printf("%-12s %-24s %-7s %-22s %-22s %s%n", "ID", "NAME", "STATE", "STARTED", "DEADLINE", "AT DEADLINE");
      for (ReviewCampaign c : api.listReviewCampaigns(ListReviewCampaignsRequest.getDefaultInstance())
          .getCampaignsList()) {
        out.printf("%-12s %-24s %-7s %-22s %-22s %s%n", c.getId(), c.getName(), c.getState(),
            instant(c.getStartTime()), instant(c.getDeadline()), c.getAtDeadline());
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "A campaign and the items you may attest, with their findings.")
  static final class Show extends Leaf {
    @Parameters(index = "0", description = "The campaign's id or name.")
    String campaign;

    @Override
    void run(AccessReviewServiceGrpc.AccessReviewServiceBlockingStub api, PrintWriter out) {
      out.print(api.getReviewReport(GetReviewReportRequest.newBuilder().setCampaignId(campaign).setFormat("text")
          .build()).getContent());
    }
  }

  @Command(name = "attest", mixinStandardHelpOptions = true,
      description = "Keep or revoke an item; a revoke takes effect at once.")
  static final class Attest extends Leaf {
    @Parameters(index = "0", description = "The campaign's id or name.")
    String campaign;

    @Parameters(index = "1", description = "The item's id, e.g. rc-1a2b3c4d.00007.")
    String item;

    @Parameters(index = "2", description = "keep or revoke.")
    String decision;

    @Option(names = "--comment", description = "Why (kept in the campaign's report).")
    String comment;

    @Override
    void run(AccessReviewServiceGrpc.AccessReviewServiceBlockingStub api, PrintWriter out) {
      ReviewItem i = api.attestReviewItem(AttestReviewItemRequest.newBuilder().setCampaignId(campaign)
          .setItemId(item).setDecision(decision).setComment(comment == null ? "" : comment).build()).getItem();
      out.printf("%s %s: %s %s%s%n", i.getId(), i.getDecision(), i.getSubject(), i.getPrincipalName(),
          i.getNamespace().isEmpty() ? "" : " on " + i.getNamespace());
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "The campaign's report as text (default), json or csv.")
  static final class Report extends Leaf {
    @Parameters(index = "0", description = "The campaign's id or name.")
    String campaign;

    @Option(names = "--format", defaultValue = "text", description = "text (default), json or csv.")
    String format;

    @Option(names = "--out", description = "Write the report to this file instead of the terminal.")
    Path file;

    @Override
    void run(AccessReviewServiceGrpc.AccessReviewServiceBlockingStub api, PrintWriter out) throws Exception {
      String content = api.getReviewReport(GetReviewReportRequest.newBuilder().setCampaignId(campaign)
          .setFormat(format).build()).getContent();
      if (file != null) {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        out.println("wrote " + file);
      } else {
        out.print(content);
      }
    }
  }

  private static String instant(Timestamp t) {
    return t.getSeconds() == 0 && t.getNanos() == 0 ? "" : Instant.ofEpochSecond(t.getSeconds()).toString();
  }
}
