package dev.gatehouse.auth;

import dev.gatehouse.api.ApiMethod;

/**
 * Who is calling, established from the credentials alone by {@link AccessController#identify}, before the request
 * body is read; {@link AccessController#authorize} completes the decision once it is.
 *
 * @param method the classified method
 * @param claims the caller's claims ({@link Claims#anonymous()} when refused or without credentials)
 * @param refusal the refusal when the caller may go no further, else {@code null}
 * @param identifyNanos time spent identifying, counted into the decision latency metric
 */
public record Identification(ApiMethod method, Claims claims, AccessCheck refusal, long identifyNanos) {

  /** True when the call must be refused with {@link #refusal()}. */
  public boolean refused() {
    return refusal != null;
  }
}
