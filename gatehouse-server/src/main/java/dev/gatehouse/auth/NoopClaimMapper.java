package dev.gatehouse.auth;

/**
 * Establishes no identity: every caller is anonymous. Unlike Temporal's no-op mapper, which grants everyone the
 * system admin role, this one grants nothing; pair it with {@code authorizer: noop} for an open endpoint.
 */
final class NoopClaimMapper implements ClaimMapper {
  static final NoopClaimMapper INSTANCE = new NoopClaimMapper();

  private NoopClaimMapper() {}

  @Override
  public Claims getClaims(AuthInfo authInfo) {
    return Claims.anonymous();
  }

  @Override
  public String toString() {
    return "noop";
  }
}
