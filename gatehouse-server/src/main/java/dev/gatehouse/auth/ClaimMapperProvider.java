package dev.gatehouse.auth;

/**
 * Makes a {@link ClaimMapper} plugin available by name. Register an implementation in
 * {@code META-INF/services/dev.gatehouse.auth.ClaimMapperProvider} and set
 * {@code global.authorization.claimMapper} to its {@link #name()} (or its fully qualified class name).
 *
 * <p>Gatehouse instantiates the provider through {@link java.util.ServiceLoader} (so it needs a public no-argument
 * constructor) and calls {@link #create} once while Gatehouse starts: blocking there (loading keys
 * for the first time, say) delays start-up but no call.
 */
public interface ClaimMapperProvider {

  /** The name operators write in the configuration; must not be {@code default}, {@code mtls} or {@code noop}. */
  String name();

  /**
   * Creates the mapper. Throw {@link dev.gatehouse.config.ConfigException} for invalid configuration, preferably
   * through {@link PluginContext#configError} so the message names the file.
   *
   * @param context the {@code global.authorization} section, where it came from, and the metrics registry,
   *     scheduler and clock the mapper should use
   * @return the mapper; Gatehouse closes it when it stops. Never {@code null}
   */
  ClaimMapper create(PluginContext context);
}
