package dev.gatehouse.bench.load;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What one round measured for one target.
 *
 * @param target {@code direct}, {@code gateway} or {@code nginx}
 * @param round 1-based
 * @param p50Micros sequential calls, median latency
 * @param p99Micros sequential calls, 99th percentile latency
 * @param callsPerSecond concurrent phase throughput
 * @param proxySeqCpuMicros the proxy's CPU per sequential call (NaN for direct)
 * @param proxyConcCpuMicros the proxy's CPU per concurrent call (NaN for direct)
 * @param upstreamSeqCpuMicros the upstream's CPU per sequential call
 * @param upstreamConcCpuMicros the upstream's CPU per concurrent call
 * @param clientSeqCpuMicros the client's (this harness') CPU per sequential call
 * @param clientConcCpuMicros the client's CPU per concurrent call
 * @param proxySeqSwitches the proxy's context switches per sequential call (NaN for direct)
 * @param upstreamSeqSwitches the upstream's context switches per sequential call
 * @param clientSeqSwitches the client's context switches per sequential call
 * @param errors calls that failed in either phase
 */
record Measurement(
    String target,
    int round,
    double p50Micros,
    double p99Micros,
    double callsPerSecond,
    double proxySeqCpuMicros,
    double proxyConcCpuMicros,
    double upstreamSeqCpuMicros,
    double upstreamConcCpuMicros,
    double clientSeqCpuMicros,
    double clientConcCpuMicros,
    double proxySeqSwitches,
    double upstreamSeqSwitches,
    double clientSeqSwitches,
    long errors) {

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
