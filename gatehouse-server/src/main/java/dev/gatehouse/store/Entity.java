package dev.gatehouse.store;

/** An entity the store keeps: an id unique within its kind, a name unique within its kind, and its {@link Meta}. */
public sealed interface Entity permits User, UserGroup, ServiceAccount, ApiKey, Namespace, AsyncOperation,
    ElevatedGrant, ReviewCampaign, ReviewItem {
  /** Unique within the kind; for a namespace, its name. */
  String id();

  /**
   * Unique within the kind (case-insensitive for emails): a user's email, a group's display name, a service
   * account's name, an API key's id, a namespace's name, an operation's id.
   */
  String uniqueName();

  Meta meta();

  /** This entity with other {@link Meta}; the store sets it on every write. */
  Entity withMeta(Meta meta);
}
