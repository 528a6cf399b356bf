package dev.gatehouse.auth;

import java.util.List;
import java.util.stream.Collectors;

/**
 * {@link ClaimMappers#firstOf}: the mappers are asked in order, and the first one that recognises credentials of its
 * kind identifies the caller.
 *
 * <p>Why a rejection ends the search: a mapper that throws has found a credential of its kind and judged it bad
 * (forged, expired, revoked). Asking the next mapper would let a caller who also holds a weaker credential, a client
 * certificate say, get past the token just refused, making the list as weak as its weakest member. Only "no
 * credentials of my kind" (anonymous) moves on.
 */
final class FirstOfClaimMapper implements ClaimMapper {
  private final List<ClaimMapper> mappers;

  FirstOfClaimMapper(List<ClaimMapper> mappers) {
    this.mappers = List.copyOf(mappers);
  }

  @Override
  public Claims getClaims(AuthInfo authInfo) throws AuthenticationException {
    for (ClaimMapper m : mappers) {
      // Honour each mapper's own contract: one that needs credentials is not asked about a call without any.
      if (m.authInfoRequired() && !authInfo.hasCredentials()) {
        continue;
      }
      Claims c = m.getClaims(authInfo);
      if (c != null && !c.isAnonymous()) {
        return c;
      }
    }
    return Claims.anonymous();
  }

  @Override
  public boolean authInfoRequired() {
    return mappers.stream().allMatch(ClaimMapper::authInfoRequired);
  }

  @Override
  public void close() {
    ClaimMappers.closeAll(mappers);
  }

  @Override
  public String toString() {
    return mappers.stream().map(String::valueOf).collect(Collectors.joining(", ", "firstOf(", ")"));
  }
}
