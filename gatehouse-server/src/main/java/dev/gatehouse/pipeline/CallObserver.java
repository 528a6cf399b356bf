package dev.gatehouse.pipeline;

/**
 * The end-of-call hook: sees every call exactly once, when it closes, whether it was forwarded or refused at any
 * stage, with its final {@link CallContext#status()}, {@link CallContext#latencyNanos()} and
 * {@link CallContext#responseBytes()}; {@link CallContext#access()} is {@code null} for a call refused before its
 * access was decided (e.g. a malformed request). Metrics and the audit log's completion records hang here.
 *
 * <p>Runs on the call's event loop: must be quick and must not block. An exception is logged and ignored (the call
 * has already been answered).
 */
@FunctionalInterface
public interface CallObserver {
  void onClose(CallContext call);
}
