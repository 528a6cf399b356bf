package dev.gatehouse.config;

import java.time.Duration;

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
 * @param user the database user (PostgreSQL); {@code null} for the one in {@code url}
 * @param password the database password (PostgreSQL), best given as {@code ${ENV}}; {@code null} for none
 * @param maxPoolSize connections in the pool; default 4
 * @param changeLogRetention how long the change log keeps a change for replicas that follow it; a replica further
 *     behind reloads everything; default 1h
 */
public record Store(
    String url,
    String dir,
    String masterKeyFile,
    String masterKeyEnv,
    String user,
    String password,
    Integer maxPoolSize,
    Duration changeLogRetention) {
  public static final Store DEFAULT = new Store(null, null, null, null);

  public Store {
    maxPoolSize = maxPoolSize == null ? 4 : maxPoolSize;
    changeLogRetention = changeLogRetention == null ? Duration.ofHours(1) : changeLogRetention;
  }

  /** The first four settings, every other at its default. */
  public Store(String url, String dir, String masterKeyFile, String masterKeyEnv) {
    this(url, dir, masterKeyFile, masterKeyEnv, null, null, null, null);
  }

  /** True when a store is configured. */
  public boolean configured() {
    return (url != null && !url.isBlank()) || (dir != null && !dir.isBlank());
  }

  /** True for a PostgreSQL store. */
  public boolean postgres() {
    return url != null && url.startsWith("jdbc:postgresql:");
  }

  @Override
  public String toString() {
    return "Store[url=" + url + ", dir=" + dir + ", masterKeyFile=" + masterKeyFile + ", masterKeyEnv="
        + masterKeyEnv + ", user=" + user + ", password=" + (password == null ? null : "***") + ", maxPoolSize="
        + maxPoolSize + ", changeLogRetention=" + changeLogRetention + "]";
  }
}
