package dev.gatehouse.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The run's figures as Markdown: the summary table (medians of the round figures; differences and ratios against
 * direct are taken within each round, then the median), the targets, and every round's raw figures.
 */
final class Report {
  static final String DIRECT = "direct";
  static final String GATEWAY_MTLS = "gateway (mtls)";
  static final String GATEWAY_JWT = "gateway (jwt)";
  static final String NGINX = "nginx";

  private final Map<String, List<Measurement>> byTarget;
  private final List<String> targets;

  /** @param byTarget every target's rounds in round order; must hold {@value #DIRECT} */
  Report(List<String> targets, Map<String, List<Measurement>> byTarget) {
    this.targets = targets;
    this.byTarget = byTarget;
  }

  List<String> targetsInOrder() {
    return targets;
  }

  double median(String target, ToDoubleFunction<Measurement> figure) {
    return Measurement.median(byTarget.get(target), figure);
  }

  /** Median over rounds of (target's figure - direct's figure) in the same round. */
  double addedMedian(String target, ToDoubleFunction<Measurement> figure) {
    return addedMedian(target, DIRECT, figure);
  }

  /** Median over rounds of (target's figure / direct's figure) in the same round. */
  double ratioMedian(String target, ToDoubleFunction<Measurement> figure) {
    return ratioMedian(target, DIRECT, figure);
  }

  /** Median over rounds of (target's figure - baseline's figure) in the same round. */
  double addedMedian(String target, String baseline, ToDoubleFunction<Measurement> figure) {
    return pairedMedian(target, baseline, figure, (t, d) -> t - d);
  }

  /** Median over rounds of (target's figure / baseline's figure) in the same round. */
  double ratioMedian(String target, String baseline, ToDoubleFunction<Measurement> figure) {
    return pairedMedian(target, baseline, figure, (t, d) -> t / d);
  }

