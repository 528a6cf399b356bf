package dev.gatehouse.auth;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigOrigin;
import dev.gatehouse.config.RootTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What Gatehouse hands a plugin when it creates one ({@link ClaimMapperProvider#create},
 * {@link AuthorizerProvider#create}): the configuration and the shared services a plugin should use instead of
 * making its own.
 *
 * <p>Gatehouse implements this interface; plugins only call it. Later versions add accessors (a {@code store()},
 * for instance) as new methods, so a plugin compiled against this version keeps working. Do not implement it in a
 * plugin; in a plugin's tests, build one with {@link #builder}.
 */
public interface PluginContext {

  /** The whole {@code global.authorization} section. */
  Authorization authorization();

  /**
   * Which file each configuration key came from. Name it in configuration errors so an operator can find the bad
   * line: {@code throw context.configError("global.authorization.myPlugin.url", "not a URI")}, or
   * {@code new ConfigException(context.origin().fileOf(key), key, problem)}.
   */
  ConfigOrigin origin();

  /** Where to register metrics; Gatehouse exposes them with its own. Prefix names with your plugin's name. */
  MeterRegistry meterRegistry();

  /**
   * An executor for background work: periodic refreshes and anything remote (fetching keys, asking a policy
   * service), whose results the plugin then answers calls from. Shared with Gatehouse itself, so tasks must be
   * short and must not block: start remote work asynchronously (e.g. {@link java.net.http.HttpClient#sendAsync})
   * rather than waiting for it on this executor. Gatehouse owns it: never shut it down; cancel your periodic tasks
   * in {@code close()}.
   */
  ScheduledExecutorService scheduler();

  /** The clock to read the time from (token expiry, rate limits); tests substitute their own. */
  Clock clock();

  /**
   * The {@code global.tls} section, for plugins that bind a credential to what issued it: the built-in certificate
   * rules trust {@code frontend.server}'s client CAs by default. {@link RootTls#DEFAULT} (no CAs) when Gatehouse
   * was not given one.
   */
  default RootTls tls() {
    return RootTls.DEFAULT;
  }

  /** A configuration error for {@code dottedKey} that names the file the key came from. */
  default ConfigException configError(String dottedKey, String problem) {
    return new ConfigException(origin().fileOf(dottedKey), dottedKey, problem);
  }

  /**
   * A context over {@code authorization}, e.g. for a plugin's tests. Give it a {@link Builder#scheduler}; the rest
   * defaults to an origin that names no file, a private meter registry and the system clock.
   */
  static Builder builder(Authorization authorization) {
    return new Builder(authorization);
  }

  /** Builds a {@link PluginContext}. */
  final class Builder {
    private final Authorization authorization;
    private ConfigOrigin origin = key -> null;
    private MeterRegistry meterRegistry;
    private ScheduledExecutorService scheduler;
    private Clock clock = Clock.systemUTC();
    private RootTls tls = RootTls.DEFAULT;

    private Builder(Authorization authorization) {
      this.authorization = authorization == null ? Authorization.DEFAULT : authorization;
    }

    /** Where the configuration's keys came from; default: unknown (errors name no file). */
    public Builder origin(ConfigOrigin origin) {
      this.origin = Objects.requireNonNull(origin, "origin");
      return this;
    }

    /** Where plugins register metrics; default: a private registry. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** The executor for plugins' background work; required. Its owner (the caller) shuts it down. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The clock; default: the system clock in UTC. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The {@code global.tls} section; default {@link RootTls#DEFAULT}, which trusts no client CA. */
    public Builder tls(RootTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** @throws NullPointerException when no scheduler was given */
    public PluginContext build() {
      Objects.requireNonNull(scheduler, "scheduler: plugins need an executor for background work");
      return new DefaultPluginContext(authorization, origin,
          meterRegistry != null ? meterRegistry : new SimpleMeterRegistry(), scheduler, clock, tls);
    }
  }
}
