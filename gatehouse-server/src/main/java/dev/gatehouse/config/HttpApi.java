package dev.gatehouse.config;

/**
 * Temporal's HTTP API ({@code /api/v1/...}, from the {@code google.api.http} annotations) served through the same
 * pipeline as gRPC.
 *
 * @param address {@code host:port} to listen on; {@code null} disables the HTTP API
 */
public record HttpApi(String address) {
  public static final HttpApi DISABLED = new HttpApi(null);

  public boolean enabled() {
    return address != null && !address.isBlank();
  }
}
