/**
 * Temporal's HTTP API through Gatehouse's pipeline: the routes of the {@code google.api.http} options in the
 * Temporal API descriptors, Temporal's JSON (payload shorthand included), and the same identify, authorize and audit
 * stages as the gRPC data plane before a call is forwarded upstream as gRPC. The public face is
 * {@link dev.gatehouse.httpapi.HttpApiServer} (the {@code httpApi} listener) and
 * {@link dev.gatehouse.httpapi.HttpApiHandler} (the handler alone, e.g. for the Web UI's {@code /api/v1}).
 */
package dev.gatehouse.httpapi;
