package dev.gatehouse.config;

import java.time.Duration;

/**
 * The Temporal frontend Gatehouse forwards to. Its TLS comes from {@code global.tls.internode}.
 *
 * @param address {@code host:port} of the upstream frontend
 * @param connectTimeout how long a call waits for a connection before failing UNAVAILABLE
 */
public record Upstream(String address, Duration connectTimeout) {
  public static final Upstream DEFAULT = new Upstream(null, null);

  public Upstream {
    address = address == null || address.isBlank() ? "127.0.0.1:7234" : address;
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
  }
}
