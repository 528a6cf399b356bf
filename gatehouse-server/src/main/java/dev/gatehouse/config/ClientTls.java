package dev.gatehouse.config;

import java.util.List;

/** Temporal's {@code ClientTLS}: how Gatehouse verifies the server it dials. */
public record ClientTls(
    String serverName,
    boolean disableHostVerification,
    List<String> rootCaFiles,
    List<String> rootCaData,
    boolean forceTLS) {
  public static final ClientTls EMPTY = new ClientTls(null, false, null, null, false);

  public ClientTls {
    serverName = serverName == null || serverName.isBlank() ? null : serverName;
    rootCaFiles = rootCaFiles == null ? List.of() : List.copyOf(rootCaFiles);
    rootCaData = rootCaData == null ? List.of() : List.copyOf(rootCaData);
  }

  /** True when root CAs are configured, from files or inline. */
  public boolean hasRootCas() {
    return !rootCaFiles.isEmpty() || !rootCaData.isEmpty();
  }
}
