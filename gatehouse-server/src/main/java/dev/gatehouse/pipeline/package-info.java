/**
 * The per-call pipeline every face shares: the call's context ({@link dev.gatehouse.pipeline.CallContext}), the one
 * fixed order of stages ({@link dev.gatehouse.pipeline.CallPipeline}), and the extension points a stage plugs into:
 * custom {@link dev.gatehouse.pipeline.CallGate}s, the {@link dev.gatehouse.pipeline.AuditHook} and end-of-call
 * {@link dev.gatehouse.pipeline.CallObserver}s. Faces ({@code proxy}, {@code codecserver}, later {@code httpapi} and
 * {@code control}) depend on this package; it depends only on {@code auth}, {@code api} and below.
 */
package dev.gatehouse.pipeline;
