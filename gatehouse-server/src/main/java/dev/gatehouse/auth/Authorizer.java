package dev.gatehouse.auth;

/**
 * Decides whether a caller may make a call. Temporal's {@code Authorizer}.
 *
 * <p>Gatehouse calls {@link #authorize} once per call, after the {@link ClaimMapper} has established the caller's
 * {@link Claims} and before anything reaches the upstream; and again for every other namespace the call reaches
 * into (a workflow task completion that signals, cancels or starts a child in another namespace is also checked as
 * {@code SignalWorkflowExecution}, {@code RequestCancelWorkflowExecution} or {@code StartWorkflowExecution} in that
 * namespace), and once per namespace when filtering a {@code ListNamespaces} response (as {@code DescribeNamespace}).
 *
 * <p><b>{@link #authorize} runs on a request thread, usually a Netty event loop that serves many other calls, and
 * must not block</b>: no network or disk I/O, no waiting on a lock held by someone doing I/O, no
 * {@code Future.get()}. Keep the policy in memory and refresh it asynchronously on {@link PluginContext#scheduler()};
 * answer every call from what memory holds now, and deny when it holds nothing to go by. Implementations must be
 * thread-safe and fast (Gatehouse's own target is 10 µs at p99). An exception thrown from here denies the call; so
 * does an unknown method (those never reach an authorizer).
 *
 * <p>Choose an implementation with {@code global.authorization.authorizer}: {@code default} ({@link
 * #temporalDefault()}), {@code noop} (allow everything), or the {@link AuthorizerProvider#name()} of a plugin.
 */
public interface Authorizer extends AutoCloseable {

  /**
   * Decides whether the caller with {@code claims} may make the call described by {@code target}. Called at least
   * once per call on the request path, and again for each namespace the call reaches into and each namespace of a
   * {@code ListNamespaces} response (see above), so it must be cheap and must not block. A denial for an anonymous
   * caller becomes {@code UNAUTHENTICATED}, for an identified one {@code PERMISSION_DENIED}.
   *
   * @param claims the caller's claims; never {@code null} — a caller without credentials has {@link
   *     Claims#anonymous()}
   * @param target the method, the namespace and lazily the request
   * @return {@link Decision#allow()} or a denial; never {@code null} (a {@code null} result denies)
   */
  Decision authorize(Claims claims, CallTarget target);

  /**
   * Whether this authorizer may allow a caller without credentials ({@link Claims#anonymous()}) anything beyond
   * health checks. When false (the default), Gatehouse refuses such a caller with UNAUTHENTICATED as soon as the
   * call's headers are in, before reading a request body of up to 128 MiB from someone it does not know. Return
   * true only if {@link #authorize} can allow anonymous callers; they are then read and decided like any other.
   */
  default boolean admitsAnonymous() {
    return false;
  }

  /** Releases resources. Called once when Gatehouse stops. */
  @Override
  default void close() {}

  /**
   * Temporal's default authorizer: health checks ({@code grpc.health.v1.Health/Check}, {@code GetSystemInfo}) are
   * allowed to everyone; cluster-scoped methods need the system role; namespace-scoped methods need the system role
   * or the role in that namespace; the role must reach the method's access ({@code read < write < admin}).
   * Gatehouse adds one thing: {@code ListNamespaces} is also allowed to callers with a reader role in some
   * namespace, because Gatehouse filters its response down to the namespaces the caller may read.
   */
  static Authorizer temporalDefault() {
    return DefaultAuthorizer.INSTANCE;
  }
}
