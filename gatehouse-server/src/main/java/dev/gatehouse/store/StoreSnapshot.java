package dev.gatehouse.store;

import java.util.List;
import java.util.Map;

/**
 * Everything the data plane needs to authenticate and authorize from memory, read in one transaction.
 *
 * @param version the store's change counter when read
 * @param namespaces every namespace
 * @param users every user
 * @param userGroups every group
 * @param serviceAccounts every service account
 * @param apiKeys every API key
 * @param apiKeyHashes the keyed hash of each API key's secret, by key id
 * @param elevatedGrants every elevated grant (the data plane uses the active ones)
 */
public record StoreSnapshot(
    long version,
    List<Namespace> namespaces,
    List<User> users,
    List<UserGroup> userGroups,
    List<ServiceAccount> serviceAccounts,
    List<ApiKey> apiKeys,
    Map<String, byte[]> apiKeyHashes,
    List<ElevatedGrant> elevatedGrants) {

  public StoreSnapshot {
    elevatedGrants = elevatedGrants == null ? List.of() : elevatedGrants;
  }

  /** A snapshot without elevated grants. */
  public StoreSnapshot(long version, List<Namespace> namespaces, List<User> users, List<UserGroup> userGroups,
      List<ServiceAccount> serviceAccounts, List<ApiKey> apiKeys, Map<String, byte[]> apiKeyHashes) {
    this(version, namespaces, users, userGroups, serviceAccounts, apiKeys, apiKeyHashes, List.of());
  }
}
