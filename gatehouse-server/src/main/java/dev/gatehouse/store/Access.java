package dev.gatehouse.store;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a user, group or service account holds: an account role and a permission per namespace. Cloud's
 * {@code identity.v1.Access}.
 *
 * @param accountRole the account-level role; {@link AccountRole#NONE} when absent
 * @param namespaces permission per namespace name
 */
public record Access(AccountRole accountRole, Map<String, NamespacePermission> namespaces) {
  public static final Access NONE = new Access(AccountRole.NONE, Map.of());

  public Access {
    accountRole = accountRole == null ? AccountRole.NONE : accountRole;
    namespaces = namespaces == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(namespaces));
  }
}
