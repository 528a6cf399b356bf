package dev.gatehouse.audit;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.AuditPolicyRule;
import dev.gatehouse.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/** Builds the audit log that an {@code audit} configuration section describes. */
public final class AuditLogs {
  private AuditLogs() {}

  /**
   * The broker, its sinks opened (the file sink's folder recovered), not yet started.
   *
   * @throws ConfigException when a sink is unusable: the folder cannot be written, a key cannot be read, a sink
   *     type is unknown
   */
  public static AuditBroker fromConfig(Audit config, ApiCatalog catalog, PluginContext context) {
    Path dir = Path.of(config.dir());
    String node = config.nodeId() != null ? config.nodeId() : defaultNode();
    AuditKeys keys;
    try {
      keys = AuditKeys.loadOrCreate(dir, config.signingKeyFile() == null ? null : Path.of(config.signingKeyFile()));
    } catch (IOException | RuntimeException e) {
      throw context.configError("audit.dir", "the audit keys cannot be read or made: " + e.getMessage());
    }
    SegmentCipher cipher = null;
    if (config.encryptionKeyFile() != null) {
      try {
        cipher = SegmentCipher.fromFile(Path.of(config.encryptionKeyFile()));
      } catch (IOException e) {
        throw context.configError("audit.encryptionKeyFile", e.getMessage());
      }
    }
    List<AuditSink> sinks = new ArrayList<>();
    try {
      sinks.add(FileSink.builder(dir, keys.signing().getPrivate())
          .node(node)
          .maxSegmentBytes(config.maxSegmentBytes())
          .maxSegmentAge(config.maxSegmentAge())
          .retention(config.retention())
          .clock(context.clock())
          .cipher(cipher)
          .build());
    } catch (IOException | RuntimeException e) {
      throw context.configError("audit.dir", "the audit folder cannot be opened: " + e.getMessage());
    }
    if (config.stdout()) {
      sinks.add(new StdoutSink(System.out));
    }
    try {
      for (int i = 0; i < config.sinks().size(); i++) {
        sinks.add(sink(context, "audit.sinks[" + i + "]", config.sinks().get(i), node));
      }
    } catch (RuntimeException e) {
      // Release what was opened (spool locks, shipping threads) before the start fails.
      for (AuditSink opened : sinks) {
        try {
          opened.close();
        } catch (IOException | RuntimeException ignored) {
          // The start fails with the first problem; this one is secondary.
        }
      }
      throw e;
    }
    return AuditBroker.builder(catalog, sinks)
        .mode(AuditMode.valueOf(config.mode().toUpperCase(Locale.ROOT)))
        .policy(policy(config))
        .node(node)
        .salt(keys.salt())
        .queueCapacity(config.queueCapacity())
        .meterRegistry(context.meterRegistry())
        .clock(context.clock())
        .build();
  }

  /** The configured rules, or the default policy when there are none. */
  static AuditPolicy policy(Audit config) {
    if (config.rules().isEmpty()) {
      return AuditPolicy.defaults(config.longPollSampleEvery());
    }
    List<AuditRule> rules = new ArrayList<>();
    for (AuditPolicyRule r : config.rules()) {
      rules.add(new AuditRule(r.apis(), r.faces(), r.namespaces(), r.principals(), r.access(),
          AuditLevel.valueOf(r.level().toUpperCase(Locale.ROOT)), r.sampleEvery()));
    }
    return AuditPolicy.of(rules);
  }

  private static final Set<String> COMMON_KEYS =
      Set.of("type", "name", "spoolDir", "maxSpoolBytes", "caFile", "minVersion");
  private static final Set<String> HTTP_KEYS = Set.of("url", "format", "index", "headers", "tokenEnv");
  private static final Set<String> SYSLOG_KEYS = Set.of("address", "tls", "facility");

  private static AuditSink sink(PluginContext context, String key, Map<String, Object> settings, String node) {
    String type = String.valueOf(settings.get("type"));
    if (type.equals("http") || type.equals("syslog")) {
      Settings s = new Settings(context, key, settings);
      s.only(COMMON_KEYS, type.equals("http") ? HTTP_KEYS : SYSLOG_KEYS);
      try {
        return type.equals("http") ? httpSink(s, node) : syslogSink(s, node);
      } catch (IOException | IllegalArgumentException e) {
        throw context.configError(key, "the " + type + " sink cannot start: " + e.getMessage());
      }
    }
    for (AuditSinkProvider p : ServiceLoader.load(AuditSinkProvider.class)) {
      if (p.name().equals(type)) {
        return p.create(context, key, settings);
      }
    }
    throw context.configError(key + ".type", "unknown audit sink type '" + type + "'");
  }

