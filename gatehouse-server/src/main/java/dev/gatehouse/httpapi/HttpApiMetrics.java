package dev.gatehouse.httpapi;

import dev.gatehouse.pipeline.CallContext;
import dev.gatehouse.pipeline.CallObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * HTTP API requests by method and HTTP status, with their latency: {@code gatehouse.http.requests}. Requests that
 * match no route are not counted (they name no method; a caller could make up any number of paths).
 */
final class HttpApiMetrics implements CallObserver {
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  HttpApiMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void onClose(CallContext call) {
    String method = call.method().methodName();
    int status = call.httpStatus();
    // Bounded: catalog methods times the few statuses the handler answers with.
    timers.computeIfAbsent(method + " " + status, k -> Timer.builder("gatehouse.http.requests")
        .description("HTTP API requests, from arrival to answer")
        .tag("method", method)
        .tag("status", Integer.toString(status))
        .register(registry)).record(call.latencyNanos(), TimeUnit.NANOSECONDS);
  }
}
