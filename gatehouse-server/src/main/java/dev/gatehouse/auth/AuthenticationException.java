package dev.gatehouse.auth;

/**
 * The credentials presented are missing, malformed, expired or not trusted. The call is refused as
 * {@code UNAUTHENTICATED}. The message says what was wrong in words safe to log and, when {@code exposeDenialReason}
 * is set, to show the caller: it must never contain the token, a key or any other secret.
 */
public class AuthenticationException extends Exception {
  public AuthenticationException(String message) {
    super(message);
  }

  public AuthenticationException(String message, Throwable cause) {
    super(message, cause);
  }
}
