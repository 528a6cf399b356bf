package dev.gatehouse.store;

/** Who owns an API key. Cloud's {@code identity.v1.OwnerType}. */
public enum OwnerType {
  USER,
  SERVICE_ACCOUNT
}
