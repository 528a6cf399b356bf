package dev.gatehouse.tls;

import java.util.List;

/** Maps the {@code minVersion} key to the protocols a context enables: TLS 1.3 unless 1.2 is asked for. */
final class TlsVersions {
  private TlsVersions() {}

  static List<String> protocols(String minVersion, String key, ConfigProblems problems) {
    String v = minVersion == null ? "1.3" : minVersion.strip();
    return switch (v) {
      case "1.3" -> List.of("TLSv1.3");
      case "1.2" -> List.of("TLSv1.3", "TLSv1.2");
      default -> throw problems.at(key, "unknown TLS version \"" + v + "\" (use \"1.3\", the default, or \"1.2\")");
    };
  }
}
