package dev.gatehouse.store;

/**
 * A system or application with its own access. Cloud's {@code identity.v1.ServiceAccount}: either account-wide
 * ({@code access} set, {@code scopedNamespace} null) or scoped to one namespace ({@code scopedNamespace} and
 * {@code scopedPermission} set, {@code access} {@link Access#NONE}).
 *
 * @param id the service account's id
 * @param name unique in the account
 * @param description free text
 * @param access account role and namespace permissions of an account-wide service account
 * @param scopedNamespace the one namespace of a namespace-scoped service account, or {@code null}
 * @param scopedPermission its permission there, or {@code null}
 * @param meta store metadata
 */
public record ServiceAccount(
    String id,
    String name,
    String description,
    Access access,
    String scopedNamespace,
    NamespacePermission scopedPermission,
    Meta meta) implements Entity {
  public ServiceAccount {
    access = access == null ? Access.NONE : access;
    description = description == null ? "" : description;
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String uniqueName() {
    return name;
  }

  @Override
  public ServiceAccount withMeta(Meta meta) {
    return new ServiceAccount(id, name, description, access, scopedNamespace, scopedPermission, meta);
  }
}
