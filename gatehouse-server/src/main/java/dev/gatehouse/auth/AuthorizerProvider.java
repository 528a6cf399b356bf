package dev.gatehouse.auth;

/**
 * Makes an {@link Authorizer} plugin available by name. Register an implementation in
 * {@code META-INF/services/dev.gatehouse.auth.AuthorizerProvider} and set {@code global.authorization.authorizer}
 * to its {@link #name()} (or its fully qualified class name).
 *
 * <p>Gatehouse instantiates the provider through {@link java.util.ServiceLoader} (so it needs a public no-argument
 * constructor) and calls {@link #create} once while Gatehouse starts: blocking there (loading a
 * policy for the first time, say) delays start-up but no call.
 */
public interface AuthorizerProvider {

  /** The name operators write in the configuration; must not be {@code default} or {@code noop}. */
  String name();

  /**
   * Creates the authorizer. Throw {@link dev.gatehouse.config.ConfigException} for invalid configuration,
   * preferably through {@link PluginContext#configError} so the message names the file.
   *
   * @param context the {@code global.authorization} section, where it came from, and the metrics registry,
   *     scheduler and clock the authorizer should use
   * @return the authorizer; Gatehouse closes it when it stops. Never {@code null}
   */
  Authorizer create(PluginContext context);
}
