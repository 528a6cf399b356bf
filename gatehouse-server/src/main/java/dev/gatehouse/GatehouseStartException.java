package dev.gatehouse;

/**
 * {@link Gatehouse#start()} failed. The message names the component that could not start and why, in one line fit
 * for a command line (e.g. {@code cannot start the codec server: ... Address already in use}). Everything that had
 * started was closed again before this was thrown.
 */
public final class GatehouseStartException extends RuntimeException {
  GatehouseStartException(String component, String reason, Throwable cause) {
    super("cannot start the " + component + ": " + reason, cause);
  }
}
