package dev.gatehouse.config;

/**
 * Which file each key of a loaded configuration came from, so that a check made after loading (a certificate that
 * does not match its key, say) can still name the file: {@code new ConfigException(origin.fileOf(key), key, problem)}.
 */
public interface ConfigOrigin {
  /**
   * The file that last set {@code dottedKey} (e.g. {@code global.tls.frontend.server.certFile}; list elements as
   * {@code clientCaFiles[1]}; map entries by their name, e.g. {@code hostOverrides.a.example.com.certFile}). For a
   * key no file set, the file that last set its nearest parent; failing that, the last file loaded. A config built
   * in code answers {@code "<code>"}.
   */
  String fileOf(String dottedKey);
}
