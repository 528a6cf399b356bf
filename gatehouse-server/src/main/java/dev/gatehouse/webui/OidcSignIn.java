package dev.gatehouse.webui;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.gatehouse.config.WebUi;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign-in with an OpenID Connect provider: the authorization code flow with PKCE (S256), state and nonce, the
 * provider found by discovery. The ID token is checked here (signature by the provider's JWKS, issuer, audience =
 * client id, expiry, nonce); the access token is then put through Gatehouse's own credential check (the configured
 * claim mapper, e.g. JWT with its JWKS and {@code global.authorization.audience}), so a sign-in succeeds only with a
 * token every API and codec call will accept.
 *
 * <p>Calls to the provider (discovery, token endpoint, JWKS) block, so they run on {@code worker}, never on a Jetty
 * thread, at most {@value #MAX_EXCHANGES} at once (the callback is reachable without credentials).
 */
final class OidcSignIn extends SignIn {
  private static final Logger log = LoggerFactory.getLogger(OidcSignIn.class);
  static final int MAX_EXCHANGES = 32;
  private static final int HTTP_TIMEOUT_MILLIS = 10_000;
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
      JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
      JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
  /** Completed sign-ins remembered so a replayed callback is refused even if the provider accepts the code twice. */
  private static final int USED_STATES = 4096;

  private final WebUi.Oidc config;
  private final Duration sessionMaxAge;
  private final Executor worker;
  private final Function<String, String> accessTokenProblem;
  private final Semaphore exchanges = new Semaphore(MAX_EXCHANGES);
  private final Map<String, Boolean> usedStates = new LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > USED_STATES;
    }
  };
  private volatile Provider provider;

  /** What discovery found, with the validator built from it. */
  private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {}

  /**
   * @param accessTokenProblem why Gatehouse would refuse this access token ({@code null}: it is accepted)
   */
  OidcSignIn(SessionCookies cookies, WebUi.Oidc config, Duration sessionMaxAge, Executor worker,
      Function<String, String> accessTokenProblem) {
    super(cookies);
    this.config = config;
    this.sessionMaxAge = sessionMaxAge;
    this.worker = worker;
    this.accessTokenProblem = accessTokenProblem;
  }

  /** A failure shown to the person signing in: status and one line, never a token or a stack. */
  static final class SignInFailure extends Exception {
    final int status;

    SignInFailure(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  @Override
  void start(Request request, Response response, Callback callback) {
    String returnPath = returnPath(Request.extractQueryParameters(request).getValue("returnUrl"));
    offload(response, callback, () -> {
      Provider p = provider();
      State state = new State();
      Nonce nonce = new Nonce();
      CodeVerifier verifier = new CodeVerifier();
      AuthenticationRequest.Builder auth = new AuthenticationRequest.Builder(ResponseType.CODE,
          new Scope(config.scopes().toArray(String[]::new)), new ClientID(config.clientId()),
          URI.create(config.redirectUrl()))
          .endpointURI(p.metadata().getAuthorizationEndpointURI())
          .state(state)
          .nonce(nonce)
          .codeChallenge(verifier, CodeChallengeMethod.S256);
      if (config.audience() != null) {
        auth.customParameter("audience", config.audience());
      }
      String pending = String.join(".", state.getValue(), nonce.getValue(), verifier.getValue(),
          Base64.getUrlEncoder().withoutPadding().encodeToString(returnPath.getBytes(StandardCharsets.UTF_8)));
      response.getHeaders().add(HttpHeader.SET_COOKIE, cookies.signIn(pending));
      redirect(response, callback, auth.build().toURI().toString());
    });
  }

  @Override
  void callback(Request request, Response response, Callback callback) {
    Fields query = Request.extractQueryParameters(request);
    response.getHeaders().add(HttpHeader.SET_COOKIE, cookies.clearSignIn());
    String error = query.getValue("error");
    if (error != null) {
      text(response, callback, 401, "sign-in refused by the identity provider: " + printable(error)
          + "; start again from the Web UI");
      return;
    }
    String pending = SessionCookies.read(request, SessionCookies.SIGN_IN);
    String[] parts = pending == null ? new String[0] : pending.split("\\.", -1);
    if (parts.length != 4) {
      text(response, callback, 400, "no sign-in in progress in this browser (it expired after "
          + SessionCookies.SIGN_IN_MAX_AGE.toMinutes() + " minutes, or started elsewhere); start again from the Web UI");
      return;
    }
    String state = query.getValue("state");
    String code = query.getValue("code");
    if (state == null || !constantTimeEquals(state, parts[0])) {
      text(response, callback, 400, "sign-in state does not match this browser's; start again from the Web UI");
      return;
    }
    if (code == null || code.isEmpty() || code.length() > 4096) {
      text(response, callback, 400, "the identity provider sent no authorization code");
      return;
    }
    synchronized (usedStates) {
      if (usedStates.putIfAbsent(state, Boolean.TRUE) != null) {
        text(response, callback, 400, "this sign-in was already completed; start again from the Web UI");
        return;
      }
    }
    String returnPath;
    try {
      returnPath = returnPath(new String(Base64.getUrlDecoder().decode(parts[3]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      returnPath = "/";
    }
    String back = returnPath;
    offload(response, callback, () -> {
      Provider p = provider();
      Tokens tokens = exchange(p, new AuthorizationCodeGrant(new AuthorizationCode(code),
          URI.create(config.redirectUrl()), new CodeVerifier(parts[2])));
      if (!(tokens instanceof com.nimbusds.openid.connect.sdk.token.OIDCTokens oidc) || oidc.getIDToken() == null) {
        throw new SignInFailure(502, "the identity provider returned no ID token (is the openid scope granted?)");
      }
      IDTokenClaimsSet claims = validate(p, oidc.getIDToken(), new Nonce(parts[1]));
      setSession(response, tokens, oidc.getIDTokenString(), claims);
      redirect(response, callback, back);
    });
  }

  /**
   * Clears the session's cookies, then ends the provider's session too when it offers RP-initiated logout (else the
   * UI, which goes straight to the provider, would sign the person in again at once).
   */
  @Override
  void logout(Request request, Response response, Callback callback) {
    cookies.clearAll().forEach(c -> response.getHeaders().add(HttpHeader.SET_COOKIE, c));
    Provider p = provider;
    URI end = p == null ? null : p.metadata().getEndSessionEndpointURI();
    if (end == null) {
      redirect(response, callback, "/");
      return;
    }
    URI home = URI.create(config.redirectUrl()).resolve("/");
    String separator = end.getRawQuery() == null ? "?" : "&";
    redirect(response, callback, end + separator + "client_id="
        + java.net.URLEncoder.encode(config.clientId(), StandardCharsets.UTF_8) + "&post_logout_redirect_uri="
        + java.net.URLEncoder.encode(home.toString(), StandardCharsets.UTF_8));
  }

  @Override
  void refresh(Request request, Response response, Callback callback) {
    String refresh = SessionCookies.read(request, SessionCookies.REFRESH);
    if (refresh == null || refresh.isEmpty()) {
      json(response, callback, 401, "{\"message\":\"no session to refresh: sign in again\"}");
      return;
    }
    offload(response, callback, () -> {
      Provider p = provider();
      Tokens tokens = exchange(p, new RefreshTokenGrant(new RefreshToken(refresh)));
      String idToken = null;
      IDTokenClaimsSet claims = null;
      if (tokens instanceof com.nimbusds.openid.connect.sdk.token.OIDCTokens oidc && oidc.getIDToken() != null) {
        // A refreshed ID token carries no nonce (OIDC Core 12.2); everything else is checked.
        claims = validate(p, oidc.getIDToken(), null);
        idToken = oidc.getIDTokenString();
      }
      setSession(response, tokens, idToken, claims);
      json(response, callback, 200, "{}");
    });
  }

  private void setSession(Response response, Tokens tokens, String idToken, IDTokenClaimsSet claims)
      throws SignInFailure {
    String accessToken = tokens.getAccessToken().getValue();
    String problem = accessTokenProblem.apply(accessToken);
    if (problem != null) {
      log.info("web UI sign-in refused: Gatehouse does not accept the provider's access token: {}", problem);
      throw new SignInFailure(401, "signed in with the identity provider, but Gatehouse does not accept its access "
          + "token (" + printable(problem) + "); ask the administrator to check webUi.oidc.audience and "
          + "global.authorization");
    }
    String name = claims == null ? null : claims.getStringClaim("name");
    String email = claims == null ? null : claims.getStringClaim("email");
    String picture = claims == null ? null : claims.getStringClaim("picture");
    List<String> set = new ArrayList<>();
    try {
      set.addAll(cookies.user(new SessionCookies.User(accessToken, idToken, name, email, picture)));
    } catch (IllegalArgumentException e) {
      throw new SignInFailure(502, e.getMessage());
    }
    RefreshToken refresh = tokens.getRefreshToken();
    if (refresh != null) {
      set.add(cookies.refresh(refresh.getValue(), sessionMaxAge));
    }
    if (claims != null) {
      set.add(cookies.sessionStart(Instant.now().getEpochSecond(), sessionMaxAge));
    }
    set.forEach(c -> response.getHeaders().add(HttpHeader.SET_COOKIE, c));
  }

  private Tokens exchange(Provider p, AuthorizationGrant grant) throws SignInFailure {
    URI endpoint = p.metadata().getTokenEndpointURI();
    ClientID client = new ClientID(config.clientId());
    TokenRequest request = config.clientSecret() == null ? new TokenRequest(endpoint, client, grant)
        : new TokenRequest(endpoint, new ClientSecretBasic(client, new Secret(config.clientSecret())), grant);
    TokenResponse answer;
    try {
      HTTPRequest http = request.toHTTPRequest();
      http.setConnectTimeout(HTTP_TIMEOUT_MILLIS);
      http.setReadTimeout(HTTP_TIMEOUT_MILLIS);
      answer = OIDCTokenResponseParser.parse(http.send());
    } catch (Exception e) {
      log.warn("web UI sign-in: the token endpoint {} failed: {}", endpoint, e.getClass().getSimpleName());
      throw new SignInFailure(502, "the identity provider's token endpoint could not be reached");
    }
    if (!answer.indicatesSuccess()) {
      ErrorObject error = answer.toErrorResponse().getErrorObject();
      String code = error == null || error.getCode() == null ? "error" : error.getCode();
      throw new SignInFailure(401, "the identity provider refused the " + (grant instanceof RefreshTokenGrant
          ? "session refresh" : "authorization code") + " (" + printable(code) + "); sign in again");
    }
    return answer.toSuccessResponse() instanceof OIDCTokenResponse oidc ? oidc.getOIDCTokens()
        : answer.toSuccessResponse().getTokens();
  }

  private static IDTokenClaimsSet validate(Provider p, JWT idToken, Nonce nonce) throws SignInFailure {
    try {
      return p.validator().validate(idToken, nonce);
    } catch (Exception e) {
      // Nimbus's messages say what failed (expired, audience, nonce, signature) and carry no token.
      throw new SignInFailure(401, "the identity provider's ID token was rejected: " + printable(e.getMessage()));
    }
  }

  /** Discovery, once it has succeeded; retried on the next sign-in while the provider is unreachable. */
  private Provider provider() throws SignInFailure {
    Provider p = provider;
    if (p != null) {
      return p;
    }
    try {
      Issuer issuer = new Issuer(config.issuer());
      OIDCProviderMetadata metadata = OIDCProviderMetadata.resolve(issuer, HTTP_TIMEOUT_MILLIS, HTTP_TIMEOUT_MILLIS);
      if (!metadata.getIssuer().equals(issuer)) {
        throw new SignInFailure(502, "the identity provider's discovery document names another issuer");
      }
      JWKSource<SecurityContext> keys = JWKSourceBuilder.create(metadata.getJWKSetURI().toURL()).build();
      IDTokenValidator validator = new IDTokenValidator(issuer, new ClientID(config.clientId()),
          new JWSVerificationKeySelector<>(ALGORITHMS, keys), null);
      validator.setMaxClockSkew(60);
      p = new Provider(metadata, validator);
      provider = p;
      return p;
    } catch (SignInFailure e) {
      throw e;
    } catch (Exception e) {
      log.warn("web UI sign-in: discovery at {} failed: {}", config.issuer(), e.getClass().getSimpleName());
      throw new SignInFailure(502, "the identity provider could not be reached; try again later");
    }
  }

  /** A step that talks to the provider. */
  private interface Step {
    void run() throws SignInFailure;
  }

  private void offload(Response response, Callback callback, Step step) {
    if (!exchanges.tryAcquire()) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      text(response, callback, 503, "too many sign-ins in progress; try again");
      return;
    }
    try {
      worker.execute(() -> {
        try {
          step.run();
        } catch (SignInFailure f) {
          log.debug("web UI sign-in refused ({}): {}", f.status, f.getMessage());
          text(response, callback, f.status, f.getMessage());
        } catch (RuntimeException e) {
          log.warn("web UI sign-in failed: {}", e.getClass().getName());
          text(response, callback, 500, "sign-in failed; try again");
        } finally {
          exchanges.release();
        }
      });
    } catch (RuntimeException e) {
      exchanges.release();
      text(response, callback, 503, "sign-in unavailable; try again");
    }
  }

  static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** At most 200 printable ASCII characters of what a provider or library said. */
  static String printable(String s) {
    if (s == null) {
      return "unknown";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 200; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }
}
