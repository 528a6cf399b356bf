package dev.gatehouse.tls;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One version of what a TLS group presents and trusts, swapped whole on reload so a handshake never mixes
 * two versions. Aliases carry the generation: a key manager asked for an alias of the previous version
 * (chosen just before a swap) still finds it.
 *
 * @param defaults what is served without SNI or for an unknown name; {@code null} when there is no certificate
 * @param byHost per SNI host name (lower case), from {@code hostOverrides}
 */
record ServerSnapshot(long generation, Entry defaults, Map<String, Entry> byHost) {

  /** A certificate with its key under a key-manager alias, and the CAs client certificates must chain to. */
  record Entry(String alias, CertifiedKey certifiedKey, TrustedCas clientCas) {}

  ServerSnapshot {
    byHost = Map.copyOf(byHost);
  }

  static ServerSnapshot of(long generation, ServerMaterial defaults, Map<String, ServerMaterial> overrides) {
    Map<String, Entry> byHost = new LinkedHashMap<>();
    int i = 1;
    for (Map.Entry<String, ServerMaterial> e : overrides.entrySet()) {
      byHost.put(e.getKey().toLowerCase(Locale.ROOT), entry(generation, i++, e.getValue()));
    }
    return new ServerSnapshot(generation, entry(generation, 0, defaults), byHost);
  }

  /** A client-side snapshot: only the certificate this side presents, if any. */
  static ServerSnapshot ofClient(long generation, CertifiedKey certifiedKey) {
    Entry entry = certifiedKey == null ? null : new Entry(alias(generation, 0), certifiedKey, TrustedCas.NONE);
    return new ServerSnapshot(generation, entry, Map.of());
  }

  private static Entry entry(long generation, int index, ServerMaterial material) {
    return new Entry(alias(generation, index), material.certifiedKey(), material.clientCas());
  }

  private static String alias(long generation, int index) {
    return "gatehouse-" + generation + "-" + index;
  }

  Entry forServerName(String serverName) {
    if (serverName != null) {
      Entry e = byHost.get(serverName.toLowerCase(Locale.ROOT));
      if (e != null) {
        return e;
      }
    }
    return defaults;
  }

  Entry byAlias(String alias) {
    if (defaults != null && defaults.alias().equals(alias)) {
      return defaults;
    }
    for (Entry e : byHost.values()) {
      if (e.alias().equals(alias)) {
        return e;
      }
    }
    return null;
  }
}
