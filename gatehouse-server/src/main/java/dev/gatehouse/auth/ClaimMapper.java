package dev.gatehouse.auth;

/**
 * Turns a call's credentials into {@link Claims}. Temporal's {@code ClaimMapper}.
 *
 * <p>Gatehouse calls {@link #getClaims} once per call, before authorization. Throw {@link AuthenticationException}
 * for credentials that are malformed, expired or untrusted: the call is refused as {@code UNAUTHENTICATED}. Any
 * other exception also refuses the call. Return {@link Claims#anonymous()} (or claims without roles) for a caller
 * you recognise but grant nothing; the authorizer then decides.
 *
 * <p><b>{@link #getClaims} runs on a request thread, usually a Netty event loop that serves many other calls, and
 * must not block</b>: no network or disk I/O, no waiting on a lock held by someone doing I/O, no
 * {@code Future.get()}. Do remote work (fetching keys, asking an identity service) asynchronously on
 * {@link PluginContext#scheduler()} and answer from memory. When memory does not hold the answer yet (a token
 * signed by a key not yet fetched), refuse the call with {@link AuthenticationException}, start the fetch in the
 * background and let the client's retry find the result, as the built-in JWT mapper does for an unknown {@code kid}.
 *
 * <p>Implementations must be thread-safe. Choose one with {@code global.authorization.claimMapper}:
 * {@code default} (JWT bearer tokens), {@code mtls} (rules over the client certificate), {@code noop} (no identity),
 * with a store {@code apiKey} and {@code namespaceCertificates} ({@link StoreIdentities}), the
 * {@link ClaimMapperProvider#name()} of a plugin, two of these joined by {@code +} to require both, or a list
 * separated by {@code ,} to take the first that identifies the caller. In code,
 * {@link ClaimMappers} combines mappers ({@code allOf}, {@code firstOf}) and makes the built-in ones.
 */
public interface ClaimMapper extends AutoCloseable {

  /**
   * Identifies the caller from the credentials the call arrived with. Called once per call, on the request path,
   * before authorization; it must return quickly and must not block (see above).
   *
   * <p>Return {@link Claims#anonymous()} (or {@code null}) when the call carries no credentials of the kind this
   * mapper reads, e.g. no {@code Authorization} header for a token mapper: the caller is then anonymous, and
   * {@link ClaimMappers#firstOf} moves on to the next mapper. Throw {@link AuthenticationException} when credentials
   * of your kind are present but not acceptable (malformed, expired, badly signed, unknown): the call is refused as
   * {@code UNAUTHENTICATED}, and a credential you reject is never passed on to a weaker mapper. The exception's
   * message may reach logs and, with {@code exposeDenialReason}, the caller: never put the credential in it.
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
