package dev.gatehouse.bench.load;

import dev.gatehouse.dev.DevPki;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The gateway load run: client (this process), upstream and gateway each in its own process, nginx as the peer
 * proxy, measured side by side in one run with the targets alternating so drift hits all alike. The gateway runs
 * twice by default, authorizing by client certificate ({@code gateway (mtls)}) and by bearer JWT
 * ({@code gateway (jwt)}, the token signed by a key this process makes for the run); {@code --auth} picks one.
 *
 * <p>Per round and target: {@code --calls} sequential calls (p50, p99) and {@code --seconds} of
 * {@code --threads}-way concurrent calls (throughput); around each phase the CPU time of the proxy (gateway JVM,
 * or nginx master and workers) and of the upstream JVM, divided by the calls made. Every call is the
 * {@code --payload} {@link Workload} (default {@code DescribeNamespace("default")}: namespace-scoped, cheap and
 * answered by the in-memory server) through the Temporal SDK's blocking stub with mTLS.
 *
 * <p>Run it with {@code gatehouse-bench/bench-gateway.sh [options]}; {@code --help} lists the options.
 */
public final class LoadHarness {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /** The target name of the gateway measured with its audit log on ({@code --audit}). */
  private static final String AUDIT_TARGET = "gatehouse-audit";
  /** The target name of the gateway measured on the JDK's TLS engine ({@code --jdk-tls}). */
  private static final String JDK_TLS_TARGET = "gatehouse-jdktls";

