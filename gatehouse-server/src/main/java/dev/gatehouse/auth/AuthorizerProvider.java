package dev.gatehouse.auth;

import dev.gatehouse.config.Authorization;

/**
 * Makes an {@link Authorizer} plugin available by name. Register an implementation in
 * {@code META-INF/services/dev.gatehouse.auth.AuthorizerProvider} and set {@code global.authorization.authorizer}
 * to its {@link #name()} (or its fully qualified class name).
 */
public interface AuthorizerProvider {

  /** The name operators write in the configuration; must not be {@code default} or {@code noop}. */
  String name();

  /**
   * Creates the authorizer. Throw {@link dev.gatehouse.config.ConfigException} for invalid configuration.
   *
   * @param config the whole {@code global.authorization} section
   */
  Authorizer create(Authorization config);
}
