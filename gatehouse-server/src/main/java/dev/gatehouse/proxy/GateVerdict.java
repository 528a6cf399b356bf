package dev.gatehouse.proxy;

import io.grpc.Status;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** What a {@link CallGate} decided. */
public sealed interface GateVerdict {

  /** Admit the call unchanged. */
  static GateVerdict admit() {
    return Admit.PLAIN;
  }

  /** Admit the call and rewrite each response message (e.g. to filter a listing) before it reaches the caller. */
  static GateVerdict admitRewriting(UnaryOperator<byte[]> responseRewriter) {
    return new Admit(Objects.requireNonNull(responseRewriter));
  }

  /** Refuse the call with this status; its description is what the caller sees. */
  static GateVerdict refuse(Status status) {
    if (status.isOk()) {
      throw new IllegalArgumentException("a refusal needs a non-OK status");
    }
    return new Refuse(status);
  }

  /** @param responseRewriter applied to every response message, or {@code null} to pass them through */
  record Admit(UnaryOperator<byte[]> responseRewriter) implements GateVerdict {
    static final Admit PLAIN = new Admit(null);
  }

  record Refuse(Status status) implements GateVerdict {}
}
