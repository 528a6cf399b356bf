package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static Measurement m(String target, int round, double p50, double p99, double tput, double proxyCpu,
      double upstreamCpu) {
    // CPU split 3:1 between user and system; proxy NaN (direct) stays NaN.
    Measurement.PerCall proxy = new Measurement.PerCall(proxyCpu * 0.75, proxyCpu * 0.25, 1, Double.NaN);
    Measurement.PerCall upstream = new Measurement.PerCall(upstreamCpu * 0.75, upstreamCpu * 0.25, 1, Double.NaN);
    Measurement.PerCall client = new Measurement.PerCall(7.5, 2.5, 1, Double.NaN);
    return new Measurement(target, round, p50, p99, tput, proxy, proxy, upstream, upstream, client, client, 0);
  }

  @Test
  void perCallSpreadsAPhaseUsageAndKeepsUnknownMigrationsUnknown() {
    Measurement.PerCall known = Measurement.PerCall.of(new ProcessCpu.Usage(3000, 1000, 50, 5), 100);
    assertThat(known).isEqualTo(new Measurement.PerCall(30, 10, 0.5, 0.05));
    assertThat(known.cpuMicros()).isEqualTo(40);
    assertThat(Measurement.PerCall.of(new ProcessCpu.Usage(3000, 1000, 50, -1), 100).migrations()).isNaN();
  }

  @Test
  void systemCpuIsProxyPlusUpstreamAndForDirectTheUpstreamAlone() {
    Map<String, List<Measurement>> rounds = new LinkedHashMap<>();
    // Direct's upstream 40 then 60 µs; the gateway costs 30 µs itself and the upstream 44 then 66 µs.
    rounds.put(Report.DIRECT, List.of(m("direct", 1, 100, 200, 1000, Double.NaN, 40),
        m("direct", 2, 100, 200, 1000, Double.NaN, 60)));
    rounds.put(Report.GATEWAY_MTLS, List.of(m(Report.GATEWAY_MTLS, 1, 150, 260, 500, 30, 44),
        m(Report.GATEWAY_MTLS, 2, 150, 260, 500, 30, 66)));
    Report report = new Report(List.of(Report.DIRECT, Report.GATEWAY_MTLS), rounds);

    assertThat(rounds.get(Report.DIRECT).get(0).proxyPlusUpstreamSeqCpuMicros()).isEqualTo(40);
    assertThat(rounds.get(Report.GATEWAY_MTLS).get(0).proxyPlusUpstreamConcCpuMicros()).isEqualTo(74);
    // Ratios paired per round: 74/40 = 1.85 and 96/60 = 1.6, median 1.725.
    assertThat(report.ratioMedian(Report.GATEWAY_MTLS, Measurement::proxyPlusUpstreamSeqCpuMicros))
        .isCloseTo(1.725, within(1e-9));
    assertThat(report.summaryTable())
        .contains("| system CPU (proxy + upstream) µs/call seq / conc | system CPU × direct seq / conc |")
        .contains("| 1.00 / 1.00 | 50 / 50 | 1.00 / 1.00 | 10 / 10 |")
        .contains("| 85 / 85 | 1.73 / 1.73 | 10 / 10 |");
    assertThat(report.roundsTable()).contains("| 1 | gateway (mtls) | 150 | 260 | 500 | 30 / 30 | 44 / 44 | 74 / 74 | 10 / 10 |");
  }

  @Test
  void theProcessTableHasEveryProcessOfEveryTargetWithUserAndSystemApart() {
    Map<String, List<Measurement>> rounds = new LinkedHashMap<>();
    Measurement.PerCall proxySeq = new Measurement.PerCall(90, 30, 4.5, 0.25);
    Measurement.PerCall proxyConc = new Measurement.PerCall(30, 10, 0.5, 0.01);
    Measurement.PerCall upstreamSeq = new Measurement.PerCall(40, 20, 3, Double.NaN);
    Measurement.PerCall upstreamConc = new Measurement.PerCall(20, 10, 1, Double.NaN);
    Measurement.PerCall client = new Measurement.PerCall(100, 50, 2, 1);
    rounds.put(Report.DIRECT, List.of(new Measurement(Report.DIRECT, 1, 100, 200, 1000, Measurement.PerCall.NONE,
        Measurement.PerCall.NONE, upstreamSeq, upstreamConc, client, client, 0)));
    rounds.put(Report.NGINX, List.of(new Measurement(Report.NGINX, 1, 100, 200, 1000, proxySeq, proxyConc,
        upstreamSeq, upstreamConc, client, client, 0)));
    String table = new Report(List.of(Report.DIRECT, Report.NGINX), rounds).processTable();

    assertThat(table.lines().filter(l -> l.startsWith("| direct |"))).containsExactly(
        "| direct | upstream | 40 | 20 | 20 | 10 | 3.0 / 1.0 | n/a / n/a |",
        "| direct | client | 100 | 50 | 100 | 50 | 2.0 / 2.0 | 1.00 / 1.00 |");
    assertThat(table.lines().filter(l -> l.startsWith("| nginx |"))).containsExactly(
        "| nginx | proxy (nginx) | 90 | 30 | 30 | 10 | 4.5 / 0.5 | 0.25 / 0.01 |",
        "| nginx | upstream | 40 | 20 | 20 | 10 | 3.0 / 1.0 | n/a / n/a |",
        "| nginx | client | 100 | 50 | 100 | 50 | 2.0 / 2.0 | 1.00 / 1.00 |");
  }

  @Test
  void percentilesAreNearestRank() {
    long[] nanos = new long[100];
    for (int i = 0; i < 100; i++) {
      nanos[i] = (i + 1) * 1000L;
    }
    assertThat(Measurement.percentileMicros(nanos, 0.50)).isEqualTo(50.0);
    assertThat(Measurement.percentileMicros(nanos, 0.99)).isEqualTo(99.0);
    assertThat(Measurement.percentileMicros(new long[] {7000}, 0.99)).isEqualTo(7.0);
  }

  @Test
  void mediansOfOddAndEvenCountsAndNothing() {
    assertThat(Measurement.median(new double[] {3, 1, 2})).isEqualTo(2.0);
    assertThat(Measurement.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(Measurement.median(new double[0])).isNaN();
  }

  @Test
  void addedLatencyAndRatiosArePairedWithinARoundBeforeTheMedian() {
    Map<String, List<Measurement>> rounds = new LinkedHashMap<>();
    // Direct drifts from round to round; the gateway adds 50 µs and keeps half the throughput in every round.
    rounds.put(Report.DIRECT, List.of(m("direct", 1, 100, 200, 1000, Double.NaN, 40),
        m("direct", 2, 300, 400, 2000, Double.NaN, 40), m("direct", 3, 500, 600, 4000, Double.NaN, 40)));
    rounds.put(Report.GATEWAY_MTLS, List.of(m(Report.GATEWAY_MTLS, 1, 150, 260, 500, 30, 44),
        m(Report.GATEWAY_MTLS, 2, 350, 460, 1000, 30, 44), m(Report.GATEWAY_MTLS, 3, 550, 660, 2000, 30, 44)));
    rounds.put(Report.NGINX, List.of(m("nginx", 1, 200, 300, 400, 60, 80),
        m("nginx", 2, 400, 500, 800, 60, 80), m("nginx", 3, 600, 700, 1600, 60, 80)));
    Report report = new Report(List.of(Report.DIRECT, Report.GATEWAY_MTLS, Report.NGINX), rounds);

    assertThat(report.addedMedian(Report.GATEWAY_MTLS, Measurement::p50Micros)).isEqualTo(50.0);
    assertThat(report.addedMedian(Report.GATEWAY_MTLS, Measurement::p99Micros)).isEqualTo(60.0);
    assertThat(report.ratioMedian(Report.GATEWAY_MTLS, Measurement::callsPerSecond)).isEqualTo(0.5);
    assertThat(report.ratioMedian(Report.GATEWAY_MTLS, Measurement::upstreamSeqCpuMicros)).isCloseTo(1.1, within(1e-9));
    assertThat(report.summaryTable())
        .contains("| gateway (mtls) | 350 | 460 | +50 | +60 | 1000 | 0.50 | 30 | 30 | 44 |");
    assertThat(report.targetChecks())
        .startsWith("**gateway (mtls)**")
        .contains("met: added p50 ≤ 100 µs")
        .contains("met: added p99 ≤ 250 µs")
        .contains("**missed**: throughput ≥ 0.6× direct — measured 0.50×")
        .contains("met: gateway CPU per sequential call ≤ nginx's in this run (60 µs)")
        .contains("met: upstream CPU per call within 1.1× direct")
        .doesNotContain("gateway (jwt)");
  }

  @Test
  void bothGatewaysGetRowsChecksAndTheJwtGatewayIsPairedWithTheMtlsOne() {
    Map<String, List<Measurement>> rounds = new LinkedHashMap<>();
    rounds.put(Report.DIRECT, List.of(m("direct", 1, 100, 200, 1000, Double.NaN, 40),
        m("direct", 2, 300, 400, 2000, Double.NaN, 40)));
    rounds.put(Report.GATEWAY_MTLS, List.of(m(Report.GATEWAY_MTLS, 1, 150, 260, 500, 30, 44),
        m(Report.GATEWAY_MTLS, 2, 350, 460, 1000, 30, 44)));
    // JWT mapping adds 20 µs at p50 and 10 µs of gateway CPU, and keeps 0.8 of the mTLS gateway's throughput.
    rounds.put(Report.GATEWAY_JWT, List.of(m(Report.GATEWAY_JWT, 1, 170, 300, 400, 40, 44),
        m(Report.GATEWAY_JWT, 2, 370, 500, 800, 40, 44)));
    Report report = new Report(List.of(Report.DIRECT, Report.GATEWAY_MTLS, Report.GATEWAY_JWT), rounds);

    assertThat(report.summaryTable())
        .contains("| gateway (mtls) | 250 | 360 | +50 | +60 | 750 | 0.50 |")
        .contains("| gateway (jwt) | 270 | 400 | +70 | +100 | 600 | 0.40 | 40 | 40 |");
    assertThat(report.addedMedian(Report.GATEWAY_JWT, Report.GATEWAY_MTLS, Measurement::p50Micros)).isEqualTo(20.0);
    assertThat(report.ratioMedian(Report.GATEWAY_JWT, Report.GATEWAY_MTLS, Measurement::callsPerSecond))
        .isCloseTo(0.8, within(1e-9));
    assertThat(report.targetChecks())
        .contains("**gateway (mtls)**", "**gateway (jwt)**")
        .contains("gateway CPU per sequential call ≤ the reference nginx figure (nginx not run) (120 µs)"
            + " — measured 40 µs")
        .contains("**gateway (jwt) against gateway (mtls)**")
        .contains("- latency: p50 +20 µs, p99 +40 µs")
        .contains("- concurrent throughput: 0.80×")
        .contains("- gateway CPU per call: +10 µs sequential, +10 µs concurrent");
    assertThat(report.roundsTable()).contains("| 2 | gateway (jwt) | 370 | 500 | 800 |");
  }
}
