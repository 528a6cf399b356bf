package dev.gatehouse.tls;

import dev.gatehouse.config.ConfigException;
import java.util.function.Function;

/** Builds {@link ConfigException}s that name the config file a key came from. */
final class ConfigProblems {
  private final Function<String, String> fileOfKey;

  ConfigProblems(Function<String, String> fileOfKey) {
    this.fileOfKey = fileOfKey == null ? key -> null : fileOfKey;
  }

  ConfigException at(String key, String problem) {
    return new ConfigException(sourceOf(key), key, problem);
  }

  /**
   * The file that set {@code key}. The loader may only know list keys without their index, or only a parent
   * (a whole {@code hostOverrides} entry), so fall back to those before giving up.
   */
  String sourceOf(String key) {
    String k = key;
    while (k != null && !k.isEmpty()) {
      String source = fileOfKey.apply(k);
      if (source != null) {
        return source;
      }
      if (k.endsWith("]") && k.lastIndexOf('[') > 0) {
        k = k.substring(0, k.lastIndexOf('['));
      } else {
        int dot = k.lastIndexOf('.');
        k = dot > 0 ? k.substring(0, dot) : null;
      }
    }
    return null;
  }
}
