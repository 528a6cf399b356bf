package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * The Temporal Web UI served by Gatehouse, with OIDC sign-in for people.
 *
 * @param address {@code host:port} to listen on; {@code null} disables the Web UI
 * @param assetsDir the folder holding a Temporal UI static build ({@code index.html} and its assets)
 * @param tls the Web UI's own server certificate; when unset, {@code global.tls.frontend.server}'s certificate
 *     and key are used (its client CAs are not: browsers sign in with OIDC)
 * @param oidc the OpenID Connect provider people sign in with; {@code null} only in dev mode (dev sign-in)
 * @param defaultNamespace the namespace the UI opens first; default {@code default}
 * @param codec the codec server the UI's browser calls to decode payloads; its endpoint defaults to Gatehouse's own
 *     codec server
 * @param sessionMaxAge how long the HttpOnly {@code refresh} cookie lives; default 8 hours
 */
public record WebUi(
    String address,
    String assetsDir,
    ServerTls tls,
    Oidc oidc,
    String defaultNamespace,
    Codec codec,
    Duration sessionMaxAge) {
  public static final WebUi DISABLED = new WebUi(null, null);

  public WebUi {
    tls = tls == null ? ServerTls.EMPTY : tls;
    defaultNamespace = defaultNamespace == null || defaultNamespace.isBlank() ? "default" : defaultNamespace;
    codec = codec == null ? Codec.DEFAULT : codec;
    sessionMaxAge = sessionMaxAge == null ? Duration.ofHours(8) : sessionMaxAge;
  }

  public WebUi(String address, String assetsDir) {
    this(address, assetsDir, null, null, null, null, null);
  }

  public boolean enabled() {
    return address != null && !address.isBlank();
  }

  /**
   * The OpenID Connect relying party: authorization code flow with PKCE (S256) against the provider found by
   * discovery at {@code issuer + "/.well-known/openid-configuration"}.
   *
   * @param issuer the provider's issuer URL, exactly as its tokens carry it in {@code iss}
   * @param clientId the client registered for the Web UI
   * @param clientSecret its secret (write {@code ${ENV_VAR}}); {@code null} for a public client (PKCE alone)
   * @param scopes scopes asked for; default {@code openid profile email offline_access}
   * @param audience the {@code audience} request parameter some providers need to issue an access token for
   *     Gatehouse (Auth0, Okta custom servers); {@code null} sends none
   * @param redirectUrl the callback registered with the provider, e.g. {@code https://temporal.example.com/auth/sso/callback}
   */
  public record Oidc(
      String issuer, String clientId, String clientSecret, List<String> scopes, String audience, String redirectUrl) {
    public Oidc {
      clientSecret = clientSecret == null || clientSecret.isBlank() ? null : clientSecret;
      scopes = scopes == null || scopes.isEmpty() ? List.of("openid", "profile", "email", "offline_access")
          : List.copyOf(scopes);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
      return "Oidc[issuer=" + issuer + ", clientId=" + clientId + ", clientSecret="
          + (clientSecret == null ? "none" : "***") + ", scopes=" + scopes + ", audience=" + audience
          + ", redirectUrl=" + redirectUrl + "]";
    }
  }

  /**
   * What the UI's {@code /api/v1/settings} says about the codec server.
   *
   * @param endpoint the codec server's base URL as the browser reaches it; default Gatehouse's own codec server
   * @param passAccessToken whether the browser sends the user's access token to it; default {@code true} (Gatehouse's
   *     codec server authorizes every decode with it)
   * @param includeCredentials whether the browser sends cookies and client certificates; default {@code false}
   */
  public record Codec(String endpoint, Boolean passAccessToken, Boolean includeCredentials) {
    public static final Codec DEFAULT = new Codec(null, null, null);

    public Codec {
      endpoint = endpoint == null || endpoint.isBlank() ? null : endpoint;
      passAccessToken = passAccessToken == null || passAccessToken;
      includeCredentials = includeCredentials != null && includeCredentials;
    }
  }
}
