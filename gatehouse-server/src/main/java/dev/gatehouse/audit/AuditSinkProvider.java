package dev.gatehouse.audit;

import dev.gatehouse.auth.PluginContext;
import java.util.Map;

/**
 * Creates a plugin {@link AuditSink}, found with {@link java.util.ServiceLoader} by {@link #name()} when
 * {@code audit.sinks[].type} names it. The same plugin context as the claim mapper and authorizer plugins.
 */
public interface AuditSinkProvider {
  /** The {@code type} that selects this sink. */
  String name();

  /**
   * Creates the sink.
   *
   * @param context shared services (scheduler, meters, clock, configuration origin)
   * @param key the configuration key of this sink's entry, e.g. {@code audit.sinks[2]}, for error messages
   * @param settings the entry's settings, as written (values are strings, numbers, booleans, lists or maps)
   * @throws dev.gatehouse.config.ConfigException when the settings are unusable
   */
  AuditSink create(PluginContext context, String key, Map<String, Object> settings);
}
