package dev.gatehouse.access;

import dev.gatehouse.store.NamespacePermission;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The rules of elevated access: how long a grant may last, which namespaces take no standing Write or Admin, who is
 * approved by policy, and whether break-glass is open.
 *
 * @param maxDuration the longest grant; at most {@link #CEILING} (8 hours), which is also the default
 * @param requestTtl how long a request waits for a decision before it expires
 * @param protectedNamespaces namespaces where Write and Admin come only from time-limited grants: standing ones are
 *     refused by the Ops API
 * @param autoApprovals rules that approve some requests without a second person (on-call)
 * @param breakGlass whether a requester may approve their own request in an emergency (flagged, notified, audited)
 */
public record ElevationPolicy(
    Duration maxDuration,
    Duration requestTtl,
    Set<String> protectedNamespaces,
    List<AutoApproval> autoApprovals,
    boolean breakGlass) {
  /** Temporal's own rule for production access: at most 8 hours. */
  public static final Duration CEILING = Duration.ofHours(8);

  /** 8 hours, requests wait a day, nothing protected, no auto-approval, break-glass open. */
  public static final ElevationPolicy DEFAULT =
      new ElevationPolicy(CEILING, Duration.ofHours(24), Set.of(), List.of(), true);

  public ElevationPolicy {
    maxDuration = maxDuration == null ? CEILING : maxDuration;
    if (maxDuration.isNegative() || maxDuration.isZero() || maxDuration.compareTo(CEILING) > 0) {
      throw new IllegalArgumentException("the longest elevated grant must be positive and at most 8h");
    }
    requestTtl = requestTtl == null ? Duration.ofHours(24) : requestTtl;
    if (requestTtl.isNegative() || requestTtl.isZero()) {
      throw new IllegalArgumentException("requestTtl must be positive");
    }
    protectedNamespaces = protectedNamespaces == null ? Set.of() : Set.copyOf(protectedNamespaces);
    autoApprovals = autoApprovals == null ? List.of() : List.copyOf(autoApprovals);
  }

  public boolean isProtected(String namespace) {
    return protectedNamespaces.contains(namespace);
  }

  /**
   * Why a standing {@code permission} on {@code namespace} is refused, or {@code null} when it is not: a protected
   * namespace takes standing Read only.
   */
  public String refusesStanding(String namespace, NamespacePermission permission) {
    if (permission != null && permission != NamespacePermission.READ && isProtected(namespace)) {
      return "namespace " + namespace + " is protected: " + permission.name().toLowerCase(java.util.Locale.ROOT)
          + " access there is only granted for a time (gatehouse access request)";
    }
    return null;
  }

  /**
   * A rule that approves, without a second person, namespace grants up to {@code maxPermission} in
   * {@code namespaces} for members of {@code groups} (group display names).
   *
   * @param name the rule's name, recorded as the approver ({@code policy:<name>})
   * @param groups display names of the user groups whose members the rule approves
   * @param namespaces namespaces it covers; {@code *} covers every namespace
   * @param maxPermission the most it approves
   * @param maxDuration the longest grant it approves
   */
  public record AutoApproval(String name, Set<String> groups, Set<String> namespaces,
      NamespacePermission maxPermission, Duration maxDuration) {
    public AutoApproval {
      Objects.requireNonNull(name, "name");
      groups = Set.copyOf(groups);
      namespaces = Set.copyOf(namespaces);
      maxPermission = maxPermission == null ? NamespacePermission.READ : maxPermission;
      maxDuration = maxDuration == null ? CEILING : maxDuration;
    }

    boolean covers(String namespace, NamespacePermission permission, Duration duration) {
      return (namespaces.contains("*") || namespaces.contains(namespace))
          && permission.compareTo(maxPermission) <= 0 && duration.compareTo(maxDuration) <= 0;
    }
  }
}
