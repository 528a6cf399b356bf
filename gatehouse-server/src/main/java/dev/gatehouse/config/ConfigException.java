package dev.gatehouse.config;

/**
 * An invalid configuration. The message is one line that names the file, the key and the fix, e.g.
 * {@code config/base.yaml: global.tls.frontend.server.certFile: file not found: /etc/x.pem (fix the path or use certData)}.
 */
public final class ConfigException extends RuntimeException {
  private final String source;
  private final String key;

  public ConfigException(String source, String key, String problem) {
    super(message(source, key, problem));
    this.source = source;
    this.key = key;
  }

  public ConfigException(String source, String key, String problem, Throwable cause) {
    super(message(source, key, problem), cause);
    this.source = source;
    this.key = key;
  }

  // A file-level problem (no file found, not YAML) has no key: the message then reads "source: problem".
  private static String message(String source, String key, String problem) {
    String where = source == null ? "<config>" : source;
    return key == null || key.isEmpty() ? where + ": " + problem : where + ": " + key + ": " + problem;
  }

  /** The file the bad key came from, or {@code null} for a config built in code. */
  public String source() {
    return source;
  }

  /** The dotted key path, e.g. {@code global.tls.frontend.server.certFile}, or {@code null} for a file-level problem. */
  public String key() {
    return key;
  }
}
