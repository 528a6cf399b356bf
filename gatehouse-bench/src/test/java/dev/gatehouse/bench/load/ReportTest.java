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
    return new Measurement(target, round, p50, p99, tput, proxyCpu, proxyCpu, upstreamCpu, upstreamCpu, 10, 10,
        Double.NaN, 1, 1, 0);
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
