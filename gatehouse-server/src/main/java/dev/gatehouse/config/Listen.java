package dev.gatehouse.config;

import java.time.Duration;

/**
 * Where Gatehouse listens, and the data plane's HTTP/2 bounds per caller connection.
 *
 * @param grpcAddress the data plane, {@code host:port} ({@code :0} picks a free port)
 * @param httpAddress health and Prometheus metrics, plain HTTP, {@code host:port}; {@code null} disables it
 * @param shutdownGracePeriod how long shutdown waits for in-flight calls to drain
 * @param maxHeaderListBytes the largest header list a call may send (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE);
 *     default 64 KiB, room for large JWTs
 * @param maxConcurrentCallsPerConnection concurrent calls (HTTP/2 streams) per connection; default 1000
 * @param maxRstFramesPerWindow RST_STREAM frames a caller may send per {@code rstFramesWindow} before its connection
 *     is closed (HTTP/2 rapid reset, CVE-2023-44487); default 200
 * @param rstFramesWindow the window of {@code maxRstFramesPerWindow}, whole seconds; default 10s
 * @param tlsEngine the data plane's TLS engine: {@code boringssl} (default; the bundled BoringSSL, falling back to
 *     the JDK's where it does not load) or {@code jdk}, which also accepts Ed25519 and P-521 client certificates
 *     but answers a refused one with the alert {@code certificate_unknown}
 * @param forwarder how the data plane forwards calls: {@code grpc} (grpc-java on both legs) or {@code frames}
 *     (HTTP/2 frames relayed stream to stream, only the request message parsed); when unset, the JVM system
 *     property {@code gatehouse.forwarder}, else {@code grpc}
 */
public record Listen(
    String grpcAddress,
    String httpAddress,
    Duration shutdownGracePeriod,
    Integer maxHeaderListBytes,
    Integer maxConcurrentCallsPerConnection,
    Integer maxRstFramesPerWindow,
    Duration rstFramesWindow,
    String tlsEngine,
    String forwarder) {
  public static final int DEFAULT_MAX_HEADER_LIST_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION = 1000;
  public static final int DEFAULT_MAX_RST_FRAMES_PER_WINDOW = 200;
  public static final Duration DEFAULT_RST_FRAMES_WINDOW = Duration.ofSeconds(10);
  /** The JVM system property that supplies {@code listen.forwarder} when a config leaves it unset. */
  public static final String FORWARDER_PROPERTY = "gatehouse.forwarder";
  public static final Listen DEFAULT = new Listen(null, null, null);

  public Listen {
    grpcAddress = grpcAddress == null || grpcAddress.isBlank() ? "127.0.0.1:7233" : grpcAddress;
    httpAddress = httpAddress == null || httpAddress.isBlank() ? null : httpAddress;
    shutdownGracePeriod = shutdownGracePeriod == null ? Duration.ofSeconds(30) : shutdownGracePeriod;
    maxHeaderListBytes = maxHeaderListBytes == null ? DEFAULT_MAX_HEADER_LIST_BYTES : maxHeaderListBytes;
    maxConcurrentCallsPerConnection = maxConcurrentCallsPerConnection == null
        ? DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION : maxConcurrentCallsPerConnection;
    maxRstFramesPerWindow = maxRstFramesPerWindow == null ? DEFAULT_MAX_RST_FRAMES_PER_WINDOW : maxRstFramesPerWindow;
    rstFramesWindow = rstFramesWindow == null ? DEFAULT_RST_FRAMES_WINDOW : rstFramesWindow;
    tlsEngine = tlsEngine == null || tlsEngine.isBlank() ? "boringssl" : tlsEngine;
    // The one place the property is read: so one build's whole test suite can run again with the other forwarder
    // (-Dgatehouse.forwarder=frames) without every test spelling the key.
    forwarder = forwarder == null || forwarder.isBlank() ? System.getProperty(FORWARDER_PROPERTY, "grpc") : forwarder;
  }

  /** Without {@code forwarder} (the default applies). */
  public Listen(String grpcAddress, String httpAddress, Duration shutdownGracePeriod, Integer maxHeaderListBytes,
      Integer maxConcurrentCallsPerConnection, Integer maxRstFramesPerWindow, Duration rstFramesWindow,
      String tlsEngine) {
    this(grpcAddress, httpAddress, shutdownGracePeriod, maxHeaderListBytes, maxConcurrentCallsPerConnection,
        maxRstFramesPerWindow, rstFramesWindow, tlsEngine, null);
  }

  /** True when calls are relayed as HTTP/2 frames ({@code forwarder: frames}). */
  public boolean framesForwarder() {
    return "frames".equals(forwarder);
  }

  /** Without {@code tlsEngine} (the default applies). */
  public Listen(String grpcAddress, String httpAddress, Duration shutdownGracePeriod, Integer maxHeaderListBytes,
      Integer maxConcurrentCallsPerConnection, Integer maxRstFramesPerWindow, Duration rstFramesWindow) {
    this(grpcAddress, httpAddress, shutdownGracePeriod, maxHeaderListBytes, maxConcurrentCallsPerConnection,
        maxRstFramesPerWindow, rstFramesWindow, null, null);
  }

  /** The addresses and grace period; the HTTP/2 bounds take their defaults. */
  public Listen(String grpcAddress, String httpAddress, Duration shutdownGracePeriod) {
    this(grpcAddress, httpAddress, shutdownGracePeriod, null, null, null, null, null, null);
  }
}
