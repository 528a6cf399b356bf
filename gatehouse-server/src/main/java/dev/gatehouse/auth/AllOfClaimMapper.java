package dev.gatehouse.auth;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code claimMapper: a+b}, or {@link ClaimMappers#allOf}: every mapper must identify the caller, and the caller gets
 * only what all of them grant.
 *
 * <p>Why the intersection: configuring two credentials is asking for defence in depth (a workload certificate and a
 * user token). With a union, a stolen token would work over any trusted certificate, making the pair weaker than
 * either credential alone; with the intersection, each credential bounds the other. In a namespace the effective
 * role of each mapper (its system role plus its role there, as the default authorizer computes it) is intersected,
 * with each role first grown to what it implies, so admin ∩ writer is writer.
 *
 * <p>The subject is the first mapper's subject; all subjects are kept in the {@code subjects} extension.
 */
final class AllOfClaimMapper implements ClaimMapper {
  private final List<ClaimMapper> mappers;
  private final List<String> names;

  AllOfClaimMapper(List<ClaimMapper> mappers, List<String> names) {
    this.mappers = List.copyOf(mappers);
    this.names = List.copyOf(names);
  }

  @Override
  public Claims getClaims(AuthInfo authInfo) throws AuthenticationException {
    Claims combined = null;
    List<String> subjects = new ArrayList<>();
    List<String> types = new ArrayList<>();
    Map<String, Object> extensions = new LinkedHashMap<>();
    for (int i = 0; i < mappers.size(); i++) {
      Claims c = mappers.get(i).getClaims(authInfo);
      if (c == null || c.isAnonymous()) {
        throw new AuthenticationException("claim mapper " + names.get(i) + " found no credentials; this endpoint "
            + "requires " + String.join(" and ", names));
      }
      subjects.add(c.subject());
      types.add(c.authType() == null ? names.get(i) : c.authType());
      c.extensions().forEach(extensions::putIfAbsent);
      combined = combined == null ? c : intersect(combined, c);
    }
    extensions.put("subjects", List.copyOf(subjects));
    return new Claims(subjects.get(0), combined.system(), combined.namespaces(), String.join("+", types),
        extensions);
  }

  static Claims intersect(Claims a, Claims b) {
    Set<String> names = new HashSet<>(a.namespaces().keySet());
    names.addAll(b.namespaces().keySet());
    Map<String, Role> namespaces = new LinkedHashMap<>();
    for (String ns : names) {
      Role role = a.system().union(a.namespaceRole(ns)).intersect(b.system().union(b.namespaceRole(ns)));
      namespaces.put(ns, role);
    }
    return new Claims(a.subject(), a.system().intersect(b.system()), namespaces, a.authType(), Map.of());
  }

  // A call without credentials is anonymous (not refused) when some mapper needs credentials: that mapper could
  // not identify it. Only when none needs them must every call come here.
  @Override
  public boolean authInfoRequired() {
    return mappers.stream().anyMatch(ClaimMapper::authInfoRequired);
  }

  @Override
  public void close() {
    ClaimMappers.closeAll(mappers);
  }

  @Override
  public String toString() {
    return String.join("+", names);
  }
}
