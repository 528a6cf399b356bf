package dev.gatehouse.auth;

/**
 * Turns a call's credentials into {@link Claims}. Temporal's {@code ClaimMapper}.
 *
 * <p>Gatehouse calls {@link #getClaims} once per call, before authorization. Throw {@link AuthenticationException}
 * for credentials that are malformed, expired or untrusted: the call is refused as {@code UNAUTHENTICATED}. Any
 * other exception also refuses the call. Return {@link Claims#anonymous()} (or claims without roles) for a caller
 * you recognise but grant nothing; the authorizer then decides.
 *
 * <p>Implementations must be thread-safe. Choose one with {@code global.authorization.claimMapper}:
 * {@code default} (JWT bearer tokens), {@code mtls} (rules over the client certificate), {@code noop} (no identity),
 * the {@link ClaimMapperProvider#name()} of a plugin, or two of these joined by {@code +} to require both.
 */
public interface ClaimMapper extends AutoCloseable {

  /**
   * Maps credentials to claims.
   *
   * @param authInfo the call's credentials; never {@code null}
   * @return the claims; {@code null} is treated as {@link Claims#anonymous()}
   * @throws AuthenticationException when the credentials are not acceptable
   */
  Claims getClaims(AuthInfo authInfo) throws AuthenticationException;

  /**
   * Whether this mapper needs credentials. When true (the default) and a call has neither a bearer token nor a
   * client certificate, Gatehouse skips the mapper and the caller is anonymous. Return false to be called for every
   * call, e.g. to identify callers by network address.
   */
  default boolean authInfoRequired() {
    return true;
  }

  /** Releases resources (background refreshers, connections). Called once when Gatehouse stops. */
  @Override
  default void close() {}
}
