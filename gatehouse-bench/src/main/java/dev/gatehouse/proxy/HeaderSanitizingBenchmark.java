package dev.gatehouse.proxy;

import io.grpc.InternalMetadata;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Header sanitizing per call: the request headers an SDK sends and the response headers and trailers an upstream
 * answers with, each parsed from wire form into {@link Metadata} as the transport does. {@code wireOnly} is the
 * baseline (the transport's own parse); the difference is Gatehouse's cost. Run with {@code -prof gc}: the
 * allocation figure ({@code gc.alloc.rate.norm}, bytes per call) does not depend on how busy the machine is.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HeaderSanitizingBenchmark {
  private static final byte[][] REQUEST = wire(
      "content-type", "application/grpc",
      "te", "trailers",
      "user-agent", "grpc-java-netty/1.76.0",
      "grpc-accept-encoding", "gzip",
      "grpc-timeout", "9999976u",
      "authorization", "Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6ImRldiJ9.eyJzdWIiOiJ3b3JrZXIifQ.c2lnbmF0dXJl",
      "client-name", "temporal-java",
      "client-version", "1.31.0",
      "supported-server-versions", ">=1.20.0 <2.0.0",
      "temporal-namespace", "payments-prod");
  private static final byte[][] RESPONSE = wire(
      "content-type", "application/grpc",
      "grpc-encoding", "identity",
      "grpc-accept-encoding", "gzip");
  private static final byte[][] TRAILERS = wire(
      "grpc-status", "0");

  private static byte[][] wire(String... pairs) {
    byte[][] out = new byte[pairs.length][];
    for (int i = 0; i < pairs.length; i++) {
      out[i] = pairs[i].getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }

  private static Metadata parse(byte[][] wire) {
    return InternalMetadata.newMetadata(wire.clone());
  }

  @Benchmark
  public int wireOnly() {
    return parse(REQUEST).hashCode() + parse(RESPONSE).hashCode() + parse(TRAILERS).hashCode();
  }

  @Benchmark
  public Object sanitizeCall() {
    Metadata request = parse(REQUEST);
    String refusal = ForwardedHeaders.sanitizeRequest(request);
    Metadata response = parse(RESPONSE);
    ForwardedHeaders.sanitizeResponse(response);
    Metadata trailers = parse(TRAILERS);
    ForwardedHeaders.sanitizeResponse(trailers);
    return refusal == null ? request : refusal;
  }
}
