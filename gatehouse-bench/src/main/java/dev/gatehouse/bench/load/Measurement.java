package dev.gatehouse.bench.load;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What one round measured for one target.
 *
 * @param target {@code direct}, a gateway's name or {@code nginx}
 * @param round 1-based
 * @param p50Micros sequential calls, median latency
 * @param p99Micros sequential calls, 99th percentile latency
 * @param callsPerSecond concurrent phase throughput
 * @param proxySeq the proxy per sequential call ({@link PerCall#NONE} for direct)
 * @param proxyConc the proxy per concurrent call ({@link PerCall#NONE} for direct)
 * @param upstreamSeq the upstream per sequential call
 * @param upstreamConc the upstream per concurrent call
 * @param clientSeq the client (this harness, without its children) per sequential call
 * @param clientConc the client per concurrent call
 * @param errors calls that failed in either phase
 */
record Measurement(
    String target,
    int round,
    double p50Micros,
    double p99Micros,
    double callsPerSecond,
    PerCall proxySeq,
    PerCall proxyConc,
    PerCall upstreamSeq,
    PerCall upstreamConc,
    PerCall clientSeq,
    PerCall clientConc,
    long errors) {

  /**
   * One process's use per call in one phase: NaN where not measured.
   *
   * @param migrations CPU migrations per call, NaN when the kernel does not expose them ({@code sched} unreadable)
   */
  record PerCall(double userMicros, double systemMicros, double switches, double migrations) {
    static final PerCall NONE = new PerCall(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** {@code usage} spread over {@code calls}. */
    static PerCall of(ProcessCpu.Usage usage, long calls) {
      double n = calls;
      return new PerCall(usage.userMicros() / n, usage.systemMicros() / n, usage.switches() / n,
          usage.migrationsKnown() ? usage.migrations() / n : Double.NaN);
    }

    double cpuMicros() {
      return userMicros + systemMicros;
    }
  }

  double proxySeqCpuMicros() {
    return proxySeq.cpuMicros();
  }

  double proxyConcCpuMicros() {
    return proxyConc.cpuMicros();
  }

  double upstreamSeqCpuMicros() {
    return upstreamSeq.cpuMicros();
  }

  double upstreamConcCpuMicros() {
    return upstreamConc.cpuMicros();
  }

  double clientSeqCpuMicros() {
    return clientSeq.cpuMicros();
  }

  double clientConcCpuMicros() {
    return clientConc.cpuMicros();
  }

  /**
   * The system's CPU per sequential call: proxy + upstream, what a Temporal operator pays per call (for direct, the
   * upstream alone). The client is left out: it is the caller's cost, the same with or without a proxy.
   */
  double proxyPlusUpstreamSeqCpuMicros() {
    return proxyPlusUpstream(proxySeq, upstreamSeq);
  }

  /** As {@link #proxyPlusUpstreamSeqCpuMicros} per concurrent call. */
  double proxyPlusUpstreamConcCpuMicros() {
    return proxyPlusUpstream(proxyConc, upstreamConc);
  }

  private static double proxyPlusUpstream(PerCall proxy, PerCall upstream) {
    double p = proxy.cpuMicros();
    return (Double.isNaN(p) ? 0 : p) + upstream.cpuMicros();
  }

  double proxySeqSwitches() {
    return proxySeq.switches();
  }

  double upstreamSeqSwitches() {
    return upstreamSeq.switches();
  }

  double clientSeqSwitches() {
    return clientSeq.switches();
  }

  /** Nearest-rank percentile of nanosecond samples, in microseconds. */
  static double percentileMicros(long[] sortedNanos, double p) {
    int rank = (int) Math.ceil(p * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1000.0;
  }

  /** Median of a figure across rounds; NaN when every round's figure is NaN. */
  static double median(List<Measurement> rounds, ToDoubleFunction<Measurement> figure) {
    return median(rounds.stream().mapToDouble(figure).filter(d -> !Double.isNaN(d)).toArray());
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }
}
