package dev.gatehouse.config;

import java.util.List;

/**
 * Temporal's {@code ServerTLS}. A {@code *File} key and its {@code *Data} twin are mutually exclusive;
 * {@code *Data} holds base64-encoded PEM, as in Temporal.
 */
public record ServerTls(
    String certFile,
    String keyFile,
    String certData,
    String keyData,
    List<String> clientCaFiles,
    List<String> clientCaData,
    boolean requireClientAuth) {
  public static final ServerTls EMPTY = new ServerTls(null, null, null, null, null, null, false);

  public ServerTls {
    // As in Temporal, an empty string means "not set"; normalizing here keeps every consumer's null checks right.
    certFile = blankToNull(certFile);
    keyFile = blankToNull(keyFile);
    certData = blankToNull(certData);
    keyData = blankToNull(keyData);
    clientCaFiles = clientCaFiles == null ? List.of() : List.copyOf(clientCaFiles);
    clientCaData = clientCaData == null ? List.of() : List.copyOf(clientCaData);
  }

  /** True when a certificate is configured, from a file or inline. */
  public boolean hasCertificate() {
    return certFile != null || certData != null;
  }

  /** True when client CAs are configured, from files or inline. */
  public boolean hasClientCas() {
    return !clientCaFiles.isEmpty() || !clientCaData.isEmpty();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
