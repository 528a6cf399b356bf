/**
 * Identity and authorization, with Temporal's plugin model.
 *
 * <p>A call's credentials ({@link dev.gatehouse.auth.AuthInfo}) go through a {@link dev.gatehouse.auth.ClaimMapper}
 * to become {@link dev.gatehouse.auth.Claims} (subject, system role, namespace roles); an
 * {@link dev.gatehouse.auth.Authorizer} then decides on the {@link dev.gatehouse.auth.CallTarget} (method, namespace,
 * request). {@link dev.gatehouse.api.ApiCatalog} classifies every API method by scope and access as Temporal does.
 * Transports run the whole pipeline through {@link dev.gatehouse.auth.AccessController}.
 *
 * <p>Plugins implement {@link dev.gatehouse.auth.ClaimMapperProvider} or {@link dev.gatehouse.auth.AuthorizerProvider}
 * and register through {@link java.util.ServiceLoader}; Gatehouse creates them with a
 * {@link dev.gatehouse.auth.PluginContext} (configuration, its origin, metrics, scheduler, clock).
 * {@link dev.gatehouse.auth.ClaimMappers} combines mappers and makes the built-in ones. Mappers and authorizers run
 * on event loops and must not block.
 *
 * <p>With a store, {@link dev.gatehouse.auth.StoreIdentities} holds the store's identities in memory (API keys, the
 * roles of users, groups and service accounts, each namespace's client CAs) and provides the {@code apiKey} and
 * {@code namespaceCertificates} mappers; {@link dev.gatehouse.auth.StoreClaims} names what their claims carry.
 */
package dev.gatehouse.auth;
