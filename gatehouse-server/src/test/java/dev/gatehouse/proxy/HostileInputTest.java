package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthenticationException;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Role;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.Listen;
import dev.gatehouse.pipeline.CallPipeline;
import io.grpc.CallOptions;
import io.grpc.Codec;
import io.grpc.CompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a caller can send that a well-behaved SDK never does: header names and values HTTP/2 or gRPC forbid, forged
 * caller-info headers, corrupt and explosive gzip bodies, and HTTP/2 rapid reset. Each is refused cleanly: a status
 * that says what was wrong, nothing forwarded, one rate-limited log line, no stack trace from grpc-java.
 */
class HostileInputTest {
  private static final String START = WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName();
  private static final String PATH = "/" + START;
  private static final int SMALL_LIMIT = 1024 * 1024;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<LogRecord> grpcLogs = new ArrayList<>();
  private final Handler julHandler = new Handler() {
    @Override
    public synchronized void publish(LogRecord r) {
      if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
        grpcLogs.add(r);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final ListAppender<ILoggingEvent> proxyLogs = new ListAppender<>();
  private ScriptedUpstream upstream;

  @BeforeEach
  void captureLogs() {
    java.util.logging.Logger.getLogger("").addHandler(julHandler);
    proxyLogs.start();
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.gatehouse.proxy")).addAppender(proxyLogs);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
    java.util.logging.Logger.getLogger("").removeHandler(julHandler);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.gatehouse.proxy")).detachAppender(proxyLogs);
  }

  /** "Bearer writer" may write in ns-a; without a token a caller is refused on its headers. */
  private AccessController access() {
    AccessController access = AccessController.builder(Authorization.DEFAULT)
        .claimMapper(info -> {
          if ("Bearer writer".equals(info.authToken())) {
            return new Claims("writer", Role.UNDEFINED, Map.of("ns-a", Role.WRITER), "test", null);
          }
          throw new AuthenticationException("unknown test token");
        })
        .build();
    closeables.add(access);
    return access;
  }

  private DataPlane gateway(Listen limits) throws Exception {
    upstream = new ScriptedUpstream();
    closeables.add(upstream);
    upstream.answer(r -> java.util.concurrent.CompletableFuture.completedFuture(new byte[0]));
    DataPlane dp = DataPlane.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .upstream(upstream.address())
        .pipeline(CallPipeline.builder(access()).build())
        .http2Limits(limits)
        .maxMessageBytes(SMALL_LIMIT)
        .build()
        .start();
    closeables.add(dp);
    return dp;
  }

  private DataPlane gateway() throws Exception {
    return gateway(Listen.DEFAULT);
  }

  private static byte[] start(String namespace) {
    return StartWorkflowExecutionRequest.newBuilder().setNamespace(namespace).setWorkflowId("wf").build().toByteArray();
  }

  private RawHttp2Client raw(DataPlane dp) throws IOException {
    RawHttp2Client c = new RawHttp2Client(dp.port());
    closeables.add(c);
    return c;
  }

  private ManagedChannel channel(DataPlane dp, CompressorRegistry compressors) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", dp.port()).usePlaintext()
        .compressorRegistry(compressors).build();
    closeables.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  private static MethodDescriptor<byte[], byte[]> rawMethod() {
    return MethodDescriptor.<byte[], byte[]>newBuilder(ProxiedMethod.BYTES, ProxiedMethod.BYTES)
        .setFullMethodName(START).setType(MethodDescriptor.MethodType.UNARY).build();
  }

  private static Status callWith(ManagedChannel ch, String token, boolean gzip, byte[] request) {
    Metadata h = new Metadata();
    if (token != null) {
      h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), token);
    }
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    if (gzip) {
      options = options.withCompression("gzip");
    }
    try {
      ClientCalls.blockingUnaryCall(
          io.grpc.ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(h)), rawMethod(), options,
          request);
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private void assertNoStackTraces() {
    assertThat(grpcLogs).as("grpc-java's own warnings and SEVERE stack traces").isEmpty();
    assertThat(proxyLogs.list).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
  }

  private List<String> warnings() {
    return proxyLogs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  // ---- header names and values ----

  @Test
  void headerNamesOutsideGrpcsAlphabetAreRefusedAsInvalidArgumentAndNeverForwarded() throws Exception {
    DataPlane dp = gateway();
    RawHttp2Client c = raw(dp);
    String[] names = {"temporal-principal-name ", "temporal-principal-name\0", "x\0y", "a:b", "caller-type ",
        " caller-type", "caller-type\t", "x y", "x/y", "x!y", "gatehouse-role\r\n"};
    int stream = 1;
    for (String name : names) {
      RawHttp2Client.Outcome o = c.unary(stream, PATH, start("ns-a"), "authorization", "Bearer writer", name, "admin");
      assertThat(o.grpcStatus()).as("grpc-status for header name [%s]", name)
          .isEqualTo(String.valueOf(Status.Code.INVALID_ARGUMENT.value()));
      assertThat(o.trailers().get("grpc-message")).isEqualTo("invalid header name");
      stream += 2;
    }
    // The connection is fine, and a clean call on it goes through.
    RawHttp2Client.Outcome ok = c.unary(stream, PATH, start("ns-a"), "authorization", "Bearer writer");
    assertThat(ok.grpcStatus()).isEqualTo("0");
    assertThat(upstream.received).hasSize(1);
    assertNoStackTraces();
  }

  @Test
  void upperCaseSpellingsOfStrippedHeadersNeverReachTheUpstream() throws Exception {
    DataPlane dp = gateway();
    for (String name : new String[] {"Temporal-Principal-Name", "CALLER-TYPE", "Caller-Name", "Gatehouse-Role"}) {
      // Netty's HPACK decoder refuses upper case (HTTP/2 forbids it) with RST_STREAM PROTOCOL_ERROR, and the
      // connection's header table is then unusable: one connection per attempt.
      RawHttp2Client.Outcome o = raw(dp).unary(1, PATH, start("ns-a"), "authorization", "Bearer writer", name, "x");
      assertThat(o.resetCode()).as(name).isEqualTo(1);
    }
    assertThat(upstream.received).isEmpty();
    assertNoStackTraces();
  }

  @Test
  void headerValuesOutsidePrintableAsciiAreRefused() throws Exception {
    DataPlane dp = gateway();
    RawHttp2Client c = raw(dp);
    int stream = 1;
    for (String value : new String[] {"a\0b", "a\rb", "a\nb", "a\u0001b", "a\u007fb", "a\tb", "caf\u00e9"}) {
      RawHttp2Client.Outcome o = c.unary(stream, PATH, start("ns-a"), "authorization", "Bearer writer", "x-custom",
          value);
      assertThat(o.grpcStatus()).isEqualTo(String.valueOf(Status.Code.INVALID_ARGUMENT.value()));
      assertThat(o.trailers().get("grpc-message")).isEqualTo("invalid header value");
      stream += 2;
    }
    RawHttp2Client.Outcome ok = c.unary(stream, PATH, start("ns-a"), "authorization", "Bearer writer", "x-custom",
        " a ~b ");
    assertThat(ok.grpcStatus()).isEqualTo("0");
    assertThat(upstream.received).hasSize(1);
    assertNoStackTraces();
  }

  @Test
  void temporalsCallerInfoHeadersAreStrippedSoTheFrontendSetsThemItself() throws Exception {
    DataPlane dp = gateway();
    ManagedChannel ch = channel(dp, CompressorRegistry.getDefaultInstance());
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer writer");
    for (String name : ForwardedHeaders.CALLER_INFO) {
      h.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), name.equals("caller-type") ? "operator" : "ns-b");
    }
    h.put(Metadata.Key.of("x-custom", Metadata.ASCII_STRING_MARSHALLER), "kept");
    ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(h)),
        rawMethod(), CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), start("ns-a"));

    ScriptedUpstream.Received r = upstream.received.poll(10, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    for (String name : List.of("caller-type", "caller-name", "call-initiation")) {
      assertThat(r.headers().containsKey(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))).as(name).isFalse();
    }
    assertThat(r.headers().get(Metadata.Key.of("x-custom", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("kept");
  }

  // ---- gzip ----

  /** A "gzip" compressor that sends {@code body} whatever the message was. */
  private static CompressorRegistry sending(byte[] body) {
    CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
    registry.register(new Codec() {
      @Override
      public String getMessageEncoding() {
        return "gzip";
      }

      @Override
      public OutputStream compress(OutputStream os) {
        return new FilterOutputStream(os) {
          @Override
          public void write(int b) {}

          @Override
          public void write(byte[] b, int off, int len) {}

          @Override
          public void close() throws IOException {
            os.write(body);
            os.close();
          }
        };
      }

      @Override
      public InputStream decompress(InputStream is) {
        return is;
      }
    });
    return registry;
  }

  /** {@code size} zero bytes, gzip-compressed (about a thousandth of the size), streamed so the test holds none. */
  private static byte[] gzipBomb(long size) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      byte[] zeros = new byte[64 * 1024];
      for (long written = 0; written < size; written += zeros.length) {
        gz.write(zeros);
      }
    }
    return out.toByteArray();
  }

  @Test
  void aCorruptGzipBodyGetsInternalAndOneLogLine() throws Exception {
    DataPlane dp = gateway();
    byte[] corrupt = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    ManagedChannel ch = channel(dp, sending(corrupt));

    Status status = callWith(ch, "Bearer writer", true, start("ns-a"));

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).isEqualTo("request message could not be decompressed");
    assertThat(upstream.received).isEmpty();
    assertThat(warnings()).singleElement().asString().contains("could not be decompressed").contains(START);
    assertNoStackTraces();
  }

  @Test
  void aGzipBombStopsAtTheMessageLimitWithResourceExhausted() throws Exception {
    DataPlane dp = gateway();
    ManagedChannel ch = channel(dp, sending(gzipBomb(64L * SMALL_LIMIT)));

    Status status = callWith(ch, "Bearer writer", true, start("ns-a"));

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(dp.inflatedBytes()).isBetween((long) SMALL_LIMIT, SMALL_LIMIT + 64L * 1024);
    assertThat(upstream.received).isEmpty();
    assertThat(warnings()).singleElement().asString().contains("exceeds the size limit");
    assertNoStackTraces();
  }

  @Test
  void aRefusedCallersGzipBombIsNeverInflated() throws Exception {
    DataPlane dp = gateway();
    ManagedChannel ch = channel(dp, sending(gzipBomb(64L * SMALL_LIMIT)));

    assertThat(callWith(ch, null, true, start("ns-a")).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(dp.inflatedBytes()).isZero();
    // The control: the same body from an identified caller is inflated (up to the limit).
    assertThat(callWith(ch, "Bearer writer", true, start("ns-a")).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(dp.inflatedBytes()).isPositive();
    assertNoStackTraces();
  }

  @Test
  void aWellFormedGzipRequestStillPasses() throws Exception {
    DataPlane dp = gateway();
    ManagedChannel ch = channel(dp, CompressorRegistry.getDefaultInstance());
    assertThat(callWith(ch, "Bearer writer", true, start("ns-a")).getCode()).isEqualTo(Status.Code.OK);
    assertThat(upstream.received.poll(10, TimeUnit.SECONDS).request()).isEqualTo(start("ns-a"));
  }

  // ---- HTTP/2 ----

  @Test
  void rapidResetClosesTheConnection() throws Exception {
    DataPlane dp = gateway(new Listen(null, null, null, null, null, 20, Duration.ofSeconds(60)));
    RawHttp2Client c = raw(dp);
    try {
      c.rapidReset(1, 200, PATH, "authorization", "Bearer writer");
    } catch (java.net.SocketException closedWhileResetting) {
      // The server closed the connection before the client had written all its resets: the outcome under test.
      return;
    }
    // GOAWAY ENHANCE_YOUR_CALM (0xb), or a closed socket when the GOAWAY is lost in the close.
    assertThat(c.awaitGoAwayOrClose()).isIn(0xb, -1);
  }

  @Test
  void pingsFasterThanTheKeepalivePolicyPermitsCloseTheConnection() throws Exception {
    DataPlane dp = gateway();
    RawHttp2Client c = raw(dp);
    // The SDK pings every 30 s; the policy permits one per 10 s and forgives two early ones (grpc-java's).
    c.pings(5);
    // GOAWAY ENHANCE_YOUR_CALM (0xb), or a closed socket when the GOAWAY is lost in the close.
    assertThat(c.awaitGoAwayOrClose()).isIn(0xb, -1);
  }

  @Test
  void theServerAnnouncesItsStreamAndHeaderListBounds() throws Exception {
    DataPlane dp = gateway(new Listen(null, null, null, 16 * 1024, 7, null, null));
    Map<Integer, Long> settings = raw(dp).serverSettings();
    assertThat(settings).containsEntry(3, 7L).containsEntry(6, 16L * 1024);
  }

  @Test
  void aHeaderListOverTheBoundIsRefusedAndNotForwarded() throws Exception {
    DataPlane dp = gateway(new Listen(null, null, null, 16 * 1024, null, null, null));
    ManagedChannel ch = channel(dp, CompressorRegistry.getDefaultInstance());
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(20 * 1024));
    h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer writer");
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(h)), rawMethod(),
        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), start("ns-a")))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(upstream.received).isEmpty();
  }

  // ---- the log ----

  @Test
  void inputWarningsAreRateLimitedAndCountWhatTheyHeldBack() {
    AtomicLong now = new AtomicLong();
    InputWarnings w = new InputWarnings(LoggerFactory.getLogger("dev.gatehouse.proxy.test"), 3, Duration.ofSeconds(60),
        now::get);
    for (int i = 0; i < 10; i++) {
      w.refused("invalid header name", "/m", "remote");
    }
    assertThat(warnings()).hasSize(3);
    now.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThat(w.refused("invalid header name", "/m", "remote")).isTrue();
    assertThat(warnings()).hasSize(5).element(3).asString().startsWith("7 more refused calls");
  }
}
