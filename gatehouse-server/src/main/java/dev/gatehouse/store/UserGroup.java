package dev.gatehouse.store;

import java.util.Set;
import java.util.TreeSet;

/**
 * A group of users holding access together; when a member's own access and a group's overlap, the most permissive
 * wins. Cloud's {@code identity.v1.UserGroup} (Gatehouse keeps the members itself, as Cloud's Temporal-managed
 * groups do).
 *
 * @param id the group's id
 * @param displayName unique in the account
 * @param access what members hold through the group
 * @param memberIds ids of the member users
 * @param meta store metadata
 */
public record UserGroup(String id, String displayName, Access access, Set<String> memberIds, Meta meta)
    implements Entity {
  public UserGroup {
    access = access == null ? Access.NONE : access;
    memberIds = memberIds == null ? Set.of() : java.util.Collections.unmodifiableSet(new TreeSet<>(memberIds));
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String uniqueName() {
    return displayName;
  }

  @Override
  public UserGroup withMeta(Meta meta) {
    return new UserGroup(id, displayName, access, memberIds, meta);
  }
}
