package dev.gatehouse.audit;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.AuditPolicyRule;
import dev.gatehouse.config.ConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

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
    for (int i = 0; i < config.sinks().size(); i++) {
      sinks.add(sink(context, "audit.sinks[" + i + "]", config.sinks().get(i)));
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

  private static AuditSink sink(PluginContext context, String key, Map<String, Object> settings) {
    String type = String.valueOf(settings.get("type"));
    for (AuditSinkProvider p : ServiceLoader.load(AuditSinkProvider.class)) {
      if (p.name().equals(type)) {
        return p.create(context, key, settings);
      }
    }
    throw context.configError(key + ".type", "unknown audit sink type '" + type + "'");
  }

  private static String defaultNode() {
    String host = System.getenv("HOSTNAME");
    return host != null && host.matches("[A-Za-z0-9._-]{1,64}") ? host : "gatehouse";
  }
}
