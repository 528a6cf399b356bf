package dev.gatehouse.config;

import java.util.Objects;

/**
 * A configuration and where its keys came from. Obtain one from {@link ConfigLoader}; check it with
 * {@link ConfigValidator#validate(LoadedConfig)} before use.
 */
public record LoadedConfig(GatehouseConfig config, ConfigOrigin origin) {
  public LoadedConfig {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(origin, "origin");
  }
}