  private static AuditSink httpSink(Settings s, String node) throws IOException {
    URI url;
    try {
      url = new URI(s.required("url"));
    } catch (URISyntaxException e) {
      throw s.error("url", "not a URL");
    }
    HttpSink.Format format;
    try {
      format = HttpSink.Format.of(s.required("format"));
    } catch (IllegalArgumentException e) {
      throw s.error("format", "must be splunk, elasticsearch or jsonl");
    }
    HttpSink.Builder b = HttpSink.builder(url, format, Path.of(s.required("spoolDir")))
        .node(node).meters(s.context.meterRegistry());
    s.optional("name").ifPresent(b::name);
    s.optional("index").ifPresent(b::index);
    s.optional("caFile").map(Path::of).ifPresent(b::caFile);
    s.optional("minVersion").ifPresent(b::minTlsVersion);
    s.optionalLong("maxSpoolBytes").ifPresent(b::maxSpoolBytes);
    b.headers(s.stringMap("headers"));
    Optional<String> tokenEnv = s.optional("tokenEnv");
    if (tokenEnv.isPresent()) {
      String token = System.getenv(tokenEnv.get());
      if (token == null || token.isBlank()) {
        throw s.error("tokenEnv", "the environment variable " + tokenEnv.get() + " is not set");
      }
      b.token(token);
    }
    return b.build();
  }

  private static AuditSink syslogSink(Settings s, String node) throws IOException {
    SyslogSink.Builder b = SyslogSink.Builder.forAddress(s.required("address"), Path.of(s.required("spoolDir")))
        .node(node).meters(s.context.meterRegistry());
    s.optional("name").ifPresent(b::name);
    s.optional("facility").ifPresent(b::facility);
    s.optional("caFile").map(Path::of).ifPresent(b::caFile);
    s.optional("minVersion").ifPresent(b::minTlsVersion);
    s.optionalLong("maxSpoolBytes").ifPresent(b::maxSpoolBytes);
    s.optionalBoolean("tls").ifPresent(b::tls);
    return b.build();
  }

  /** One {@code audit.sinks[]} entry's settings, read with errors that name the key. */
  private record Settings(PluginContext context, String key, Map<String, Object> values) {
    void only(Set<String> common, Set<String> own) {
      for (String k : values.keySet()) {
        if (!common.contains(k) && !own.contains(k)) {
          throw error(k, "unknown key for a " + values.get("type") + " sink");
        }
      }
    }

    String required(String k) {
      return optional(k).orElseThrow(() -> error(k, "required"));
    }

    Optional<String> optional(String k) {
      Object v = values.get(k);
      if (v == null) {
        return Optional.empty();
      }
      if (!(v instanceof String) && !(v instanceof Number) && !(v instanceof Boolean)) {
        throw error(k, "must be a single value");
      }
      return Optional.of(String.valueOf(v));
    }

    Optional<Long> optionalLong(String k) {
      Object v = values.get(k);
      if (v == null) {
        return Optional.empty();
      }
      if (v instanceof Number n && n.longValue() > 0) {
        return Optional.of(n.longValue());
      }
      throw error(k, "must be a positive number of bytes");
    }

    Optional<Boolean> optionalBoolean(String k) {
      Object v = values.get(k);
      if (v == null) {
        return Optional.empty();
      }
      if (v instanceof Boolean b) {
        return Optional.of(b);
      }
      throw error(k, "must be true or false");
    }

    Map<String, String> stringMap(String k) {
      Object v = values.get(k);
      if (v == null) {
        return Map.of();
      }
      if (!(v instanceof Map<?, ?> m)) {
        throw error(k, "must be a map of header names to values");
      }
      Map<String, String> out = new java.util.LinkedHashMap<>();
      m.forEach((name, value) -> out.put(String.valueOf(name), String.valueOf(value)));
      return out;
    }

    ConfigException error(String k, String problem) {
      return context.configError(key + "." + k, problem);
    }
  }

  private static String defaultNode() {
    String host = System.getenv("HOSTNAME");
    return host != null && host.matches("[A-Za-z0-9._-]{1,64}") ? host : "gatehouse";
  }
}
