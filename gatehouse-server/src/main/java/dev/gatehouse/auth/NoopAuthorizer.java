package dev.gatehouse.auth;

/** Allows every call. Only in use when {@code authorizer: noop} is configured by name. */
final class NoopAuthorizer implements Authorizer {
  static final NoopAuthorizer INSTANCE = new NoopAuthorizer();

  private NoopAuthorizer() {}

  @Override
  public Decision authorize(Claims claims, CallTarget target) {
    return Decision.allow();
  }

  @Override
  public boolean admitsAnonymous() {
    return true;
  }

  @Override
  public String toString() {
    return "noop";
  }
}
