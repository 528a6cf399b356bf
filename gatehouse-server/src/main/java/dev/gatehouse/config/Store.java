package dev.gatehouse.config;

/**
 * Where the control plane keeps namespaces, identities, API keys and secrets (SQLite by default, PostgreSQL when
 * several replicas share one store).
 *
 * @param url a JDBC URL ({@code jdbc:postgresql://...} or {@code jdbc:sqlite:...}); {@code null} for the SQLite
 *     file {@code gatehouse.db} under {@code dir}
 * @param dir the data directory of the default SQLite file; {@code null} leaves the store off unless {@code url}
 *     is set
 * @param masterKeyFile a file holding the 32-byte master key (base64 or raw) that encrypts secrets at rest
 * @param masterKeyEnv the name of an environment variable holding the master key (base64), instead of the file
 */
public record Store(String url, String dir, String masterKeyFile, String masterKeyEnv) {
  public static final Store DEFAULT = new Store(null, null, null, null);

  /** True when a store is configured. */
  public boolean configured() {
    return (url != null && !url.isBlank()) || (dir != null && !dir.isBlank());
  }
}
