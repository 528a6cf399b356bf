package dev.gatehouse.proxy;

import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Calls by method and status, and a latency histogram per method. Meters are looked up by dense index so the
 * hot path never builds tags or hashes strings.
 */
final class CallMetrics {
  private static final int CODES = Status.Code.values().length;

  private final MeterRegistry registry;
  private final List<ProxiedMethod> methods;
  private final Timer[] latency;
  private final AtomicReferenceArray<Counter> calls;

  CallMetrics(MeterRegistry registry, List<ProxiedMethod> methods) {
    this.registry = registry;
    this.methods = methods;
    this.latency = new Timer[methods.size()];
    for (ProxiedMethod m : methods) {
      latency[m.index()] =
          Timer.builder("gatehouse.call.latency")
              .description("Time from the call's arrival to its close, through the gateway")
              .tag("method", m.descriptor().getBareMethodName())
              .publishPercentileHistogram()
              .register(registry);
    }
    this.calls = new AtomicReferenceArray<>(methods.size() * CODES);
  }

  void record(ProxiedMethod method, Status.Code code, long elapsedNanos) {
    latency[method.index()].record(elapsedNanos, TimeUnit.NANOSECONDS);
    int slot = method.index() * CODES + code.ordinal();
    Counter counter = calls.get(slot);
    if (counter == null) {
      counter =
          Counter.builder("gatehouse.calls")
              .description("Calls through the gateway by method and gRPC status")
              .tag("method", methods.get(method.index()).descriptor().getBareMethodName())
              .tag("status", code.name())
              .register(registry);
      calls.set(slot, counter);
    }
    counter.increment();
  }
}
