package dev.gatehouse.store;

/**
 * A person, identified by email. Cloud's {@code identity.v1.User}.
 *
 * @param id the user's id
 * @param email the user's email, unique in the account (compared case-insensitively)
 * @param access the user's account role and namespace permissions
 * @param meta store metadata
 */
public record User(String id, String email, Access access, Meta meta) implements Entity {
  public User {
    access = access == null ? Access.NONE : access;
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String uniqueName() {
    return email.toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public User withMeta(Meta meta) {
    return new User(id, email, access, meta);
  }
}
