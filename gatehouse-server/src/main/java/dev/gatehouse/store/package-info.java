/**
 * Persistence of the control plane's entities, in Temporal Cloud's words: one {@link dev.gatehouse.store.Account}
 * per installation, its {@link dev.gatehouse.store.Namespace namespaces}, {@link dev.gatehouse.store.User users},
 * {@link dev.gatehouse.store.UserGroup user groups}, {@link dev.gatehouse.store.ServiceAccount service accounts} and
 * {@link dev.gatehouse.store.ApiKey API keys}. SQLite by default, PostgreSQL when replicas share one store; Flyway
 * migrations; secrets at rest under AES-256-GCM; a change counter that replicas follow.
 *
 * <p>The public face is {@link dev.gatehouse.store.AccountStore} and the entity records. Every method of the store
 * may block on the database: never call it from an event loop. The data plane reads identities from memory (a
 * {@link dev.gatehouse.store.StoreSnapshot} kept current through {@link dev.gatehouse.store.AccountStore#changesSince}).
 */
package dev.gatehouse.store;
