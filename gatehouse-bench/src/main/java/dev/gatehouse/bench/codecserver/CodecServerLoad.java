package dev.gatehouse.bench.codecserver;

import com.google.protobuf.ByteString;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.codecserver.CodecHttpServer;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.codecserver.PayloadsJson;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.tls.CertificateAuthority;
import dev.gatehouse.tls.IssuedCertificate;
import io.temporal.api.common.v1.Payload;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Load driver for the codec server: single-payload {@code POST /decode} over HTTPS (TLS 1.3, keep-alive) with JWT
 * authentication, from N concurrent java.net.http clients, side by side in one run with two in-process baselines
 * on as many threads: the bare {@link EncryptionCodec#decode} and the server's per-request work without HTTP (JSON in,
 * {@link AccessController#check}, decode, JSON out). The ratios are the cost of the protocol's JSON and of
 * authorization, and of HTTP+TLS on top.
 *
 * <p>Client and server share the process and the machine, as in the design's other side-by-side figures; the CPU
 * figure is the whole process's (client and server) per request.
 *
 * <pre>
 * java -cp gatehouse-bench/target/gatehouse-bench.jar dev.gatehouse.bench.codecserver.CodecServerLoad \
 *     --clients 8 --size 256 --warmup 5 --seconds 10
 * </pre>
 */
public final class CodecServerLoad {
  private CodecServerLoad() {}

  record Options(int clients, int size, int warmupSeconds, int seconds) {
    static Options parse(String[] args) {
      int clients = 8;
      int size = 256;
      int warmup = 5;
      int seconds = 10;
      for (int i = 0; i + 1 < args.length; i += 2) {
        int value = Integer.parseInt(args[i + 1]);
        switch (args[i]) {
          case "--clients" -> clients = value;
          case "--size" -> size = value;
          case "--warmup" -> warmup = value;
          case "--seconds" -> seconds = value;
          default -> throw new IllegalArgumentException("unknown option " + args[i]
              + " (--clients N --size BYTES --warmup SECONDS --seconds SECONDS)");
        }
      }
      return new Options(clients, size, warmup, seconds);
    }
  }

  /** One phase's outcome. */
  record Result(String name, long operations, double seconds, long errors, long[] latenciesNanos, long cpuNanos,
      long serverCpuNanos) {
    double perSecond() {
      return operations / seconds;
    }

    double percentileMicros(double p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.min(latenciesNanos.length - 1, Math.ceil(p * latenciesNanos.length) - 1);
      return latenciesNanos[Math.max(i, 0)] / 1000.0;
    }

    double cpuMicrosPerOp() {
      return operations == 0 ? Double.NaN : cpuNanos / 1000.0 / operations;
    }

    double serverCpuMicrosPerOp() {
      return operations == 0 ? Double.NaN : serverCpuNanos / 1000.0 / operations;
    }
  }

  /** One client's loop: returns true when the call succeeded. */
  @FunctionalInterface
  interface Call {
    boolean run() throws Exception;
  }

  @FunctionalInterface
  interface CallFactory {
    Call create() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Path dir = Files.createTempDirectory("gatehouse-codec-bench");
    CertificateAuthority ca = CertificateAuthority.create("bench CA", CertificateAuthority.KeyType.EC_P256,
        Duration.ofDays(1));
    IssuedCertificate cert = ca.leaf("localhost").dnsNames("localhost").ipAddresses("127.0.0.1").serverAuth().issue();
    cert.write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    ECKey signing = new ECKeyGenerator(Curve.P_256).keyID("bench").generate();
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(signing.toPublicJWK()).toString());
    String bearer = "Bearer " + token(signing, "default:read");
    Path keyringFile = dir.resolve("keyring.properties");
    KeyringFiles.create(keyringFile, "bench-1");

    Authorization auth = new Authorization(new JwtKeyProvider(List.of(jwks.toUri().toString()), null), null, null,
        "default", "default", null, null, null);
    ServerTls tls = new ServerTls(dir.resolve("server.pem").toString(), dir.resolve("server-key.pem").toString(),
        null, null, null, null, false);
    EncryptionCodec codec = EncryptionCodec.builder().keyring(Keyring.fromFile(keyringFile))
        .defaultNamespace("default").build();
    Payload plain = Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8("\"" + "x".repeat(Math.max(0, o.size() - 2)) + "\"")).build();
    Payload encrypted = codec.encode(List.of(plain)).get(0);
    String body = PayloadsJson.print(List.of(encrypted));

    try (AccessController access = AccessController.builder(auth).build();
        CodecHttpServer server = CodecHttpServer.builder(
            new CodecServer("127.0.0.1:0", tls, List.of(), false, null, keyringFile.toString(), null), access)
            .build().start()) {
      SSLContext trustCa = trusting(ca);
      URI decode = URI.create("https://localhost:" + server.port() + "/decode");
      System.out.printf(Locale.ROOT, "codec server load: %d clients, %d-byte payload (%d-byte request), %ds warm-up, "
          + "%ds measured, JDK %s, %d CPUs%n", o.clients(), o.size(), body.length(), o.warmupSeconds(), o.seconds(),
          Runtime.version(), Runtime.getRuntime().availableProcessors());

      List<Result> results = new ArrayList<>();
      results.add(run("in-process EncryptionCodec.decode", o, () -> {
        return () -> codec.decode(List.of(encrypted)).size() == 1;
      }));
      AuthInfo info = new AuthInfo(bearer, null, null, null, null);
      results.add(run("in-process JSON + auth + decode", o, () -> () -> {
        List<Payload> in = PayloadsJson.parse(body);
        AccessCheck check = access.check(info,
            "/temporal.api.workflowservice.v1.WorkflowService/GetWorkflowExecutionHistory", "default", null);
        return check.allowed() && PayloadsJson.print(codec.forNamespace("default").decode(in)).length() > 0;
      }));
      results.add(run("HTTPS POST /decode, java.net.http", o, () -> {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trustCa).build();
        HttpRequest request = HttpRequest.newBuilder(decode).header("Content-Type", "application/json")
            .header("X-Namespace", "default").header("Authorization", bearer)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return () -> client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
      }));

      System.out.printf(Locale.ROOT, "%n%-40s %12s %10s %10s %14s %14s %7s%n", "", "req/s", "p50 µs", "p99 µs",
          "CPU µs/req", "server µs/req", "errors");
      for (Result r : results) {
        System.out.printf(Locale.ROOT, "%-40s %12.0f %10.1f %10.1f %14.1f %14.1f %7d%n", r.name(), r.perSecond(),
            r.percentileMicros(0.5), r.percentileMicros(0.99), r.cpuMicrosPerOp(), r.serverCpuMicrosPerOp(),
            r.errors());
      }
      Result bare = results.get(0);
      Result inProcess = results.get(1);
      Result https = results.get(2);
      System.out.printf(Locale.ROOT, "%nHTTPS / bare codec: %.3fx   HTTPS / in-process pipeline: %.3fx   "
          + "pipeline / bare codec: %.3fx%n", https.perSecond() / bare.perSecond(),
          https.perSecond() / inProcess.perSecond(), inProcess.perSecond() / bare.perSecond());
      System.out.printf(Locale.ROOT, "server CPU per HTTPS request: %.1f µs (the process's %.1f µs includes the "
          + "java.net.http clients)%n", https.serverCpuMicrosPerOp(), https.cpuMicrosPerOp());
    }
  }

  static Result run(String name, Options o, CallFactory factory) throws Exception {
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong operations = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<long[]> samples = new ArrayList<>();
    int[] counts = new int[o.clients()];
    CountDownLatch ready = new CountDownLatch(o.clients());
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < o.clients(); t++) {
      int index = t;
      long[] mine = new long[1 << 16];
      samples.add(mine);
      Call call = factory.create();
      Thread thread = new Thread(() -> {
        long[] buffer = mine;
        ready.countDown();
        while (!stop.get()) {
          long start = System.nanoTime();
          boolean ok;
          try {
            ok = call.run();
          } catch (Exception e) {
            ok = false;
          }
          long took = System.nanoTime() - start;
          if (measuring.get()) {
            if (ok) {
              operations.incrementAndGet();
            } else {
              errors.incrementAndGet();
            }
            if (counts[index] == buffer.length) {
              buffer = Arrays.copyOf(buffer, buffer.length * 2);
              samples.set(index, buffer);
            }
            buffer[counts[index]++] = took;
          }
        }
      }, "load-" + t);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
    ready.await();
    Thread.sleep(o.warmupSeconds() * 1000L);
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = os.getProcessCpuTime();
    long serverStart = serverCpu();
    long wallStart = System.nanoTime();
    measuring.set(true);
    Thread.sleep(o.seconds() * 1000L);
    measuring.set(false);
    long wall = System.nanoTime() - wallStart;
    long cpu = os.getProcessCpuTime() - cpuStart;
    long serverCpu = serverCpu() - serverStart;
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    int total = 0;
    for (int c : counts) {
      total += c;
    }
    long[] all = new long[total];
    int at = 0;
    for (int t = 0; t < counts.length; t++) {
      System.arraycopy(samples.get(t), 0, all, at, counts[t]);
      at += counts[t];
    }
    Arrays.sort(all);
    return new Result(name, operations.get(), wall / 1e9, errors.get(), all, cpu, serverCpu);
  }

  /** CPU time of the codec server's threads (Jetty's pool, named gatehouse-codec-*), selectors included. */
  static long serverCpu() {
    var threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("gatehouse-codec")) {
        long t = threads.getThreadCpuTime(info.getThreadId());
        total += Math.max(t, 0);
      }
    }
    return total;
  }

  static String token(ECKey key, String... permissions) throws JOSEException {
    Instant now = Instant.now();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
        .type(JOSEObjectType.JWT).build(), new JWTClaimsSet.Builder().subject("bench").issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(3600))).claim("permissions", List.of(permissions)).build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  static SSLContext trusting(CertificateAuthority ca) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }
}
