package dev.gatehouse.config;

/**
 * The Temporal Web UI served by Gatehouse, with OIDC sign-in for people.
 *
 * @param address {@code host:port} to listen on; {@code null} disables the Web UI
 * @param assetsDir the folder holding a Temporal UI static build ({@code index.html} and its assets)
 */
public record WebUi(String address, String assetsDir) {
  public static final WebUi DISABLED = new WebUi(null, null);

  public boolean enabled() {
    return address != null && !address.isBlank();
  }
}
