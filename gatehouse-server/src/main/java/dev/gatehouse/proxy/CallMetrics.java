package dev.gatehouse.proxy;

import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallObserver;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data plane's end-of-call metrics: calls by method and status, and a latency histogram per method. Meters are
 * looked up by the catalog's dense method index so the hot path never builds tags or hashes strings.
 */
final class CallMetrics implements CallObserver {
  private static final int CODES = Status.Code.values().length;

  private final MeterRegistry registry;
  private final List<ApiMethod> methods;
  private final Timer[] latency;
  private final AtomicReferenceArray<Counter> calls;

  CallMetrics(MeterRegistry registry, List<ApiMethod> methods) {
    this.registry = registry;
    this.methods = methods;
    this.latency = new Timer[methods.size()];
    for (ApiMethod m : methods) {
      latency[m.index()] =
          Timer.builder("gatehouse.call.latency")
              .description("Time from the call's arrival to its close, through the gateway")
              .tag("method", m.methodName())
              .publishPercentileHistogram()
              .register(registry);
    }
    this.calls = new AtomicReferenceArray<>(methods.size() * CODES);
  }

  @Override
  public void onClose(CallContext call) {
    int index = call.method().index();
    latency[index].record(call.latencyNanos(), TimeUnit.NANOSECONDS);
    int slot = index * CODES + call.status().getCode().ordinal();
    Counter counter = calls.get(slot);
    if (counter == null) {
      counter =
          Counter.builder("gatehouse.calls")
              .description("Calls through the gateway by method and gRPC status")
              .tag("method", methods.get(index).methodName())
              .tag("status", call.status().getCode().name())
              .register(registry);
      calls.set(slot, counter);
    }
    counter.increment();
  }
}
