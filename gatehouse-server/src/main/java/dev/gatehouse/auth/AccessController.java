package dev.gatehouse.auth;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigOrigin;
import dev.gatehouse.config.RootTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorization pipeline every transport runs before forwarding a call: identify the caller with the
 * {@link ClaimMapper}, check the namespace, ask the {@link Authorizer}, and re-ask it for every other namespace the
 * request reaches into. Any failure along the way refuses the call (fail closed).
 *
 * <p>Transport-neutral: a gRPC data plane and an HTTP codec server both build an {@link AuthInfo} from their headers
 * and TLS session, call {@link #check}, and map the {@link AccessCheck.Outcome} to their own status codes.
 *
 * <p>Metrics: counter {@code gatehouse.auth.decisions} tagged {@code result} ({@code allow}, {@code unauthenticated},
 * {@code permission_denied}, {@code invalid_argument}) and timer {@code gatehouse.auth.decision.latency}.
 */
public final class AccessController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessController.class);

  /** Temporal's message for a refused call. */
  public static final String REQUEST_UNAUTHORIZED = "Request unauthorized.";
  /** The message for a call without acceptable credentials. */
  public static final String REQUEST_UNAUTHENTICATED = "Request unauthenticated.";
  /** Temporal's message for a namespace-scoped call without a namespace. */
  public static final String NAMESPACE_NOT_SET = "Namespace not set on request.";
  /** The {@link Claims#extensions()} key naming the namespace a namespace endpoint confined the caller to. */
  public static final String ENDPOINT_NAMESPACE = "gatehouse.endpointNamespace";


  private final Authorization config;
  private final ApiCatalog catalog;
  private final ClaimMapper claimMapper;
  private final Authorizer authorizer;
  private final boolean ownsClaimMapper;
  private final boolean ownsAuthorizer;
  private final ScheduledExecutorService ownedScheduler;
  private final CrossNamespaceCalls crossNamespace;
  private final ApiMethod listNamespaces;
  private final ApiMethod describeNamespace;
  private final Map<AccessCheck.Outcome, Counter> decisions = new EnumMap<>(AccessCheck.Outcome.class);
  private final Timer latency;
  private final PrincipalHeaders principalHeaders;
  private final Clock clock;
  private final java.util.function.UnaryOperator<String> endpointNamespace;

  private AccessController(Builder b) {
    this.config = b.config;
    this.catalog = b.catalog;
    this.principalHeaders = new PrincipalHeaders(config.propagatePrincipal());
    // A catalog without WorkflowService (the control plane's) has no call that reaches into other namespaces.
    this.crossNamespace = new CrossNamespaceCalls(
        catalog.find(ApiCatalog.WORKFLOW + "/RespondWorkflowTaskCompleted") != null ? catalog : ApiCatalog.temporal());
    // Absent from catalogs without WorkflowService (the control plane's): nothing is then filtered.
    this.listNamespaces = catalog.find(ApiCatalog.WORKFLOW + "/ListNamespaces");
    this.describeNamespace = catalog.find(ApiCatalog.WORKFLOW + "/DescribeNamespace");
    ClassLoader loader = b.classLoader != null ? b.classLoader : AccessController.class.getClassLoader();
    MeterRegistry registry = b.meterRegistry != null ? b.meterRegistry : new SimpleMeterRegistry();
    this.ownedScheduler = b.scheduler == null ? privateScheduler() : null;
    PluginContext context = PluginContext.builder(config).origin(b.origin).meterRegistry(registry)
        .scheduler(b.scheduler != null ? b.scheduler : ownedScheduler).clock(b.clock).tls(b.tls).build();
    this.clock = b.clock;
    this.ownsClaimMapper = b.claimMapper == null;
    this.ownsAuthorizer = b.authorizer == null;
    this.endpointNamespace = b.endpointNamespace;
    try {
      this.claimMapper = b.claimMapper != null ? b.claimMapper
          : Plugins.claimMapper(context, loader, b.storeIdentities);
      try {
        Authorizer chosen = b.authorizer != null ? b.authorizer : Plugins.authorizer(context, loader);
        // API keys count only in namespaces that accept them, whatever authorizer decides after.
        this.authorizer = b.storeIdentities == null ? chosen : b.storeIdentities.guard(chosen);
      } catch (RuntimeException e) {
        if (ownsClaimMapper) {
          claimMapper.close();
        }
        throw e;
      }
    } catch (RuntimeException e) {
      if (ownedScheduler != null) {
        ownedScheduler.shutdownNow();
      }
      throw e;
    }
    for (AccessCheck.Outcome o : AccessCheck.Outcome.values()) {
      decisions.put(o, Counter.builder("gatehouse.auth.decisions")
          .description("Authorization decisions by result")
          .tag("result", o.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
    this.latency = Timer.builder("gatehouse.auth.decision.latency")
        .description("Time to identify and authorize a call")
        .register(registry);
    if (!config.certificateRules().isEmpty()
        && Arrays.stream(config.claimMapper().split("[+,]")).map(String::strip).noneMatch("mtls"::equals)) {
      log.warn("global.authorization.certificateRules are set but claimMapper '{}' does not use them; "
          + "set claimMapper to mtls or default+mtls", config.claimMapper());
    }
    log.info("authorization: claimMapper={}, authorizer={}", claimMapper, authorizer);
  }

  // Only for controllers built without Gatehouse's scheduler (tests, tools); its thread starts with the first task.
  private static ScheduledExecutorService privateScheduler() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "gatehouse-auth-background");
      t.setDaemon(true);
      return t;
    });
    s.setRemoveOnCancelPolicy(true);
    return s;
  }

  /** A builder over {@code global.authorization}. */
  public static Builder builder(Authorization config) {
    return new Builder(config);
  }

  /** The controller {@code config} names, recording metrics in {@code registry} (may be {@code null}). */
  public static AccessController create(Authorization config, MeterRegistry registry) {
    return builder(config).meterRegistry(registry).build();
  }

  /**
   * Decides whether a call may proceed: {@link #identify} then {@link #authorize}, for faces that have the whole
   * request at once.
   *
   * @param info the call's credentials ({@code null}: none)
   * @param fullMethodName the gRPC method, with or without the leading {@code /}
   * @param namespace the namespace read from the request body (the one the upstream will act on); {@code null} or
   *     empty when the request has none
   * @param request the serialized request, for cross-namespace checks and {@link CallTarget#request()}; may be
   *     {@code null} when there is no protobuf body
   * @return the decision; never {@code null}, never throws
   */
  public AccessCheck check(AuthInfo info, String fullMethodName, String namespace, byte[] request) {
    ApiMethod method = catalog.find(fullMethodName);
    if (method == null) {
      AccessCheck refused = refuse(AccessCheck.Outcome.PERMISSION_DENIED, Claims.anonymous(), null, namespace,
          "unknown method");
      return counted(refused, 0, fullMethodName);
    }
    Identification who = identify(info, method);
    return who.refused() ? who.refusal() : authorize(who, namespace, request);
  }

  /**
   * The first step, from the credentials alone: who is calling. Faces call it as soon as the headers are in, so a
   * caller whose credentials fail — or who has none, for a method that needs them — is refused before its request
   * body is read (invariant 8). Runs the claim mapper, which answers from memory and never blocks.
   *
   * @param info the call's credentials ({@code null}: none)
   * @param method the classified method, from {@link #catalog()}
   * @return the caller's claims, or a refusal; never {@code null}, never throws
   */
  public Identification identify(AuthInfo info, ApiMethod method) {
    long start = System.nanoTime();
    Claims claims = Claims.anonymous();
    AccessCheck refusal;
    try {
      AuthInfo credentials = info == null ? AuthInfo.none() : info;
      refusal = null;
      String expired = leafValidity(credentials);
      if (expired != null) {
        // The handshake checked the certificate when the connection opened; a connection outlives it.
        throw new AuthenticationException(expired);
      }
      if (credentials.hasCredentials() || !claimMapper.authInfoRequired()) {
        Claims mapped = claimMapper.getClaims(credentials);
        claims = mapped == null ? Claims.anonymous() : mapped;
      }
      if (endpointNamespace != null && credentials.serverName() != null && !claims.isAnonymous()) {
        String bound = endpointNamespace.apply(credentials.serverName());
        if (bound != null) {
          claims = confined(claims, bound);
        }
      }
      if (claims.isAnonymous() && !method.healthCheck() && !authorizer.admitsAnonymous()) {
        // The authorizer would refuse this caller whatever the request says; refuse before reading it.
        refusal = refuse(AccessCheck.Outcome.UNAUTHENTICATED, claims, method, "", "no credentials");
      }
    } catch (AuthenticationException e) {
      claims = Claims.anonymous();
      refusal = refuse(AccessCheck.Outcome.UNAUTHENTICATED, claims, method, "", e.getMessage());
    } catch (RuntimeException | LinkageError | AssertionError e) {
      // The message could carry the credential; only the type is logged.
      log.warn("claim mapper {} failed on {}: {}", claimMapper, method.fullName(), e.getClass().getName());
      claims = Claims.anonymous();
      refusal = refuse(AccessCheck.Outcome.UNAUTHENTICATED, claims, method, "",
          "claim mapper error: " + e.getClass().getSimpleName());
    }
    long elapsed = System.nanoTime() - start;
    if (refusal != null) {
      counted(refusal, elapsed, method.fullName());
    }
    return new Identification(method, claims, refusal, elapsed);
  }

  /**
   * The claims a caller holds on a namespace endpoint: only in its namespace (where a system role counts), nowhere
   * else and not cluster-wide, so every call there, and every namespace a request reaches into, must be in it.
   */
  static Claims confined(Claims claims, String namespace) {
    Role role = claims.system().union(claims.namespaceRole(namespace));
    Map<String, Object> ext = new java.util.LinkedHashMap<>(claims.extensions());
    ext.put(ENDPOINT_NAMESPACE, namespace);
    return new Claims(claims.subject(), Role.UNDEFINED, role.bits() == 0 ? Map.of() : Map.of(namespace, role),
        claims.authType(), ext);
  }

  private String leafValidity(AuthInfo credentials) {
    if (credentials.tlsPeer() == null || credentials.tlsPeer().certificate() == null) {
      return null;
    }
    X509Certificate leaf = credentials.tlsPeer().certificate();
    long now = clock.millis();
    if (now > leaf.getNotAfter().getTime()) {
      return "client certificate expired";
    }
    if (now < leaf.getNotBefore().getTime()) {
      return "client certificate not yet valid";
    }
    return null;
  }

  /**
   * The second step, once the request is in: may this caller make this call in this namespace. Re-asks the
   * authorizer for every other namespace the request reaches into.
   *
   * @param who what {@link #identify} returned; a refusal is returned unchanged
   * @param namespace the namespace read from the request body; {@code null} or empty when it has none
   * @param request the serialized request, or {@code null} when there is no protobuf body
   * @return the decision; never {@code null}, never throws
   */
  public AccessCheck authorize(Identification who, String namespace, byte[] request) {
    if (who.refused()) {
      return who.refusal();
    }
    long start = System.nanoTime();
    AccessCheck result;
    try {
      result = decide(who.claims(), who.method(), namespace == null ? "" : namespace, request);
    } catch (RuntimeException | LinkageError | AssertionError e) {
      log.warn("authorization failed for {}: {}", who.method().fullName(), e.getClass().getName());
      result = refuse(AccessCheck.Outcome.PERMISSION_DENIED, who.claims(), who.method(), namespace,
          "authorization error: " + e.getClass().getSimpleName());
    }
    return counted(result, who.identifyNanos() + System.nanoTime() - start, who.method().fullName());
  }

  private AccessCheck counted(AccessCheck result, long elapsedNanos, String fullMethodName) {
    latency.record(elapsedNanos, TimeUnit.NANOSECONDS);
    decisions.get(result.outcome()).increment();
    if (!result.allowed() && log.isDebugEnabled()) {
      log.debug("{} {} namespace={} subject={}: {}", result.outcome(), fullMethodName, result.namespace(),
          result.claims().subject(), result.reason());
    }
    return result;
  }

  private AccessCheck decide(Claims claims, ApiMethod method, String namespace, byte[] request) {
    if (method.scope() == ApiMethod.Scope.NAMESPACE && namespace.isEmpty()) {
      return new AccessCheck(AccessCheck.Outcome.INVALID_ARGUMENT, claims, method, namespace, NAMESPACE_NOT_SET,
          "namespace-scoped call without a namespace", false);
    }
    if (method.scope() == ApiMethod.Scope.CLUSTER) {
      namespace = "";
    }

    Decision decision = authorize(claims, new CallTarget(catalog, method, namespace, request));
    if (!decision.allowed()) {
      return refuse(deniedOutcome(claims), claims, method, namespace, decision.reason());
    }

    if (crossNamespace.inspects(method)) {
      List<CrossNamespaceCalls.Reach> reaches;
      try {
        reaches = crossNamespace.scan(method, request);
      } catch (java.io.IOException e) {
        return refuse(AccessCheck.Outcome.PERMISSION_DENIED, claims, method, namespace, "malformed request");
      }
      for (CrossNamespaceCalls.Reach reach : reaches) {
        if (reach.namespace().equals(namespace)) {
          continue;
        }
        Decision d = authorize(claims, new CallTarget(catalog, reach.asMethod(), reach.namespace(), null));
        if (!d.allowed()) {
          String why = d.reason() == null ? "denied" : d.reason();
          return refuse(deniedOutcome(claims), claims, method, namespace,
              "cross-namespace " + reach.asMethod().methodName() + " in " + reach.namespace() + ": " + why);
        }
      }
    }
    return new AccessCheck(AccessCheck.Outcome.ALLOW, claims, method, namespace, null, null,
        listNamespaces != null && method == listNamespaces);
  }

  // An anonymous caller refused is told to authenticate; an identified one that it may not (invariant 7).
  private static AccessCheck.Outcome deniedOutcome(Claims claims) {
    return claims.isAnonymous() ? AccessCheck.Outcome.UNAUTHENTICATED : AccessCheck.Outcome.PERMISSION_DENIED;
  }

  private Decision authorize(Claims claims, CallTarget target) {
    Decision d = authorizer.authorize(claims, target);
    return d == null ? Decision.deny("authorizer returned no decision") : d;
  }

  private AccessCheck refuse(
      AccessCheck.Outcome outcome, Claims claims, ApiMethod method, String namespace, String reason) {
    String base = outcome == AccessCheck.Outcome.UNAUTHENTICATED ? REQUEST_UNAUTHENTICATED : REQUEST_UNAUTHORIZED;
    String message = config.exposeDenialReason() && reason != null ? base + " " + reason : base;
    return new AccessCheck(outcome, claims, method, namespace == null ? "" : namespace, message, reason, false);
  }

  /**
   * The response to send the caller: for an allowed {@code ListNamespaces} call, {@code response} without the
   * namespaces the caller may not read (each checked as {@code DescribeNamespace}); otherwise {@code response}
   * unchanged. A response that cannot be read becomes an empty list.
   */
  public byte[] filterResponse(AccessCheck check, byte[] response) {
    if (!check.filtersResponse() || !check.allowed() || response == null) {
      return response;
    }
    Claims claims = check.claims();
    try {
      return NamespaceListFilter.filter(response, ns -> mayRead(claims, ns));
    } catch (java.io.IOException | RuntimeException e) {
      log.warn("could not filter a ListNamespaces response ({}); returning an empty list", e.getClass().getName());
      return new byte[0];
    }
  }

  private boolean mayRead(Claims claims, String namespace) {
    try {
      return authorize(claims, new CallTarget(catalog, describeNamespace, namespace, null)).allowed();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Which identity headers are propagated upstream for this configuration ({@code propagatePrincipal}). */
  public PrincipalHeaders principalHeaders() {
    return principalHeaders;
  }

  /** The header carrying the bearer token ({@code authHeaderName}). */
  public String authHeaderName() {
    return config.authHeaderName();
  }

  /** The header carrying extra auth data ({@code authExtraHeaderName}). */
  public String authExtraHeaderName() {
    return config.authExtraHeaderName();
  }

  /**
   * True when the authorizer is the built-in {@code noop}, which allows every call: faces warn about it, as
   * Temporal's {@code IsNoopAuthorizer} does. Asked of the type, so a plugin that merely calls itself "noop" is not
   * taken for it.
   */
  public boolean allowsEverything() {
    return authorizer instanceof NoopAuthorizer;
  }

  /** The API catalog decisions are made against; faces classify their calls with it. */
  public ApiCatalog catalog() {
    return catalog;
  }

  /**
   * Closes the claim mapper and authorizer this controller created from the configuration (not overrides), and
   * the scheduler it made when none was given.
   */
  @Override
  public void close() {
    if (ownsClaimMapper) {
      claimMapper.close();
    }
    if (ownsAuthorizer) {
      authorizer.close();
    }
    if (ownedScheduler != null) {
      ownedScheduler.shutdownNow();
    }
  }

  /** Builds an {@link AccessController}. */
  public static final class Builder {
    private final Authorization config;
    private ClaimMapper claimMapper;
    private Authorizer authorizer;
    private MeterRegistry meterRegistry;
    private ClassLoader classLoader;
    private ScheduledExecutorService scheduler;
    private ConfigOrigin origin = key -> null;
    private Clock clock = Clock.systemUTC();
    private RootTls tls = RootTls.DEFAULT;
    private ApiCatalog catalog = ApiCatalog.temporal();
    private StoreIdentities storeIdentities;
    private java.util.function.UnaryOperator<String> endpointNamespace;

    private Builder(Authorization config) {
      this.config = config == null ? Authorization.DEFAULT : config;
    }

    /** Use this mapper instead of the one {@code claimMapper} names; the caller keeps ownership. */
    public Builder claimMapper(ClaimMapper claimMapper) {
      this.claimMapper = claimMapper;
      return this;
    }

    /** Use this authorizer instead of the one {@code authorizer} names; the caller keeps ownership. */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = authorizer;
      return this;
    }

    /** The methods this controller decides on; default {@link ApiCatalog#temporal()}. */
    public Builder catalog(ApiCatalog catalog) {
      this.catalog = Objects.requireNonNull(catalog);
      return this;
    }

    /** Where to record metrics; default: a private registry. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /** Where to look for plugins; default: Gatehouse's own class loader. */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = classLoader;
      return this;
    }

    /**
     * The executor plugins run background work on ({@link PluginContext#scheduler()}); the caller keeps ownership.
     * Default: one the controller makes and shuts down on {@link AccessController#close()}.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Where the configuration's keys came from, so plugins' configuration errors name the file; default: unknown. */
    public Builder configOrigin(ConfigOrigin origin) {
      this.origin = Objects.requireNonNull(origin, "origin");
      return this;
    }

    /**
     * The {@code global.tls} section, so certificate rules trust the frontend's client CAs by default; without it
     * they trust only the CAs they name.
     */
    public Builder tls(RootTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Identities from the store: the claim mapper names {@code apiKey} and {@code namespaceCertificates} become
     * usable in {@code claimMapper}; a {@code claimMapper} that names neither is asked after them
     * ({@code apiKey, namespaceCertificates, <claimMapper>}); API keys are refused in namespaces without API-key
     * auth; and namespace endpoints are resolved against the store's namespaces. The caller keeps ownership.
     */
    public Builder storeIdentities(StoreIdentities identities) {
      this.storeIdentities = Objects.requireNonNull(identities, "identities");
      if (endpointNamespace == null) {
        this.endpointNamespace = identities::endpointNamespace;
      }
      return this;
    }

    /**
     * Namespace endpoints: {@code serverName} (a connection's SNI name) to the namespace the connection is bound to,
     * or {@code null} when it is not a namespace endpoint. A caller on such a connection holds roles only there.
     */
    public Builder namespaceEndpoints(java.util.function.UnaryOperator<String> serverNameToNamespace) {
      this.endpointNamespace = Objects.requireNonNull(serverNameToNamespace);
      return this;
    }

    /**
     * Builds the controller.
     *
     * @throws dev.gatehouse.config.ConfigException when a name is unknown or a section is invalid
     */
    public AccessController build() {
      return new AccessController(this);
    }
  }
}
