package dev.gatehouse.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether the yardstick holds: reads the summary tables of two load-harness reports of the same command, run back to
 * back, and prints every ratio of each (the report's "× direct" columns, and each gateway's CPU, system CPU and
 * added latency against nginx's when nginx ran) side by side with their difference. A ratio that moves more than
 * the tolerance (default ±10 %) between the runs is flagged, and the exit status is 1.
 *
 * <p>Usage: {@code RunAgreement <report-1.md> <report-2.md> [tolerance-percent]}.
 */
public final class RunAgreement {
  private static final String NGINX = "nginx";

  private RunAgreement() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: RunAgreement <report-1.md> <report-2.md> [tolerance-percent]");
      System.exit(2);
    }
    double tolerance = args.length == 3 ? Double.parseDouble(args[2]) / 100 : 0.10;
    Map<String, Double> first = ratios(summary(Path.of(args[0])));
    Map<String, Double> second = ratios(summary(Path.of(args[1])));
    System.out.println("| ratio | run 1 | run 2 | run 2 ÷ run 1 | within ±" + Math.round(tolerance * 100) + " % |");
    System.out.println("|---|---:|---:|---:|---|");
    int outside = 0;
    int compared = 0;
    for (Map.Entry<String, Double> e : first.entrySet()) {
      Double other = second.get(e.getKey());
      if (other == null) {
        continue;
      }
      compared++;
      double change = e.getValue() == 0 ? 0 : other / e.getValue();
      boolean within = Math.abs(change - 1) <= tolerance;
      if (!within) {
        outside++;
      }
      System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.3f | %s |%n", e.getKey(), e.getValue(), other, change,
          within ? "yes" : "**no**");
    }
    System.out.printf(Locale.ROOT, "%n%d of %d ratios agree within ±%d %%.%n", compared - outside, compared,
        Math.round(tolerance * 100));
    System.exit(outside == 0 && compared > 0 ? 0 : 1);
  }

  /** The report's first table: its header cells and each row's cells, by target name. */
  record Summary(List<String> header, Map<String, List<String>> rows) {}

  static Summary summary(Path report) throws IOException {
    List<String> lines = Files.readAllLines(report);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("| target | p50")) {
        List<String> header = cells(lines.get(i));
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (int j = i + 2; j < lines.size() && lines.get(j).startsWith("|"); j++) {
          List<String> row = cells(lines.get(j));
          rows.put(row.get(0), row);
        }
        return new Summary(header, rows);
      }
    }
    throw new IOException(report + " has no load-harness summary table");
  }

  /**
   * Every ratio of one report, by name: each "×" column of each target (a "seq / conc" cell gives two), and for
   * each proxied target when nginx ran, its proxy CPU, system CPU and added p50 ÷ nginx's.
   */
  static Map<String, Double> ratios(Summary s) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> row : s.rows().entrySet()) {
      for (int c = 1; c < s.header().size() && c < row.getValue().size(); c++) {
        String column = s.header().get(c);
        if (column.contains("×")) {
          put(out, row.getKey() + ": " + column, row.getValue().get(c));
        }
      }
    }
    String nginx = s.rows().keySet().stream().filter(t -> t.startsWith(NGINX)).findFirst().orElse(null);
    if (nginx == null) {
      return out;
    }
    List<String> reference = s.rows().get(nginx);
    for (Map.Entry<String, List<String>> row : s.rows().entrySet()) {
      if (row.getKey().equals(nginx) || row.getKey().equals("direct")) {
        continue;
      }
      for (int c = 1; c < s.header().size(); c++) {
        String column = s.header().get(c);
        boolean compared = column.startsWith("proxy CPU") || column.startsWith("added p50")
            || (column.startsWith("system CPU") && column.contains("µs"));
        if (!compared) {
          continue;
        }
        double[] mine = numbers(row.getValue().get(c));
        double[] theirs = numbers(reference.get(c));
        String[] parts = column.contains("seq / conc") ? new String[] {" seq", " conc"} : new String[] {""};
        for (int k = 0; k < Math.min(mine.length, theirs.length) && k < parts.length; k++) {
          if (!Double.isNaN(mine[k]) && !Double.isNaN(theirs[k]) && theirs[k] != 0) {
            out.put(row.getKey() + ": " + column.replace(" seq / conc", "") + parts[k] + " ÷ nginx",
                mine[k] / theirs[k]);
          }
        }
      }
    }
    return out;
  }

  private static void put(Map<String, Double> out, String name, String cell) {
    double[] values = numbers(cell);
    if (values.length == 1) {
      if (!Double.isNaN(values[0])) {
        out.put(name, values[0]);
      }
      return;
    }
    String[] parts = {" (seq)", " (conc)"};
    for (int k = 0; k < values.length && k < parts.length; k++) {
      if (!Double.isNaN(values[k])) {
        out.put(name + parts[k], values[k]);
      }
    }
  }

  /** The numbers of a cell: {@code 1.04 / 1.15}, {@code +280}, {@code -} (not a number). */
  static double[] numbers(String cell) {
    String[] parts = cell.split("/");
    double[] out = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].replace("*", "").replace("+", "").trim();
      try {
        out[i] = Double.parseDouble(p);
      } catch (NumberFormatException e) {
        out[i] = Double.NaN;
      }
    }
    return out;
  }

  private static List<String> cells(String line) {
    String[] raw = line.split("\\|");
    List<String> out = new ArrayList<>();
    for (int i = 1; i < raw.length; i++) {
      out.add(raw[i].trim());
    }
    return out;
  }
}
