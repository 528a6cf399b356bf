/**
 * The per-call pipeline every face shares: the call's context ({@link dev.gatehouse.pipeline.CallContext}), the one
 * fixed order of stages ({@link dev.gatehouse.pipeline.CallPipeline}), and the extension points a stage plugs into:
 * custom {@link dev.gatehouse.pipeline.CallGate}s, the {@link dev.gatehouse.pipeline.AuditHook} and end-of-call
 * {@link dev.gatehouse.pipeline.CallObserver}s. Faces ({@code proxy}, {@code codecserver}, {@code httpapi},
 * {@code webui}, {@code control}) depend on this package; it depends only on {@code audit}, {@code auth}, {@code api}
 * and below.
 *
 * <p>The HTTP faces' "one message" step lives here too: {@link dev.gatehouse.pipeline.BodyReader} reads a body only
 * after the headers authenticated, without holding a thread, within a {@link dev.gatehouse.pipeline.BodyBudget}
 * the face keeps over all its requests.
 */
package dev.gatehouse.pipeline;
