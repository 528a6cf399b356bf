package dev.gatehouse.pipeline;

import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.audit.AuditBroker;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.Identification;
import io.grpc.Metadata;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * One call as the pipeline sees it, filled in as the call goes: what the face knew when the call arrived (method,
 * headers, credentials, address, start), the request once read (namespace and bytes), the access decision once
 * made, and the outcome once closed. Later stages read what earlier ones decided; nothing decided is ever replaced
 * (each step is set once).
 *
 * <p>Confined to the call: a face touches it on the call's own event loop (or request thread), and a stage that
 * completes on another thread hands the call back through a {@link java.util.concurrent.CompletionStage}, which
 * orders the writes before the resumed stage's reads. Not for use across calls.
 */
public final class CallContext {
  private final Face face;
  private final ApiMethod method;
  private final Metadata headers;
  private final AuthInfo credentials;
  private final boolean ambiguousCredentials;
  private final SocketAddress remoteAddress;
  private final long startNanos;
  private final long startEpochMillis;
  private String callId;
  private final String operation;

  private Identification identification;
  private String namespace;
  private byte[] request;
  private long requestBytes = -1;
  private AccessCheck access;
  private Status status;
  private int httpStatus;
  private long responseBytes;
  private long latencyNanos = -1;

  private CallContext(Builder b) {
    this.face = b.face;
    this.method = b.method;
    this.headers = b.headers;
    this.credentials = b.credentials;
    this.ambiguousCredentials = b.ambiguousCredentials;
    this.remoteAddress = b.remoteAddress;
    this.startNanos = b.startNanos;
    this.startEpochMillis = System.currentTimeMillis();
    this.operation = b.operation;
  }

  /**
   * A call that has just arrived through {@code face}.
   *
   * @param method the classified method (for a face that is not Temporal's gRPC API, the method it is checked as)
   * @param headers the call's headers, forged identity headers already removed; for a forwarding face, exactly what
   *     will be sent upstream
   */
  public static Builder arrived(Face face, ApiMethod method, Metadata headers) {
    return new Builder(face, method, headers);
  }

  public Face face() {
    return face;
  }

  /** The classified method. */
  public ApiMethod method() {
    return method;
  }

  /** The call's headers, as forwarded upstream by forwarding faces; gates may add to them. */
  public Metadata headers() {
    return headers;
  }

  /** The credentials the call arrived with (never {@code null}; {@link AuthInfo#none()} without any). */
  public AuthInfo credentials() {
    return credentials;
  }

  /** True when a credential header came more than once, so no one credential can be trusted. */
  public boolean ambiguousCredentials() {
    return ambiguousCredentials;
  }

  public SocketAddress remoteAddress() {
    return remoteAddress;
  }

  /** {@link System#nanoTime()} when the call arrived. */
  public long startNanos() {
    return startNanos;
  }

  /** Wall-clock milliseconds when the call arrived, for records. */
  public long startEpochMillis() {
    return startEpochMillis;
  }

  /**
   * What the caller asked for when it is not the method itself (the codec server's {@code encode} or
   * {@code decode}, checked as a Temporal method), else {@code null}.
   */
  public String operation() {
    return operation;
  }

  /** The call's id: its audit records' {@code log_id}, unique per call. */
  public String callId() {
    // Made on first use: a call no audit log records never pays for one.
    if (callId == null) {
      callId = AuditBroker.newCallId();
    }
    return callId;
  }

  /** Who the caller is, once identified from the headers; {@code null} before. */
  public Identification identification() {
    return identification;
  }

  /** The namespace read from the request ({@code ""} when it has none); {@code null} before the request is read. */
  public String namespace() {
    return namespace;
  }

  /**
   * The raw request message, once read and until forwarded ({@code null} otherwise); stages must not modify it.
   */
  public byte[] request() {
    return request;
  }

  /** The request's size in bytes once read, else -1. */
  public long requestBytes() {
    return requestBytes;
  }

  /** The access decision once made (allowed or refused), else {@code null}. */
  public AccessCheck access() {
    return access;
  }

  /** The final status once the call has closed, else {@code null}. */
  public Status status() {
    return status;
  }

  /** The HTTP status a non-gRPC face answered with, else 0. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Bytes of response messages sent to the caller. */
  public long responseBytes() {
    return responseBytes;
  }

  /** Time from arrival to close once closed, else -1. */
  public long latencyNanos() {
    return latencyNanos;
  }

  /**
   * Records the request the face read: {@code namespace} from the body (never from a header), and its bytes.
   *
   * @throws IllegalStateException when the request was already recorded
   */
  public void requestRead(String namespace, byte[] request) {
    if (this.namespace != null) {
      throw new IllegalStateException("request already recorded");
    }
    this.namespace = Objects.requireNonNull(namespace);
    this.request = request;
    this.requestBytes = request == null ? 0 : request.length;
  }

  /** Drops the request bytes once they have been sent on, so a long call does not pin them. */
  public void releaseRequest() {
    this.request = null;
  }

  void identified(Identification who) {
    if (identification != null) {
      throw new IllegalStateException("caller already identified");
    }
    this.identification = who;
  }

  void decided(AccessCheck check) {
    if (access != null) {
      throw new IllegalStateException("access already decided");
    }
    this.access = check;
  }

  /** Closes the record; true the first time, false when it was already closed. */
  boolean closed(Status status, int httpStatus, long responseBytes) {
    if (this.status != null) {
      return false;
    }
    this.status = status;
    this.httpStatus = httpStatus;
    this.responseBytes = responseBytes;
    this.latencyNanos = System.nanoTime() - startNanos;
    this.request = null;
    return true;
  }

  @Override
  public String toString() {
    return "CallContext[" + face.wireName() + " " + method.fullName() + ", namespace=" + namespace + ", status="
        + (status == null ? "open" : status.getCode()) + "]";
  }

  /** What a face knows when a call arrives. */
  public static final class Builder {
    private final Face face;
    private final ApiMethod method;
    private final Metadata headers;
    private AuthInfo credentials = AuthInfo.none();
    private boolean ambiguousCredentials;
    private SocketAddress remoteAddress;
    private long startNanos = System.nanoTime();
    private String operation;

    private Builder(Face face, ApiMethod method, Metadata headers) {
      this.face = Objects.requireNonNull(face);
      this.method = Objects.requireNonNull(method);
      this.headers = Objects.requireNonNull(headers);
    }

    /**
     * The call's credentials.
     *
     * @param ambiguous true when a credential header came more than once: the call is then refused
     */
    public Builder credentials(AuthInfo credentials, boolean ambiguous) {
      this.credentials = credentials == null ? AuthInfo.none() : credentials;
      this.ambiguousCredentials = ambiguous;
      return this;
    }

    public Builder remoteAddress(SocketAddress address) {
      this.remoteAddress = address;
      return this;
    }

    /** When the call arrived ({@link System#nanoTime()}); default: now. */
    public Builder startNanos(long nanos) {
      this.startNanos = nanos;
      return this;
    }

    /** The operation's own name, for a face whose calls are checked as another method (see {@link #operation()}). */
    public Builder operation(String operation) {
      this.operation = operation;
      return this;
    }

    public CallContext build() {
      return new CallContext(this);
    }
  }
}
