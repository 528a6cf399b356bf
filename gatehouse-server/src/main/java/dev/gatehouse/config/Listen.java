package dev.gatehouse.config;

import java.time.Duration;

/**
 * Where Gatehouse listens.
 *
 * @param grpcAddress the data plane, {@code host:port} ({@code :0} picks a free port)
 * @param httpAddress health and Prometheus metrics, plain HTTP, {@code host:port}; {@code null} disables it
 * @param shutdownGracePeriod how long shutdown waits for in-flight calls to drain
 */
public record Listen(String grpcAddress, String httpAddress, Duration shutdownGracePeriod) {
  public static final Listen DEFAULT = new Listen(null, null, null);

  public Listen {
    grpcAddress = grpcAddress == null || grpcAddress.isBlank() ? "127.0.0.1:7233" : grpcAddress;
    httpAddress = httpAddress == null || httpAddress.isBlank() ? null : httpAddress;
    shutdownGracePeriod = shutdownGracePeriod == null ? Duration.ofSeconds(30) : shutdownGracePeriod;
  }
}
