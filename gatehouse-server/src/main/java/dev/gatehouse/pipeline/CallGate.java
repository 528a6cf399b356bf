package dev.gatehouse.pipeline;

import java.util.concurrent.CompletionStage;

/**
 * A custom stage of the pipeline: runs on every call the access controller allowed and the audit log recorded, after
 * the request message has arrived and before anything is sent upstream. Gates run in the order added; the first
 * refusal ends the call and the upstream never sees it. {@link CallContext#access()} holds the decision (claims,
 * method, namespace), {@link CallContext#request()} the raw request.
 *
 * <p>A gate runs on the call's event loop and must not block it: answer from memory with a completed stage
 * ({@link GateVerdict#admitted()}), or return a pending stage and complete it from another thread when the answer is
 * in; the call then resumes on its own event loop. A gate that throws, returns {@code null} or completes
 * exceptionally refuses the call with INTERNAL (fail closed). A gate may add headers to
 * {@link CallContext#headers()}: those are the headers forwarded upstream.
 */
@FunctionalInterface
public interface CallGate {
  CompletionStage<GateVerdict> admit(CallContext call) throws Exception;
}
