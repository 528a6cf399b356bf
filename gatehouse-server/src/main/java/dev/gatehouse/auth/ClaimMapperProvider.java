package dev.gatehouse.auth;

import dev.gatehouse.config.Authorization;

/**
 * Makes a {@link ClaimMapper} plugin available by name. Register an implementation in
 * {@code META-INF/services/dev.gatehouse.auth.ClaimMapperProvider} and set
 * {@code global.authorization.claimMapper} to its {@link #name()} (or its fully qualified class name).
 */
public interface ClaimMapperProvider {

  /** The name operators write in the configuration; must not be {@code default}, {@code mtls} or {@code noop}. */
  String name();

  /**
   * Creates the mapper. Throw {@link dev.gatehouse.config.ConfigException} for invalid configuration.
   *
   * @param config the whole {@code global.authorization} section
   */
  ClaimMapper create(Authorization config);
}
