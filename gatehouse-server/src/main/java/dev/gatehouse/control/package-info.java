/**
 * The control plane: the subset of Temporal Cloud's Ops API ({@code temporal.api.cloud.cloudservice.v1.CloudService})
 * that manages Gatehouse's namespaces, users, user groups, service accounts and API keys, with Cloud's request and
 * response types, paging, {@code resource_version} checks and (already fulfilled) async operations, so
 * {@code CloudServiceStubs} and other Cloud Ops API clients work unchanged.
 *
 * <p>The public face is {@link dev.gatehouse.control.ControlPlaneServer} (the listener; every call runs the
 * {@link dev.gatehouse.pipeline.CallPipeline} with face {@code control}, authorized by
 * {@link dev.gatehouse.auth.CloudAccessPolicy}), {@link dev.gatehouse.control.ApiKeyIssuer} (how keys are made) and
 * {@link dev.gatehouse.control.Bootstrap} (the first Owner and key). Requests arrive as bytes and are parsed into
 * their type only once admitted; the store is read and written on the control plane's own executor, never on an
 * event loop.
 */
package dev.gatehouse.control;
