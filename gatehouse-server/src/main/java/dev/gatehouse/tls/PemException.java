package dev.gatehouse.tls;

/** PEM text that cannot be used. The message never contains any of the text itself. */
public final class PemException extends Exception {
  PemException(String message) {
    super(message);
  }
}