  private final Options options;
  private final ProcessCpu cpu = ProcessCpu.probe();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private LoadHarness(Options options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.println(Options.USAGE);
      return;
    }
    if (!ProcessCpu.available()) {
      System.err.println("the load harness reads CPU time from /proc: Linux only");
      System.exit(2);
    }
    if (options.pin.any() && !Pinning.tasksetAvailable()) {
      System.err.println("--pin needs taskset (util-linux) on PATH");
      System.exit(2);
    }
    LoadHarness harness = new LoadHarness(options);
    Runtime.getRuntime().addShutdownHook(new Thread(harness::closeAll, "load-harness-shutdown"));
    int status = harness.run();
    System.exit(status);
  }

  /** @param proxy the proxy's process, how it is measured; null for direct */
  private record Target(String name, int port, ProcessCpu.Subject proxy, WorkflowServiceStubs stubs) {
    boolean proxied() {
      return proxy != null;
    }
  }

  private int run() throws Exception {
    Path dir = Files.createTempDirectory("gatehouse-load-");
    boolean ok = false;
    try {
      say("work dir " + dir + " (PKI, configs, child logs)");
      DevPki pki = DevPki.ensure(dir.resolve("pki"));
      String loadBefore = loadAverage();

      // Netty's sampling leak detector records a stack trace per sampled buffer (~1.5% CPU): off, as the launcher does.
      List<String> jvm = new ArrayList<>(List.of("-Xms256m", "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
          "-Dio.grpc.netty.shaded.io.netty.leakDetection.level=disabled"));
      List<String> upstreamJvm = new ArrayList<>(jvm);
      upstreamJvm.addAll(options.upstreamJvm);
      ChildJvm upstream = own(ChildJvm.start("upstream", UpstreamMain.class, upstreamJvm,
          List.of(pki.dir().toString()), dir, START_TIMEOUT));
      say("upstream pid " + upstream.pid() + " on port " + upstream.port());
      options.pin.apply(Pinning.Role.UPSTREAM, upstream.pid(), false);

      BenchIssuer issuer = options.auth.contains(GatewayAuth.JWT)
          ? BenchIssuer.create(dir.resolve("jwks.json"), Clock.systemUTC())
          : null;
      Map<GatewayAuth, ChildJvm> gateways = new EnumMap<>(GatewayAuth.class);
      for (GatewayAuth auth : options.auth) {
        ChildJvm g = own(ChildJvm.start(auth.process(), GatewayMain.class, gatewayJvm(jvm, dir, auth.process()),
            gatewayArgs(pki, upstream.port(), auth, issuer), dir, START_TIMEOUT));
        say(auth.target() + " pid " + g.pid() + " on port " + g.port());
        options.pin.apply(Pinning.Role.PROXY, g.pid(), false);
        gateways.put(auth, g);
      }
      // A build from another commit may only know GatewayMain's two-argument (mtls) form: use it unless the run
      // measures JWT alone.
      GatewayAuth compareAuth = options.auth.contains(GatewayAuth.MTLS) ? GatewayAuth.MTLS : GatewayAuth.JWT;
      List<ChildJvm> otherGateways = new ArrayList<>();
      for (Map.Entry<String, String> other : options.compareGateways.entrySet()) {
        ChildJvm g = own(ChildJvm.start(other.getKey(), other.getValue(), GatewayMain.class.getName(),
            gatewayJvm(jvm, dir, other.getKey()), gatewayArgs(pki, upstream.port(), compareAuth, issuer), dir,
            START_TIMEOUT));
        say(other.getKey() + " (class path " + other.getValue() + ", " + compareAuth.argument() + ") pid " + g.pid()
            + " on port " + g.port());
        options.pin.apply(Pinning.Role.PROXY, g.pid(), false);
        otherGateways.add(g);
      }
      // The same build with one setting changed, each as one more target in the same rounds.
      if (options.jdkTls) {
        otherGateways.add(variant(JDK_TLS_TARGET, GatewayMain.TLS_ENGINE_PROPERTY, "jdk",
            "frontend on the JDK's TLS engine", jvm, dir, pki, upstream, compareAuth, issuer));
      }
      for (Map.Entry<String, List<String>> v : options.gatewayVariants.entrySet()) {
        List<String> variantJvm = gatewayJvm(jvm, dir, v.getKey());
        variantJvm.addAll(v.getValue());
        ChildJvm g = own(ChildJvm.start(v.getKey(), GatewayMain.class, variantJvm,
            gatewayArgs(pki, upstream.port(), compareAuth, issuer), dir, START_TIMEOUT));
        say(v.getKey() + " (this build, " + String.join(" ", v.getValue()) + ") pid " + g.pid() + " on port "
            + g.port());
        options.pin.apply(Pinning.Role.PROXY, g.pid(), false);
        otherGateways.add(g);
      }
      if (options.audit) {
        otherGateways.add(variant(AUDIT_TARGET, GatewayMain.AUDIT_DIR_PROPERTY, dir.resolve("audit").toString(),
            "audit log on, blocking", jvm, dir, pki, upstream, compareAuth, issuer));
      }

      String nginxVersion = "not run";
      Nginx nginx = null;
      if (options.nginx) {
        Optional<Path> binary = options.nginxBinary != null ? Optional.of(options.nginxBinary) : Nginx.find();
        if (binary.isEmpty()) {
          say("nginx not found on PATH or in /usr/sbin: skipping the nginx comparison "
              + "(bench-gateway.sh installs Debian's nginx when apt-get is usable)");
        } else {
          nginxVersion = Nginx.version(binary.get());
          nginx = own(Nginx.start(binary.get(), dir.resolve("nginx"), pki, upstream.port(), options.nginxWorkers,
              Duration.ofSeconds(15)));
          say("nginx " + nginxVersion + " pid " + nginx.pid() + " on port " + nginx.port()
              + " (worker_processes " + options.nginxWorkers + ")");
          options.pin.apply(Pinning.Role.PROXY, nginx.pid(), true); // the workers too
        }
      }

      List<Target> targets = new ArrayList<>();
      targets.add(new Target(Report.DIRECT, upstream.port(), null, own(BenchCluster.clientStubs(pki, upstream.port()))));
      for (Map.Entry<GatewayAuth, ChildJvm> e : gateways.entrySet()) {
        ChildJvm g = e.getValue();
        targets.add(new Target(e.getKey().target(), g.port(), ProcessCpu.Subject.selfOnly(g.pid()),
            own(BenchCluster.clientStubs(pki, g.port(), bearer(e.getKey(), issuer)))));
      }
      for (ChildJvm g : otherGateways) {
        targets.add(new Target(g.name(), g.port(), ProcessCpu.Subject.selfOnly(g.pid()),
            own(BenchCluster.clientStubs(pki, g.port(), bearer(compareAuth, issuer)))));
      }
      if (nginx != null) {
        // nginx works in the workers the master forks: the group is the proxy.
        targets.add(new Target(Report.NGINX, nginx.port(), ProcessCpu.Subject.withDescendants(nginx.pid()),
            own(BenchCluster.clientStubs(pki, nginx.port()))));
      }

      // Last, so no child inherits the client's CPUs.
      options.pin.apply(Pinning.Role.CLIENT, ProcessHandle.current().pid(), false);
      if (options.pin.any()) {
        say("pinned: " + options.pin.describe());
      }
      // Directly to the upstream (targets.get(0) is direct), before any target is measured.
      options.payload.prepare(targets.get(0).stubs.blockingStub());
      for (Target t : targets) {
        say("warming up " + t.name + ": " + options.warmupCalls + " sequential calls, " + options.warmupSeconds
            + " s concurrent");
        sequential(t, options.warmupCalls, upstream.pid());
        concurrent(t, Duration.ofSeconds(options.warmupSeconds), upstream.pid());
      }

      Map<String, List<Measurement>> results = new LinkedHashMap<>();
      targets.forEach(t -> results.put(t.name, new ArrayList<>()));
      for (int round = 1; round <= options.rounds; round++) {
        for (Target t : targets) {
          Phase seq = sequential(t, options.calls, upstream.pid());
          Phase conc = concurrent(t, Duration.ofSeconds(options.seconds), upstream.pid());
          Measurement m = new Measurement(t.name, round,
              Measurement.percentileMicros(seq.sortedNanos, 0.50),
              Measurement.percentileMicros(seq.sortedNanos, 0.99),
              conc.calls / (conc.elapsedNanos / 1e9),
              seq.proxyPerCall(), conc.proxyPerCall(),
              seq.upstreamPerCall(), conc.upstreamPerCall(),
              seq.clientPerCall(), conc.clientPerCall(),
              seq.errors + conc.errors);
          results.get(t.name).add(m);
          say(String.format(java.util.Locale.ROOT,
              "round %d %-14s p50 %6.0f µs  p99 %6.0f µs  %7.0f calls/s  proxy CPU %s/%s µs"
                  + "  upstream CPU %.0f/%.0f µs  system CPU %.0f/%.0f µs"
                  + "  switches/call %s/%.1f/%.1f%s",
              round, t.name, m.p50Micros(), m.p99Micros(), m.callsPerSecond(),
              Report.f0(m.proxySeqCpuMicros()), Report.f0(m.proxyConcCpuMicros()),
              m.upstreamSeqCpuMicros(), m.upstreamConcCpuMicros(),
              m.proxyPlusUpstreamSeqCpuMicros(), m.proxyPlusUpstreamConcCpuMicros(),
              Report.f1(m.proxySeqSwitches()), m.upstreamSeqSwitches(), m.clientSeqSwitches(),
              m.errors() > 0 ? "  ERRORS " + m.errors() : ""));
        }
      }

      Report report = new Report(targets.stream().map(Target::name).toList(), results);
      String markdown = markdown(report, nginxVersion, loadBefore, loadAverage());
      System.out.println();
      System.out.println(markdown);
      Path out = resultsFile();
      Files.writeString(out, markdown);
      say("wrote " + out);
      ok = results.values().stream().flatMap(List::stream).allMatch(m -> m.errors() == 0);
      if (!ok) {
        say("some calls failed: figures are suspect; child logs kept in " + dir);
      }
      return ok ? 0 : 1;
    } finally {
      closeAll();
      if (ok && !options.keep && !options.jfr) {
        deleteTree(dir);
      } else {
        say("kept " + dir + (options.jfr ? " (gateway.jfr: jfr print --events jdk.ExecutionSample ...)" : ""));
      }
    }
  }

  /** The arguments of {@link GatewayMain}; the two-argument form for mtls, which every build understands. */
  private static List<String> gatewayArgs(DevPki pki, int upstreamPort, GatewayAuth auth, BenchIssuer issuer) {
    List<String> args = new ArrayList<>(List.of(pki.dir().toString(), Integer.toString(upstreamPort)));
    if (auth == GatewayAuth.JWT) {
      args.addAll(List.of(auth.argument(), issuer.jwks().toString()));
    }
    return args;
  }

  /** What fills the authorization header of calls to a gateway with {@code auth}: nothing for mtls. */
  private static Supplier<String> bearer(GatewayAuth auth, BenchIssuer issuer) {
    return auth == GatewayAuth.JWT ? issuer::authorizationHeader : null;
  }

  /** A gateway of this build with the system property {@code property} set, as target {@code name}. */
  private ChildJvm variant(String name, String property, String value, String what, List<String> jvm, Path dir,
      DevPki pki, ChildJvm upstream, GatewayAuth auth, BenchIssuer issuer) throws IOException, InterruptedException {
    List<String> options = gatewayJvm(jvm, dir, name);
    options.add("-D" + property + "=" + value);
    ChildJvm g = own(ChildJvm.start(name, GatewayMain.class, options, gatewayArgs(pki, upstream.port(), auth, issuer),
        dir, START_TIMEOUT));
    say(name + " (" + what + ") pid " + g.pid() + " on port " + g.port());
    this.options.pin.apply(Pinning.Role.PROXY, g.pid(), false);
    return g;
  }

  private List<String> gatewayJvm(List<String> common, Path dir, String name) {
    List<String> out = new ArrayList<>(common);
    if (options.jfr) {
      out.add("-XX:StartFlightRecording=filename=" + dir.resolve(name + ".jfr") + ",settings=profile,dumponexit=true,"
          // CPU-time sampling (JDK 25) counts native code too (BoringSSL, syscalls); JfrBreakdown reads it.
          + "jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=1ms");
    }
    out.addAll(options.gatewayJvm);
    return out;
  }

  /** What one phase measured. */
  private record Phase(long calls, long errors, long elapsedNanos, long[] sortedNanos, ProcessCpu.Usage proxy,
      ProcessCpu.Usage upstream, ProcessCpu.Usage client, boolean proxied) {
    Measurement.PerCall proxyPerCall() {
      return proxied ? Measurement.PerCall.of(proxy, calls) : Measurement.PerCall.NONE;
    }

    Measurement.PerCall upstreamPerCall() {
      return Measurement.PerCall.of(upstream, calls);
    }

    Measurement.PerCall clientPerCall() {
      return Measurement.PerCall.of(client, calls);
    }
  }

  private Phase sequential(Target t, int calls, long upstreamPid) {
    WorkflowServiceGrpc.WorkflowServiceBlockingStub stub = t.stubs.blockingStub();
    long[] nanos = new long[calls];
    long errors = 0;
    Reading before = cpuNow(t, upstreamPid);
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      try {
        options.payload.call(stub);
      } catch (StatusRuntimeException e) {
        errors++;
        reportError(t, e);
      }
      nanos[i] = System.nanoTime() - t0;
    }
    long elapsed = System.nanoTime() - start;
    Reading after = cpuNow(t, upstreamPid);
    Arrays.sort(nanos);
    return phase(calls, errors, elapsed, nanos, t, before, after);
  }

  private Phase concurrent(Target t, Duration duration, long upstreamPid) throws InterruptedException {
    LongAdder calls = new LongAdder();
    LongAdder errors = new LongAdder();
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(options.threads);
    long[] deadline = new long[1];
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < options.threads; i++) {
      Thread th = new Thread(() -> {
        WorkflowServiceGrpc.WorkflowServiceBlockingStub stub = t.stubs.blockingStub();
        try {
          go.await();
          while (System.nanoTime() - deadline[0] < 0) {
            try {
              options.payload.call(stub);
            } catch (StatusRuntimeException e) {
              errors.increment();
              reportError(t, e);
            }
            calls.increment();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }, "load-" + t.name + "-" + i);
      th.start();
      threads.add(th);
    }
    Reading before = cpuNow(t, upstreamPid);
    long start = System.nanoTime();
    deadline[0] = start + duration.toNanos();
    go.countDown();
    done.await();
    long elapsed = System.nanoTime() - start;
    Reading after = cpuNow(t, upstreamPid);
    for (Thread th : threads) {
      th.join();
    }
    return phase(calls.sum(), errors.sum(), elapsed, new long[0], t, before, after);
  }

  /** Samples of proxy (null for direct), upstream and client at one moment. */
  private record Reading(ProcessCpu.Sample proxy, ProcessCpu.Sample upstream, ProcessCpu.Sample client) {}

  private Reading cpuNow(Target t, long upstreamPid) {
    // The client is this process, and every other measured process is its child: self only, always.
    return new Reading(t.proxied() ? cpu.sample(t.proxy) : null, cpu.selfOnly(upstreamPid),
        cpu.selfOnly(ProcessHandle.current().pid()));
  }

  private Phase phase(long calls, long errors, long elapsedNanos, long[] sortedNanos, Target t, Reading before,
      Reading after) {
    return new Phase(calls, errors, elapsedNanos, sortedNanos,
        t.proxied() ? cpu.between(before.proxy(), after.proxy()) : ProcessCpu.Usage.NONE,
        cpu.between(before.upstream(), after.upstream()), cpu.between(before.client(), after.client()),
        t.proxied());
  }

  private final AtomicBoolean errorShown = new AtomicBoolean();

  private void reportError(Target t, StatusRuntimeException e) {
    if (errorShown.compareAndSet(false, true)) {
      say("call through " + t.name + " failed (further failures are only counted): " + e.getStatus());
    }
  }

  private String markdown(Report report, String nginxVersion, String loadBefore, String loadAfter) {
    String date = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16);
    return """
        # Gateway load run, %s

        Client, upstream and gateway each in its own JVM, nginx as the peer proxy; mTLS (TLS 1.3) on every leg, \
        dev PKI certificates. Call (`--payload %s`): %s through the Temporal SDK's blocking stub, one channel per \
        target, against the in-memory Temporal test server.

        - Command: `gatehouse-bench/bench-gateway.sh %s`
        - Machine: %d CPUs (`availableProcessors`), load average %s before, %s after; other work may share it, so \
        figures carry noise.
        - Java %s (%s); child JVMs `-Xms256m -Xmx512m`%s; nginx %s, `worker_processes %s`, upstream `keepalive 64`.
        - Fairness rule: each proxy at its default size for this machine (the gateway's default gRPC/Netty threads, \
        nginx `worker_processes auto` = one worker per core), mTLS on both legs, TLS 1.3, both reusing upstream \
        connections.
        - CPU pinning (`--pin`): %s.
        - Gateway authorization (claim mapping and Temporal's default authorizer on every call): %s.
        - Per round and target: %d sequential calls (p50, p99), then %d s of %d-way concurrent calls (throughput). \
        Targets alternate %s, %d rounds after warm-up (%d sequential calls + %d s concurrent each).
        - CPU per call: process CPU time (`/proc/<pid>/stat` utime + stime, %d ticks/s) over the phase, divided by \
        the calls made in it. Each process is counted by itself: the client is the harness without its children \
        (the other processes); only nginx is a group, master + workers.
        - Figures: median over rounds; added latency and ratios are taken against direct within each round, then the \
        median.

        %s
        %s## Per process

        User and system CPU per call apart, context switches (voluntary + involuntary, every thread) and CPU \
        migrations (`se.nr_migrations` from `/proc/<pid>/task/*/sched`, \"n/a\" where the kernel does not expose \
        it) per call, for every process of every target; medians over rounds.

        %s
        ## Gateway against the targets

        %s
        ## Rounds

        %s""".formatted(date, options.payload.option(), options.payload.description(),
        options.commandLine(), Runtime.getRuntime().availableProcessors(), loadBefore,
        loadAfter, System.getProperty("java.version"), System.getProperty("java.vm.name"),
        options.gatewayJvm.isEmpty() ? "" : ", gateway " + String.join(" ", options.gatewayJvm),
        nginxVersion, options.nginxWorkers, options.pin.describe(), authorizationLine(), options.calls, options.seconds, options.threads,
        String.join(", ", report.targetsInOrder()) + ", …", options.rounds, options.warmupCalls,
        options.warmupSeconds, cpu.ticksPerSecond(), report.summaryTable(), tableNotes(), report.processTable(), report.targetChecks(),
        report.roundsTable());
  }

  private String authorizationLine() {
    List<String> parts = new ArrayList<>();
    if (options.auth.contains(GatewayAuth.MTLS)) {
      parts.add("`" + Report.GATEWAY_MTLS + "` by client certificate (claim mapper `mtls`: the dev client "
          + "certificate maps to `default:write`)");
    }
    if (options.auth.contains(GatewayAuth.JWT)) {
      parts.add("`" + Report.GATEWAY_JWT + "` by bearer JWT (claim mapper `default`, RS256 2048-bit key from a "
          + "`file:` JWKS, audience checked, token with `permissions: [\"default:write\"]` and a 1 h lifetime; "
          + "the client certificate is still required but grants nothing)");
    }
    if (!options.compareGateways.isEmpty()) {
      parts.add("comparison gateways (" + String.join(", ", options.compareGateways.keySet()) + ") as `"
          + (options.auth.contains(GatewayAuth.MTLS) ? Report.GATEWAY_MTLS : Report.GATEWAY_JWT) + "`");
    }
    for (Map.Entry<String, List<String>> v : options.gatewayVariants.entrySet()) {
      parts.add("`" + v.getKey() + "`: this build with `" + String.join(" ", v.getValue()) + "`");
    }
    return String.join("; ", parts);
  }

  private String tableNotes() {
    if (!options.auth.contains(GatewayAuth.JWT)) {
      return "";
    }
    return """
        Note on `%s`: the client sends the same token on every call (a worker reuses its token until it nears \
        expiry) and the gateway remembers verified tokens by SHA-256 (`tokenCacheSize`, default 10000), so after \
        the first call these figures measure the cached path: hashing the header, one cache lookup, the \
        authorizer. The uncached cost, an RS256 signature verification and claim checks on every call, is in the \
        JMH `JwtCheckBenchmark` (`cache=false`).

        """.formatted(Report.GATEWAY_JWT);
  }

  private Path resultsFile() throws IOException {
    Files.createDirectories(options.results);
    String date = LocalDate.now().toString();
    Path out = options.results.resolve("gateway-" + date + ".md");
    for (int n = 2; Files.exists(out); n++) {
      out = options.results.resolve("gateway-" + date + "-" + n + ".md");
    }
    return out;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private <T extends AutoCloseable> T own(T resource) {
    synchronized (resources) {
      resources.push(resource);
    }
    return resource;
  }

  private <T extends WorkflowServiceStubs> T own(T stubs) {
    own((AutoCloseable) stubs::shutdownNow);
    return stubs;
  }

  private void closeAll() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (resources) {
      while (!resources.isEmpty()) {
        try {
          resources.pop().close();
        } catch (Exception e) {
          System.err.println("while stopping: " + e);
        }
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  private static void say(String line) {
    System.out.println("[load] " + line);
    System.out.flush();
  }

  /** Command-line options; every one has a default that gives a run of a few minutes on two cores. */
  static final class Options {
    static final String USAGE = """
        usage: LoadHarness [options]
          --rounds N             rounds of direct, gateway(s), nginx (default 4)
          --auth mtls|jwt|both   how the gateway authorizes: by client certificate (claim mapper mtls, target
                                 "gateway (mtls)"), by bearer JWT (claim mapper default, RS256, target
                                 "gateway (jwt)"), or both as two gateways in the same rounds (default both)
          --calls N              sequential calls per round and target (default 5000)
          --threads N            client threads in the concurrent phase (default 16)
          --seconds N            length of the concurrent phase (default 5)
          --warmup-calls N       sequential warm-up calls per target (default 20000)
          --warmup-seconds N     seconds of concurrent warm-up per target (default 5)
          --nginx-workers W      nginx worker_processes (default auto)
          --nginx PATH           nginx binary (default: found on PATH or /usr/sbin)
          --no-nginx             skip the nginx comparison
          --payload P            the call: describe (DescribeNamespace, default), 2k (StartWorkflowExecution with
                                 a 2 KiB input), 64k or 1m (GetWorkflowExecutionHistory of a workflow with a
                                 64 KiB or 1 MiB input: a response shaped like a PollWorkflowTaskQueue one)
          --pin ROLE=CPUS        pin a role's processes to CPUs with taskset (repeatable): ROLE client (this
                                 harness), upstream or proxy (every gateway, nginx master + workers); CPUS a
                                 taskset list (0, 1-3, 0,2); roles not named stay unpinned (default: none)
          --results DIR          where the Markdown report goes (default gatehouse-bench/results)
          --gateway-jvm OPT      extra JVM option for the gateway process (repeatable)
          --upstream-jvm OPT     extra JVM option for the upstream process (repeatable)
          --compare-gateway NAME=CLASSPATH
                                 also measure a gateway built elsewhere (e.g. a copy of the bench jar from
                                 another commit) as target NAME, in the same rounds (repeatable)
          --audit                also measure the gateway with its audit log on (blocking mode, file sink) as
                                 target gatehouse-audit, in the same rounds
          --jdk-tls              also measure the gateway with its frontend on the JDK's TLS engine
                                 (listen.tlsEngine: jdk) as target gatehouse-jdktls
          --gateway-variant NAME=OPTS
                                 also measure this build's gateway with extra JVM options OPTS (space-separated,
                                 after --gateway-jvm) as target NAME, in the same rounds (repeatable)
          --jfr                  record the gateway with JFR (profile settings); keeps the work dir
          --keep                 keep the work dir (PKI, configs, logs)
        """;

    /** Names of the run's own processes and targets (child logs and JFR files are named after them). */
    private static final List<String> RESERVED_NAMES = List.of(Report.DIRECT, Report.NGINX, "upstream",
        GatewayAuth.MTLS.process(), GatewayAuth.JWT.process(), AUDIT_TARGET, JDK_TLS_TARGET);

    int rounds = 4;
    int calls = 5000;
    int threads = 16;
    int seconds = 5;
    int warmupCalls = 20000;
    int warmupSeconds = 5;
    String nginxWorkers = "auto";
    Path nginxBinary;
    boolean nginx = true;
    Workload payload = Workload.DESCRIBE;
    Pinning pin = Pinning.NONE;
    Path results = Path.of("gatehouse-bench", "results");
    final List<String> gatewayJvm = new ArrayList<>();
    final List<String> upstreamJvm = new ArrayList<>();
    final Map<String, String> compareGateways = new LinkedHashMap<>();
    final Map<String, List<String>> gatewayVariants = new LinkedHashMap<>();
    EnumSet<GatewayAuth> auth = EnumSet.allOf(GatewayAuth.class);
    boolean jfr;
    boolean audit;
    boolean jdkTls;
    boolean keep;
    boolean help;
    private final List<String> given = new ArrayList<>();

    static Options parse(String[] args) {
      Options o = new Options();
      o.given.addAll(List.of(args));
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        String value = null;
        int eq = a.indexOf('=');
        if (a.startsWith("--") && eq > 0) {
          value = a.substring(eq + 1);
          a = a.substring(0, eq);
        }
        switch (a) {
          case "--help", "-h" -> o.help = true;
          case "--no-nginx" -> o.nginx = false;
          case "--jfr" -> o.jfr = true;
          case "--audit" -> o.audit = true;
          case "--jdk-tls" -> o.jdkTls = true;
          case "--keep" -> o.keep = true;
          default -> {
            if (value == null) {
              if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + a);
              }
              value = args[++i];
            }
            switch (a) {
              case "--rounds" -> o.rounds = positive(a, value);
              case "--calls" -> o.calls = positive(a, value);
              case "--threads" -> o.threads = positive(a, value);
              case "--seconds" -> o.seconds = positive(a, value);
              case "--warmup-calls" -> o.warmupCalls = positive(a, value);
              case "--warmup-seconds" -> o.warmupSeconds = positive(a, value);
              case "--nginx-workers" -> o.nginxWorkers = value;
              case "--payload" -> o.payload = Workload.parse(value);
              case "--pin" -> o.pin = o.pin.with(value);
              case "--auth" -> o.auth = auth(value);
              case "--nginx" -> o.nginxBinary = Path.of(value);
              case "--results" -> o.results = Path.of(value);
              case "--gateway-jvm" -> o.gatewayJvm.add(value);
              case "--upstream-jvm" -> o.upstreamJvm.add(value);
              case "--compare-gateway" -> {
                int sep = value.indexOf('=');
                String name = sep > 0 ? value.substring(0, sep) : "";
                if (!name.matches("[a-z][a-z0-9-]*") || RESERVED_NAMES.contains(name)
                    || o.compareGateways.containsKey(name)) {
                  throw new IllegalArgumentException("--compare-gateway takes NAME=CLASSPATH with a new lower-case NAME");
                }
                o.compareGateways.put(name, value.substring(sep + 1));
              }
              case "--gateway-variant" -> {
                int sep = value.indexOf('=');
                String name = sep > 0 ? value.substring(0, sep) : "";
                List<String> jvmOptions = sep > 0 ? List.of(value.substring(sep + 1).trim().split("\\s+")) : List.of();
                if (!name.matches("[a-z][a-z0-9-]*") || RESERVED_NAMES.contains(name)
                    || o.compareGateways.containsKey(name) || o.gatewayVariants.containsKey(name)
                    || jvmOptions.isEmpty() || jvmOptions.get(0).isEmpty()) {
                  throw new IllegalArgumentException(
                      "--gateway-variant takes NAME=JVM-OPTIONS with a new lower-case NAME, e.g. serial=-XX:+UseSerialGC");
                }
                o.gatewayVariants.put(name, jvmOptions);
              }
              default -> throw new IllegalArgumentException("unknown option " + a);
            }
          }
        }
      }
      if (!o.nginxWorkers.matches("auto|[1-9]\\d*")) {
        throw new IllegalArgumentException("--nginx-workers takes auto or a positive number");
      }
      return o;
    }

    private static EnumSet<GatewayAuth> auth(String value) {
      return switch (value) {
        case "both" -> EnumSet.allOf(GatewayAuth.class);
        case "mtls" -> EnumSet.of(GatewayAuth.MTLS);
        case "jwt" -> EnumSet.of(GatewayAuth.JWT);
        default -> throw new IllegalArgumentException("--auth takes mtls, jwt or both, not " + value);
      };
    }

    private static int positive(String name, String value) {
      try {
        int n = Integer.parseInt(value);
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(name + " takes a positive whole number, not " + value);
    }

    String commandLine() {
      return String.join(" ", given);
    }
  }
}
