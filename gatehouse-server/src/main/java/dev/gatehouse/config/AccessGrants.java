package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code controlPlane.grants}: the rules of time-limited elevated access ({@code gatehouse access}).
 *
 * @param maxDuration the longest grant, at most and by default {@code 8h}
 * @param requestTtl how long a request waits for a decision before it expires; default {@code 24h}
 * @param protectedNamespaces namespaces where Write and Admin are only ever granted for a time: standing grants of
 *     them through the Ops API are refused
 * @param autoApprove rules that approve without a second person (on-call)
 * @param breakGlass whether a requester may approve their own request in an emergency; default true (flagged,
 *     notified, audited)
 * @param webhook an {@code http(s)} URL that receives a JSON POST per grant event; none by default
 */
public record AccessGrants(Duration maxDuration, Duration requestTtl, List<String> protectedNamespaces,
    List<AutoApprove> autoApprove, Boolean breakGlass, String webhook) {
  public static final AccessGrants DEFAULT = new AccessGrants(null, null, null, null, null, null);

  public AccessGrants {
    maxDuration = maxDuration == null ? Duration.ofHours(8) : maxDuration;
    requestTtl = requestTtl == null ? Duration.ofHours(24) : requestTtl;
    protectedNamespaces = protectedNamespaces == null ? List.of() : List.copyOf(protectedNamespaces);
    autoApprove = autoApprove == null ? List.of() : List.copyOf(autoApprove);
    breakGlass = breakGlass == null ? Boolean.TRUE : breakGlass;
    webhook = webhook == null || webhook.isBlank() ? null : webhook.strip();
  }

  /**
   * One auto-approval rule.
   *
   * @param name recorded as the approver, {@code policy:<name>}
   * @param groups display names of the user groups whose members it approves
   * @param namespaces the namespaces it covers ({@code "*"}: all)
   * @param maxPermission {@code read}, {@code write} or {@code admin}; default {@code read}
   * @param maxDuration the longest grant it approves; default the policy's
   */
  public record AutoApprove(String name, List<String> groups, List<String> namespaces, String maxPermission,
      Duration maxDuration) {
    public AutoApprove {
      groups = groups == null ? List.of() : List.copyOf(groups);
      namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
      maxPermission = maxPermission == null ? "read" : maxPermission.strip();
    }
  }
}
