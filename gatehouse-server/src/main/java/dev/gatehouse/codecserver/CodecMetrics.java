package dev.gatehouse.codecserver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code gatehouse.codec.requests} (tags {@code route}: encode, decode, preflight, other; {@code status}: the HTTP
 * status), {@code gatehouse.codec.payloads} (tag {@code route}: payloads encoded or decoded) and
 * {@code gatehouse.codec.request.latency} (tag {@code route}). Tags never carry a namespace, a caller or data.
 */
final class CodecMetrics {
  static final String PREFLIGHT = "preflight";
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> payloads = new ConcurrentHashMap<>();
  private final Map<String, Timer> latency = new ConcurrentHashMap<>();

  CodecMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void request(String route, int status, long startNanos) {
    requests.computeIfAbsent(route + ' ' + status, k -> Counter.builder("gatehouse.codec.requests")
        .description("Codec server requests by route and HTTP status")
        .tag("route", route).tag("status", Integer.toString(status))
        .register(registry)).increment();
    latency.computeIfAbsent(route, r -> Timer.builder("gatehouse.codec.request.latency")
        .description("Codec server request handling time, from headers read to response written")
        .tag("route", r)
        .register(registry)).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void payloads(String route, int count) {
    payloads.computeIfAbsent(route, r -> Counter.builder("gatehouse.codec.payloads")
        .description("Payloads encoded or decoded by the codec server")
        .tag("route", r)
        .register(registry)).increment(count);
  }
}
