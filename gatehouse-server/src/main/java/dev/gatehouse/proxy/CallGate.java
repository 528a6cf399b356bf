package dev.gatehouse.proxy;

/**
 * A stage of the data-plane pipeline. Gates run in order on every call after the request message has arrived
 * and before anything is sent upstream; the first refusal ends the call and the upstream never sees it.
 *
 * <p>Gates run on the transport thread and must not block. A gate that throws refuses the call (fail closed).
 * A gate may add headers to {@link InboundCall#headers()}: those are the headers forwarded upstream.
 */
@FunctionalInterface
public interface CallGate {
  GateVerdict admit(InboundCall call) throws Exception;
}
