package dev.gatehouse.access;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.store.ReviewCampaign;
import dev.gatehouse.store.ReviewItem;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A campaign and its items, as JSON (for tools), CSV (for spreadsheets) or text (for a terminal).
 *
 * @param campaign the campaign
 * @param items its items in order
 */
public record ReviewReport(ReviewCampaign campaign, List<ReviewItem> items) {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  static final List<String> COLUMNS = List.of("item", "subject", "principal", "principalId", "namespace",
      "granted", "reviewerScope", "reviewers", "findings", "lastUsed", "decision", "decidedBy", "decidedAt",
      "comment");

  public ReviewReport {
    items = List.copyOf(items);
  }

  /** How many items have each decision. */
  public Map<ReviewItem.Decision, Integer> tally() {
    Map<ReviewItem.Decision, Integer> out = new EnumMap<>(ReviewItem.Decision.class);
    for (ReviewItem.Decision d : ReviewItem.Decision.values()) {
      out.put(d, 0);
    }
    items.forEach(i -> out.merge(i.decision(), 1, Integer::sum));
    return out;
  }

  public String json() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode c = root.putObject("campaign");
    c.put("id", campaign.id());
    c.put("name", campaign.name());
    c.put("startedBy", campaign.startedBy());
    c.put("started", text(campaign.started()));
    c.put("deadline", text(campaign.deadline()));
    c.put("atDeadline", campaign.atDeadline().name());
    c.put("state", campaign.state().name());
    c.put("closed", text(campaign.closed()));
    ObjectNode t = root.putObject("tally");
    tally().forEach((d, n) -> t.put(d.name(), n));
    ArrayNode list = root.putArray("items");
    for (ReviewItem i : items) {
      ObjectNode o = list.addObject();
      o.put("item", i.id());
      o.put("subject", i.subject().name());
      o.put("principal", i.principalName());
      o.put("principalId", i.principalId());
      o.put("holderId", i.holderId());
      o.put("namespace", i.namespace());
      o.put("granted", i.granted());
      o.put("reviewerScope", i.reviewerScope());
      i.reviewers().forEach(o.putArray("reviewers")::add);
      i.findings().forEach(o.putArray("findings")::add);
      o.put("lastUsed", text(i.lastUsed()));
      o.put("decision", i.decision().name());
      o.put("decidedBy", i.decidedBy());
      o.put("decidedAt", text(i.decidedAt()));
      o.put("comment", i.comment());
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 4180 CSV, one row per item; cells that a spreadsheet would run as a formula are quoted as text. */
  public String csv() {
    StringBuilder out = new StringBuilder(String.join(",", COLUMNS)).append("\r\n");
    for (ReviewItem i : items) {
      List<String> row = List.of(i.id(), i.subject().name(), nz(i.principalName()), nz(i.principalId()),
          nz(i.namespace()), nz(i.granted()), i.reviewerScope(), String.join(" ", i.reviewers()),
          String.join("; ", i.findings()), text(i.lastUsed()), i.decision().name(), nz(i.decidedBy()),
          text(i.decidedAt()), i.comment());
      for (int k = 0; k < row.size(); k++) {
        if (k > 0) {
          out.append(',');
        }
        out.append(cell(row.get(k)));
      }
      out.append("\r\n");
    }
    return out.toString();
  }

  static String cell(String value) {
    String v = value;
    if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
      v = "'" + v; // CSV injection: a leading formula character is text, not a formula
    }
    if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0
        || !v.equals(value)) {
      return '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }

  /** For a terminal: a header, the tally, then one block per item, findings marked with "!". */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("Campaign ").append(campaign.id()).append("  ").append(campaign.name()).append('\n');
    out.append("  started  ").append(campaign.started()).append(" by ").append(campaign.startedBy()).append('\n');
    out.append("  deadline ").append(campaign.deadline()).append(" (").append(campaign.atDeadline())
        .append(" unreviewed items)").append('\n');
    out.append("  state    ").append(campaign.state())
        .append(campaign.closed() == null ? "" : " at " + campaign.closed()).append('\n');
    StringBuilder tally = new StringBuilder();
    tally().forEach((d, n) -> {
      if (n > 0) {
        tally.append(tally.length() == 0 ? "" : ", ").append(n).append(' ').append(d.name().toLowerCase());
      }
    });
    out.append("  items    ").append(items.size()).append(tally.length() == 0 ? "" : " (" + tally + ")")
        .append("\n\n");
    for (ReviewItem i : items) {
      out.append(String.format("%-16s %-9s %s%n", i.id(), i.decision(), describe(i)));
      out.append(String.format("%16s reviewer: %s%s%n", "", i.reviewerScope(),
          i.lastUsed() == null ? "" : ", last used " + i.lastUsed()));
      for (String f : i.findings()) {
        out.append(String.format("%16s ! %s%n", "", safe(f)));
      }
      if (i.decidedBy() != null) {
        out.append(String.format("%16s %s by %s at %s%s%n", "", i.decision(), safe(i.decidedBy()), i.decidedAt(),
            i.comment().isEmpty() ? "" : ": " + safe(i.comment())));
      }
    }
    return out.toString();
  }

  private static String describe(ReviewItem i) {
    String who = safe(nz(i.principalName()));
    return switch (i.subject()) {
      case API_KEY -> "key " + safe(i.principalId()) + " (" + who + "): " + safe(i.granted());
      case GROUP_MEMBERSHIP -> "group " + who + ": " + safe(i.granted());
      case NAMESPACE_CERTIFICATES -> "namespace " + who + " certificates: " + safe(i.granted());
      default -> i.subject().name().toLowerCase().replace('_', ' ') + " " + who + ": " + safe(i.granted())
          + (i.namespace() == null ? "" : " on " + safe(i.namespace()));
    };
  }

  /** Terminal text never carries control characters (a comment cannot move the cursor). */
  private static String safe(String s) {
    return s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String text(Instant at) {
    return at == null ? "" : at.toString();
  }
}