  private double pairedMedian(String target, String baseline, ToDoubleFunction<Measurement> figure,
      java.util.function.DoubleBinaryOperator op) {
    List<Measurement> t = byTarget.get(target);
    List<Measurement> d = byTarget.get(baseline);
    double[] v = new double[Math.min(t.size(), d.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = op.applyAsDouble(figure.applyAsDouble(t.get(i)), figure.applyAsDouble(d.get(i)));
    }
    return Measurement.median(v);
  }

  String summaryTable() {
    StringBuilder b = new StringBuilder();
    b.append("| target | p50 µs | p99 µs | added p50 µs | added p99 µs | calls/s (conc) | × direct | proxy CPU µs/call seq | proxy CPU µs/call conc | upstream CPU µs/call seq | upstream CPU µs/call conc | upstream CPU × direct seq / conc | system CPU (proxy + upstream) µs/call seq / conc | system CPU × direct seq / conc | client CPU µs/call seq / conc |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String t : targets) {
      boolean direct = t.equals(DIRECT);
      b.append("| ").append(t)
          .append(" | ").append(f0(median(t, Measurement::p50Micros)))
          .append(" | ").append(f0(median(t, Measurement::p99Micros)))
          .append(" | ").append(direct ? "-" : signed(addedMedian(t, Measurement::p50Micros)))
          .append(" | ").append(direct ? "-" : signed(addedMedian(t, Measurement::p99Micros)))
          .append(" | ").append(f0(median(t, Measurement::callsPerSecond)))
          .append(" | ").append(direct ? "1.00" : f2(ratioMedian(t, Measurement::callsPerSecond)))
          .append(" | ").append(direct ? "-" : f0(median(t, Measurement::proxySeqCpuMicros)))
          .append(" | ").append(direct ? "-" : f0(median(t, Measurement::proxyConcCpuMicros)))
          .append(" | ").append(f0(median(t, Measurement::upstreamSeqCpuMicros)))
          .append(" | ").append(f0(median(t, Measurement::upstreamConcCpuMicros)))
          .append(" | ").append(direct ? "1.00 / 1.00" : f2(ratioMedian(t, Measurement::upstreamSeqCpuMicros)) + " / "
              + f2(ratioMedian(t, Measurement::upstreamConcCpuMicros)))
          .append(" | ").append(f0(median(t, Measurement::proxyPlusUpstreamSeqCpuMicros))).append(" / ")
          .append(f0(median(t, Measurement::proxyPlusUpstreamConcCpuMicros)))
          .append(" | ").append(direct ? "1.00 / 1.00"
              : f2(ratioMedian(t, Measurement::proxyPlusUpstreamSeqCpuMicros)) + " / "
                  + f2(ratioMedian(t, Measurement::proxyPlusUpstreamConcCpuMicros)))
          .append(" | ").append(f0(median(t, Measurement::clientSeqCpuMicros))).append(" / ")
          .append(f0(median(t, Measurement::clientConcCpuMicros)))
          .append(" |\n");
    }
    return b.toString();
  }

  /**
   * Every process of every target, user and system CPU per call apart, with context switches and CPU migrations per
   * call: medians over rounds of each figure. Migrations print {@code n/a} where the kernel does not expose them.
   */
  String processTable() {
    StringBuilder b = new StringBuilder();
    b.append("| target | process | user µs/call seq | sys µs/call seq | user µs/call conc"
        + " | sys µs/call conc | ctx switches/call seq / conc | CPU migrations/call seq / conc |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (String t : targets) {
      if (!t.equals(DIRECT)) {
        processRow(b, t, "proxy (" + t + ")", Measurement::proxySeq, Measurement::proxyConc);
      }
      processRow(b, t, "upstream", Measurement::upstreamSeq, Measurement::upstreamConc);
      processRow(b, t, "client", Measurement::clientSeq, Measurement::clientConc);
    }
    return b.toString();
  }

  private void processRow(StringBuilder b, String target, String process,
      Function<Measurement, Measurement.PerCall> seq, Function<Measurement, Measurement.PerCall> conc) {
    b.append("| ").append(target).append(" | ").append(process)
        .append(" | ").append(f0(median(target, m -> seq.apply(m).userMicros())))
        .append(" | ").append(f0(median(target, m -> seq.apply(m).systemMicros())))
        .append(" | ").append(f0(median(target, m -> conc.apply(m).userMicros())))
        .append(" | ").append(f0(median(target, m -> conc.apply(m).systemMicros())))
        .append(" | ").append(f1(median(target, m -> seq.apply(m).switches()))).append(" / ")
        .append(f1(median(target, m -> conc.apply(m).switches())))
        .append(" | ").append(orNa(f2(median(target, m -> seq.apply(m).migrations())))).append(" / ")
        .append(orNa(f2(median(target, m -> conc.apply(m).migrations()))))
        .append(" |\n");
  }

  /** A figure that was never measured (NaN in every round) is one the kernel does not expose here. */
  private static String orNa(String figure) {
    return figure.equals("-") ? "n/a" : figure;
  }

  /**
   * Each gateway target ({@value #GATEWAY_MTLS}, {@value #GATEWAY_JWT}) against the design's targets and against
   * nginx, one line each; with both, what JWT mapping costs over certificate mapping.
   */
  String targetChecks() {
    List<String> sections = new ArrayList<>();
    for (String gateway : List.of(GATEWAY_MTLS, GATEWAY_JWT)) {
      if (byTarget.containsKey(gateway)) {
        sections.add("**" + gateway + "**\n\n" + targetChecks(gateway));
      }
    }
    if (byTarget.containsKey(GATEWAY_MTLS) && byTarget.containsKey(GATEWAY_JWT)) {
      sections.add(jwtAgainstMtls());
    }
    return String.join("\n", sections);
  }

  private String targetChecks(String gateway) {
    List<String> lines = new ArrayList<>();
    double addedP50 = addedMedian(gateway, Measurement::p50Micros);
    double addedP99 = addedMedian(gateway, Measurement::p99Micros);
    double tput = ratioMedian(gateway, Measurement::callsPerSecond);
    double seq = median(gateway, Measurement::proxySeqCpuMicros);
    double conc = median(gateway, Measurement::proxyConcCpuMicros);
    double upSeq = ratioMedian(gateway, Measurement::upstreamSeqCpuMicros);
    double upConc = ratioMedian(gateway, Measurement::upstreamConcCpuMicros);
    lines.add(check("added p50 ≤ 100 µs", signed(addedP50) + " µs", addedP50 <= 100));
    lines.add(check("added p99 ≤ 250 µs", signed(addedP99) + " µs", addedP99 <= 250));
    lines.add(check("throughput ≥ 0.6× direct", f2(tput) + "×", tput >= 0.6));
    boolean nginx = byTarget.containsKey(NGINX);
    double nSeq = nginx ? median(NGINX, Measurement::proxySeqCpuMicros) : 120;
    double nConc = nginx ? median(NGINX, Measurement::proxyConcCpuMicros) : 55;
    String against = nginx ? "nginx's in this run" : "the reference nginx figure (nginx not run)";
    lines.add(check("gateway CPU per sequential call ≤ " + against + " (" + f0(nSeq) + " µs)", f0(seq) + " µs",
        seq <= nSeq));
    lines.add(check("gateway CPU per concurrent call ≤ " + against + " (" + f0(nConc) + " µs)", f0(conc) + " µs",
        conc <= nConc));
    lines.add(check("upstream CPU per call within 1.1× direct (seq / conc)", f2(upSeq) + "× / " + f2(upConc) + "×",
        upSeq <= 1.1 && upConc <= 1.1));
    return String.join("\n", lines) + "\n";
  }

  /** The JWT gateway against the mTLS gateway, paired within each round like the figures against direct. */
  private String jwtAgainstMtls() {
    return "**" + GATEWAY_JWT + " against " + GATEWAY_MTLS + "** (the cost of JWT mapping; paired within each round, "
        + "then the median)\n\n"
        + "- latency: p50 " + signed(addedMedian(GATEWAY_JWT, GATEWAY_MTLS, Measurement::p50Micros)) + " µs, p99 "
        + signed(addedMedian(GATEWAY_JWT, GATEWAY_MTLS, Measurement::p99Micros)) + " µs\n"
        + "- concurrent throughput: " + f2(ratioMedian(GATEWAY_JWT, GATEWAY_MTLS, Measurement::callsPerSecond))
        + "×\n"
        + "- gateway CPU per call: " + signed(addedMedian(GATEWAY_JWT, GATEWAY_MTLS, Measurement::proxySeqCpuMicros))
        + " µs sequential, " + signed(addedMedian(GATEWAY_JWT, GATEWAY_MTLS, Measurement::proxyConcCpuMicros))
        + " µs concurrent\n"
        + "- client CPU per call (sending the header): "
        + signed(addedMedian(GATEWAY_JWT, GATEWAY_MTLS, Measurement::clientSeqCpuMicros)) + " µs sequential, "
        + signed(addedMedian(GATEWAY_JWT, GATEWAY_MTLS, Measurement::clientConcCpuMicros)) + " µs concurrent\n";
  }

  private static String check(String target, String measured, boolean met) {
    return "- " + (met ? "met" : "**missed**") + ": " + target + " — measured " + measured;
  }

  String roundsTable() {
    StringBuilder b = new StringBuilder();
    b.append("| round | target | p50 µs | p99 µs | calls/s | proxy CPU µs seq / conc | upstream CPU µs seq / conc | system CPU µs seq / conc | client CPU µs seq / conc | ctx switches/call seq: proxy / upstream / client | errors |\n");
    b.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    int rounds = byTarget.get(DIRECT).size();
    for (int r = 0; r < rounds; r++) {
      for (String t : targets) {
        List<Measurement> ms = byTarget.get(t);
        if (r >= ms.size()) {
          continue;
        }
        Measurement m = ms.get(r);
        b.append("| ").append(m.round()).append(" | ").append(t)
            .append(" | ").append(f0(m.p50Micros()))
            .append(" | ").append(f0(m.p99Micros()))
            .append(" | ").append(f0(m.callsPerSecond()))
            .append(" | ").append(f0(m.proxySeqCpuMicros())).append(" / ").append(f0(m.proxyConcCpuMicros()))
            .append(" | ").append(f0(m.upstreamSeqCpuMicros())).append(" / ").append(f0(m.upstreamConcCpuMicros()))
            .append(" | ").append(f0(m.proxyPlusUpstreamSeqCpuMicros())).append(" / ")
            .append(f0(m.proxyPlusUpstreamConcCpuMicros()))
            .append(" | ").append(f0(m.clientSeqCpuMicros())).append(" / ").append(f0(m.clientConcCpuMicros()))
            .append(" | ").append(f1(m.proxySeqSwitches())).append(" / ").append(f1(m.upstreamSeqSwitches()))
            .append(" / ").append(f1(m.clientSeqSwitches()))
            .append(" | ").append(m.errors())
            .append(" |\n");
      }
    }
    return b.toString();
  }

  static String f0(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.0f", d);
  }

  static String f1(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f", d);
  }

  static String f2(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.2f", d);
  }

  static String signed(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%+.0f", d);
  }
}
