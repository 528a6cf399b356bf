package dev.gatehouse.auth;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigOrigin;
import dev.gatehouse.config.RootTls;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/** The one {@link PluginContext}; kept out of the public face so accessors can be added without breaking anyone. */
record DefaultPluginContext(
    Authorization authorization, ConfigOrigin origin, MeterRegistry meterRegistry,
    ScheduledExecutorService scheduler, Clock clock, RootTls tls) implements PluginContext {}
