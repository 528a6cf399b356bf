package dev.gatehouse.pipeline;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Identification;
import dev.gatehouse.auth.PrincipalHeaders;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages every face runs on every call, in one fixed order. A face owns its transport (how headers, the request
 * and the answer travel) and calls these three steps; what happens in between, and in which order, is decided here
 * and nowhere else.
 *
 * <ol>
 *   <li><b>sanitize</b> (the face): transport headers and identity headers a caller could forge
 *       ({@code temporal-principal-*}, {@code gatehouse-*}) are dropped first, so no later stage, and not the
 *       upstream, can be fooled by them (invariant 3).</li>
 *   <li><b>identify</b> ({@link #authenticate}): from the headers alone, before the face reads the body, so a
 *       caller without acceptable credentials can make Gatehouse buffer nothing (invariant 8). Ambiguous
 *       credentials (a header sent twice) are refused here.</li>
 *   <li><b>one message, namespace</b> (the face): exactly one request message; the namespace from the body, which
 *       is what the upstream acts on; headers, paths and task tokens may only agree with it (invariant 2).</li>
 *   <li><b>authorize</b> ({@link #admit}): the authorizer, then every other namespace the request reaches into.
 *       After the namespace, because the decision must use the body's.</li>
 *   <li><b>audit decision</b>: the {@link AuditHook} hears every decision, allowed or refused, before anything is
 *       forwarded; so a refusal can never go unrecorded and, in blocking mode, nothing reaches the upstream before
 *       its record is durable (invariant 1). Its failure refuses an allowed call.</li>
 *   <li><b>custom gates</b>: {@link CallGate}s, only for allowed and recorded calls, in the order added. Last,
 *       so they see the decision and cannot undo a refusal.</li>
 *   <li><b>forward</b> (the face), resumed on the call's own event loop.</li>
 *   <li><b>observers on close</b> ({@link #close}): every call exactly once, admitted or refused, with its final
 *       status, latency and sizes: metrics and audit completion.</li>
 * </ol>
 *
 * <p>Asynchronous admission: a stage may answer with a pending {@link CompletionStage}. The pipeline then goes on
 * through the {@code loop} executor the face passes in, the call's own event loop, so the face's transport calls stay
 * serialized and the loop's own upstream connection is used. Stages that answer at once run inline, with no hop.
 */
public final class CallPipeline {
  private static final Logger log = LoggerFactory.getLogger(CallPipeline.class);
  private static final String NOT_CHECKED = "request could not be checked";

  private final AccessController access;
  private final AuditHook audit;
  private final CallGate[] gates;
  private final CallObserver[] observers;

  private CallPipeline(AccessController access, AuditHook audit, CallGate[] gates, CallObserver[] observers) {
    this.access = access;
    this.audit = audit;
    this.gates = gates;
    this.observers = observers;
  }

  /** A pipeline deciding with {@code access}; add the audit hook, gates and observers on the builder. */
  public static Builder builder(AccessController access) {
    return new Builder(access);
  }

  /** This pipeline with one more observer, e.g. a face's own metrics. */
  public CallPipeline withObserver(CallObserver observer) {
    CallObserver[] more = Arrays.copyOf(observers, observers.length + 1);
    more[observers.length] = Objects.requireNonNull(observer);
    return new CallPipeline(access, audit, gates, more);
  }

  /**
   * This pipeline with {@code gate} first among the gates: a face's own check that needs what only the face has
   * (its upstream connection), run before the custom gates.
   */
  public CallPipeline withFaceGate(CallGate gate) {
    CallGate[] more = new CallGate[gates.length + 1];
    more[0] = Objects.requireNonNull(gate);
    System.arraycopy(gates, 0, more, 1, gates.length);
    return new CallPipeline(access, audit, more, observers);
  }

  /** This pipeline without custom gates, for faces that do not forward a protobuf request (the codec server). */
  public CallPipeline withoutGates() {
    return new CallPipeline(access, audit, new CallGate[0], observers);
  }

  /** The access controller deciding for this pipeline. */
  public AccessController accessController() {
    return access;
  }

  /** The catalog the faces classify their calls with. */
  public ApiCatalog catalog() {
    return access.catalog();
  }

  /** The header carrying the bearer token ({@code authHeaderName}), as configured. */
  public String authHeaderName() {
    return access.authHeaderName();
  }

  /** The header carrying extra auth data ({@code authExtraHeaderName}), as configured. */
  public String authExtraHeaderName() {
    return access.authExtraHeaderName();
  }

  /**
   * Step 2, identify: call as soon as the headers are in. {@code then} receives {@link GateVerdict#admit()} (read
   * the request and go on with {@link #admit}) or a refusal to answer with; it runs inline or, when a stage is
   * pending, on {@code loop}.
   */
  public void authenticate(CallContext call, Executor loop, Consumer<GateVerdict> then) {
    Identification who;
    if (call.ambiguousCredentials()) {
      // We would decide on one credential while an upstream that also authorizes might use the other (Temporal's
      // frontend reads the first header, Metadata.get the last). Refuse rather than guess.
      who = new Identification(call.method(), Claims.anonymous(), new AccessCheck(
          AccessCheck.Outcome.UNAUTHENTICATED, Claims.anonymous(), call.method(), "",
          AccessController.REQUEST_UNAUTHENTICATED, "ambiguous credentials: a credential header came twice", false),
          0);
    } else {
      who = access.identify(call.credentials(), call.method());
    }
    call.identified(who);
    if (!who.refused()) {
      then.accept(GateVerdict.admit());
      return;
    }
    call.decided(who.refusal());
    record(call, loop, recorded -> then.accept(refusal(who.refusal())));
  }

  /**
   * Steps 4 to 6, authorize, audit decision and custom gates: call once the request is recorded
   * ({@link CallContext#requestRead}). {@code then} receives the admission (with the response rewriter to apply,
   * e.g. the {@code ListNamespaces} filter) or a refusal; it runs inline or, when a stage is pending, on
   * {@code loop}.
   */
  public void admit(CallContext call, Executor loop, Consumer<GateVerdict> then) {
    AccessCheck check = access.authorize(call.identification(), call.namespace(), call.request());
    call.decided(check);
    record(call, loop, recorded -> {
      if (!check.allowed()) {
        then.accept(refusal(check));
      } else if (!recorded) {
        then.accept(GateVerdict.refuse(Status.UNAVAILABLE.withDescription("the call could not be audited")));
      } else {
        addPrincipalHeaders(call.headers(), check);
        UnaryOperator<byte[]> filter =
            check.filtersResponse() ? response -> access.filterResponse(check, response) : null;
        runGates(call, 0, filter, loop, then);
      }
    });
  }

  /**
   * Step 8: the call has closed with {@code status} (and, for an HTTP face, {@code httpStatus}, else 0) after
   * sending {@code responseBytes}. Every observer sees it once; a second close of the same call is ignored.
   */
  public void close(CallContext call, Status status, int httpStatus, long responseBytes) {
    if (!call.closed(status, httpStatus, responseBytes)) {
      return;
    }
    for (CallObserver o : observers) {
      try {
        o.onClose(call);
      } catch (RuntimeException | LinkageError e) {
        log.warn("call observer {} failed on {}: {}", o.getClass().getName(), call.method().fullName(), e.toString());
      }
    }
  }

  /** The gRPC status a refused decision is answered with; the description is what the caller may see. */
  public static Status statusOf(AccessCheck check) {
    return switch (check.outcome()) {
      case ALLOW -> Status.OK;
      case UNAUTHENTICATED -> Status.UNAUTHENTICATED.withDescription(check.message());
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED.withDescription(check.message());
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT.withDescription(check.message());
    };
  }

  private static GateVerdict refusal(AccessCheck check) {
    return GateVerdict.refuse(statusOf(check));
  }

  /** Runs the audit hook; {@code then} learns whether the record was taken. */
  private void record(CallContext call, Executor loop, Consumer<Boolean> then) {
    if (audit == AuditHook.NONE) {
      then.accept(true);
      return;
    }
    CompletableFuture<Void> stage;
    try {
      stage = Objects.requireNonNull(audit.decided(call), "audit hook returned no stage").toCompletableFuture();
    } catch (RuntimeException | LinkageError e) {
      log.error("audit hook failed on {}: {}", call.method().fullName(), e.toString());
      then.accept(false);
      return;
    }
    if (stage.isDone()) {
      then.accept(!stage.isCompletedExceptionally());
      return;
    }
    // Durable-record waits (blocking mode) end on the audit writer thread; resume on the call's own loop.
    stage.whenCompleteAsync((ignored, failure) -> {
      // The audit log says which sink failed and why, rate-limited; a line per refused call would flood the log.
      if (failure != null && log.isDebugEnabled()) {
        log.debug("audit record for {} failed: {}", call.method().fullName(), failure.toString());
      }
      then.accept(failure == null);
    }, loop);
  }

  private void addPrincipalHeaders(Metadata headers, AccessCheck check) {
    PrincipalHeaders principals = access.principalHeaders();
    if (!principals.propagates()) {
      return;
    }
    Map<String, String> principal = principals.forCaller(check.claims());
    for (Map.Entry<String, String> h : principal.entrySet()) {
      headers.put(Metadata.Key.of(h.getKey(), Metadata.ASCII_STRING_MARSHALLER), h.getValue());
    }
  }

  private void runGates(
      CallContext call, int from, UnaryOperator<byte[]> rewriter, Executor loop, Consumer<GateVerdict> then) {
    UnaryOperator<byte[]> soFar = rewriter;
    for (int i = from; i < gates.length; i++) {
      CallGate gate = gates[i];
      CompletableFuture<GateVerdict> stage;
      try {
        CompletionStage<GateVerdict> answer = gate.admit(call);
        if (answer == GateVerdict.Admit.PLAIN_STAGE) {
          // The usual answer (admitted, nothing to rewrite), known without unwrapping a future per call.
          continue;
        }
        stage = answer == null ? null : answer.toCompletableFuture();
      } catch (Exception | LinkageError e) {
        then.accept(verdict(gate, call, null, e));
        return;
      }
      if (stage == null) {
        then.accept(verdict(gate, call, null, null));
        return;
      }
      if (!stage.isDone()) {
        int next = i + 1;
        UnaryOperator<byte[]> before = soFar;
        stage.whenCompleteAsync((verdict, failure) -> {
          GateVerdict v = verdict(gate, call, verdict, failure);
          if (v instanceof GateVerdict.Admit admit) {
            runGates(call, next, compose(before, admit.responseRewriter()), loop, then);
          } else {
            then.accept(v);
          }
        }, loop);
        return;
      }
      GateVerdict v = stage.handle((verdict, failure) -> verdict(gate, call, verdict, failure)).join();
      if (!(v instanceof GateVerdict.Admit admit)) {
        then.accept(v);
        return;
      }
      soFar = compose(soFar, admit.responseRewriter());
    }
    then.accept(soFar == null ? GateVerdict.admit() : GateVerdict.admitRewriting(soFar));
  }

  private static GateVerdict verdict(CallGate gate, CallContext call, GateVerdict verdict, Throwable failure) {
    if (failure != null) {
      log.error("call refused: pipeline stage {} failed on {}", gate.getClass().getName(), call.method().fullName(),
          failure);
      return GateVerdict.refuse(Status.INTERNAL.withDescription(NOT_CHECKED));
    }
    if (verdict == null) {
      log.error("call refused: pipeline stage {} returned no verdict", gate.getClass().getName());
      return GateVerdict.refuse(Status.INTERNAL.withDescription(NOT_CHECKED));
    }
    return verdict;
  }

  private static UnaryOperator<byte[]> compose(UnaryOperator<byte[]> first, UnaryOperator<byte[]> second) {
    if (first == null) {
      return second;
    }
    if (second == null) {
      return first;
    }
    return bytes -> second.apply(first.apply(bytes));
  }

  /** Assembles a {@link CallPipeline}. */
  public static final class Builder {
    private final AccessController access;
    private AuditHook audit = AuditHook.NONE;
    private final List<CallGate> gates = new ArrayList<>();
    private final List<CallObserver> observers = new ArrayList<>();

    private Builder(AccessController access) {
      this.access = Objects.requireNonNull(access, "an access controller: every call is identified and authorized");
    }

    /** The audit log's hook; default none. */
    public Builder audit(AuditHook hook) {
      this.audit = Objects.requireNonNull(hook);
      return this;
    }

    /**
     * Records every call in {@code log}: its decision before anything is forwarded (the audit hook) and its outcome
     * when it closes (an observer).
     */
    public Builder auditLog(AuditLog log) {
      Objects.requireNonNull(log);
      if (log == AuditLog.OFF) {
        return this;
      }
      this.audit = call -> log.decided(AuditEvents.of(call));
      observers.add(call -> log.completed(AuditEvents.of(call)));
      return this;
    }

    /** Appends a custom gate; gates run in the order added. */
    public Builder gate(CallGate gate) {
      gates.add(Objects.requireNonNull(gate));
      return this;
    }

    /** Adds an end-of-call observer. */
    public Builder observer(CallObserver observer) {
      observers.add(Objects.requireNonNull(observer));
      return this;
    }

    public CallPipeline build() {
      return new CallPipeline(access, audit, gates.toArray(CallGate[]::new), observers.toArray(CallObserver[]::new));
    }
  }
}
