package dev.gatehouse.store;

/**
 * A permission on one namespace, as Temporal Cloud's {@code NamespaceAccess.Permission}. Declared from the least to
 * the most permissive, so {@code compareTo} orders them and "the most permissive wins" is {@code max}.
 */
public enum NamespacePermission {
  READ,
  WRITE,
  ADMIN;

  /** The more permissive of the two; {@code null} counts as no permission. */
  public static NamespacePermission max(NamespacePermission a, NamespacePermission b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.compareTo(b) >= 0 ? a : b;
  }
}
