package dev.gatehouse.cli;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.ControlPlane;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Listen;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.config.Store;
import dev.gatehouse.config.WebUi;
import dev.gatehouse.control.ApiKeyIssuer;
import dev.gatehouse.control.Bootstrap;
import dev.gatehouse.dev.DevMode;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.DevTokens;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKeySecrets;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "start-dev", mixinStandardHelpOptions = true,
    description = "Starts an embedded Temporal server and Gatehouse in front of it, mTLS on both legs, on loopback.")
final class StartDevCommand implements Callable<Integer> {
  @Option(names = "--dir", defaultValue = ".gatehouse-dev",
      description = "Where the dev CA and certificates live; reused on the next start (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--port", defaultValue = "7233", description = "Gatehouse's gRPC port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--http-port", defaultValue = "7243",
      description = "Health and metrics port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--codec-port", defaultValue = "7244",
      description = "The codec server's HTTPS port, for the Web UI and CLI (default: ${DEFAULT-VALUE}).")
  int codecPort;

  @Option(names = "--http-api-port", defaultValue = "7245",
      description = "Temporal's HTTP API (/api/v1/..., HTTPS) port (default: ${DEFAULT-VALUE}).")
  int httpApiPort;

  @Option(names = "--control-port", defaultValue = "7235",
      description = "The control plane's (Ops API) HTTPS port (default: ${DEFAULT-VALUE}).")
  int controlPort;

  @Option(names = "--owner-email", defaultValue = "dev@localhost.localdomain",
      description = "The first Account Owner's email, on the first start (default: ${DEFAULT-VALUE}).")
  String ownerEmail;

  @Option(names = "--ui-dir",
      description = "A Temporal Web UI build (the folder holding index.html) to serve, with a dev sign-in.")
  Path uiDir;

  @Option(names = "--ui-port", defaultValue = "8233",
      description = "The Web UI's HTTPS port, with --ui-dir (default: ${DEFAULT-VALUE}).")
  int uiPort;

  @Option(names = "--upstream-port", defaultValue = "0",
      description = "The embedded Temporal server's port (default: any free port).")
  int upstreamPort;

  @Override
  public Integer call() throws Exception {
    DevPki pki = DevPki.ensure(dir.toAbsolutePath());
    Path keyring = pki.dir().resolve(DEV_KEYRING);
    KeyringFiles.ensure(keyring);
    DevTokens tokens = DevTokens.ensure(pki.dir());
    Optional<Bootstrap.Created> created = bootstrap(pki, ownerEmail);
    try (ClaimMapper devMapper = tokens.claimMapper(devAuthorization());
        EmbeddedTemporal upstream = EmbeddedTemporal.start(upstreamPort, DevMode.upstreamTls(pki));
        Gatehouse gatehouse = builder(tokens).withConfig(config(pki, upstream.port(), keyring))
            .withClaimMapper(devMapper).build().start()) {
      Runtime.getRuntime().addShutdownHook(new Thread(gatehouse::close, "gatehouse-shutdown"));
      printInstructions(System.out, pki, gatehouse);
      printCodecInstructions(System.out, pki, gatehouse, keyring, tokens.mint(DEV_TOKEN_VALIDITY));
      printControlPlaneInstructions(System.out, pki, gatehouse, created);
      printWebUiInstructions(System.out, pki, gatehouse);
      gatehouse.awaitTermination();
    }
    return 0;
  }

  /** With {@code --ui-dir}, the Web UI signs people in with a fresh dev token, no provider needed. */
  Gatehouse.Builder builder(DevTokens tokens) {
    Gatehouse.Builder b = Gatehouse.builder();
    if (uiDir != null) {
      b.withWebUiDevSignIn(() -> tokens.mint(DEV_UI_SESSION));
    }
    return b;
  }

  static void printWebUiInstructions(PrintStream out, DevPki pki, Gatehouse gatehouse) {
    if (gatehouse.webUiEndpoint() == null) {
      return;
    }
    String url = gatehouse.webUiEndpoint().toString().replace("127.0.0.1", "localhost");
    out.printf("""

        Web UI:        %s   (dev sign-in: no password; you are dev-user, system admin)
                       the browser must trust %s (the dev CA); payloads are decoded by the codec server above
        """, url, pki.caCert());
    out.flush();
  }

  static final Duration DEV_UI_SESSION = Duration.ofHours(8);
  static final String DEV_KEYRING = "codec-keyring.properties";
  static final Duration DEV_TOKEN_VALIDITY = Duration.ofDays(30);
  /** The Web UI of {@code temporal server start-dev} and of the {@code temporalio/ui} image's default port. */
  static final String LOCAL_WEB_UI = "http://localhost:8233";

  GatehouseConfig config(DevPki pki, int upstreamPort, Path keyring) {
    GatehouseConfig c = DevMode.config(pki,
        new Listen("127.0.0.1:" + port, "127.0.0.1:" + httpPort, Duration.ofSeconds(10)),
        upstreamPort, DevMode.SERVER_NAME, devAuthorization());
    // Dev mode records every call too, so what a worker does can be read back with `gatehouse audit search`.
    return new GatehouseConfig(c.global(), c.listen(), c.upstream(), codecServer(pki, keyring),
        Audit.inDirectory(auditDir(pki).toString()), store(pki),
        new ControlPlane("127.0.0.1:" + controlPort, new ServerTls(pki.serverCert().toString(),
            pki.serverKey().toString(), null, null, null, null, false), null),
        new HttpApi("127.0.0.1:" + httpApiPort), webUi());
  }

  /** With {@code --ui-dir}: the UI on loopback, HTTPS with the dev server certificate (the frontend's). */
  WebUi webUi() {
    if (uiDir == null) {
      return null;
    }
    return new WebUi("127.0.0.1:" + uiPort, uiDir.toAbsolutePath().toString());
  }

  /** The Web UI's origin as the browser sends it, which the codec server allows. */
  String webUiOrigin() {
    return "https://localhost:" + uiPort;
  }

  /** The first start makes the account and its Owner with an API key; later starts find them and make nothing. */
  static Optional<Bootstrap.Created> bootstrap(DevPki pki, String ownerEmail) {
    try (AccountStore store = AccountStore.open(store(pki), Clock.systemUTC())) {
      return Bootstrap.initialise(store, ApiKeyIssuer.of(ApiKeySecrets.forStore(store)), ownerEmail,
          Bootstrap.DEFAULT_KEY_LIFETIME, Clock.systemUTC());
    }
  }

  /** The dev store: a SQLite file beside the dev PKI, kept across starts. */
  static Store store(DevPki pki) {
    return new Store(null, pki.dir().resolve("store").toString(), null, null);
  }

  static void printControlPlaneInstructions(PrintStream out, DevPki pki, Gatehouse gatehouse,
      Optional<Bootstrap.Created> created) {
    String address = "localhost:" + gatehouse.controlPort();
    String key = created.map(c -> c.token() + "\n               (the Owner " + c.owner().email()
        + "'s API key, shown this once: keep it)").orElse("printed on the first start (make another with"
        + " `gatehouse admin api-key create`)");
    out.printf("""

        Control plane (Temporal Cloud Ops API) on %s, CA %s
          API key      %s
          gatehouse admin namespace list --address %s --ca-file %s --api-key <key>
        """, address, pki.caCert(), key, address, pki.caCert());
    out.flush();
  }

  /**
   * HTTPS with the dev server certificate; the dev client certificate is asked for, not required (the CLI sends the
   * printed bearer token instead); CORS for the local Web UI, with credentials so a browser holding the dev client
   * certificate may use it.
   */
  CodecServer codecServer(DevPki pki, Path keyring) {
    ServerTls tls = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null,
        List.of(pki.caCert().toString()), null, false);
    List<String> origins = uiDir == null ? List.of(LOCAL_WEB_UI) : List.of(LOCAL_WEB_UI, webUiOrigin());
    return new CodecServer("127.0.0.1:" + codecPort, tls, origins, true, null, keyring.toString(), null);
  }

  static void printCodecInstructions(PrintStream out, DevPki pki, Gatehouse gatehouse, Path keyring, String token) {
    String endpoint = gatehouse.codecEndpoint().toString().replace("127.0.0.1", "localhost");
    out.printf("""

        Codec server (client-side encryption; keys in %s):
          endpoint     %s   (decode needs read, encode write access in the namespace)
          dev token    %s
                       (valid 30 days, system admin; a new one is printed on every start)

        Encrypt payloads in a Java worker or client (gatehouse-codec on the classpath):

          EncryptionCodec codec = EncryptionCodec.builder().defaultNamespace("default")
              .keyring(Keyring.fromFile(java.nio.file.Path.of("%s"))).build();
          DataConverter converter = new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec));
          WorkflowClient client = WorkflowClient.newInstance(service,
              WorkflowClientOptions.newBuilder().setNamespace("default").setDataConverter(converter).build());

        Temporal CLI (Go reads the dev CA from SSL_CERT_FILE on Linux; elsewhere trust %s):
          SSL_CERT_FILE=%s temporal workflow show --workflow-id <id> \\
              --address %s --tls-ca-path %s --tls-cert-path %s --tls-key-path %s \\
              --codec-endpoint %s --codec-auth "Bearer <dev token>"
        Web UI (origin %s is allowed; the browser must trust %s):
          TEMPORAL_CODEC_ENDPOINT=%s TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true
          and import the dev client certificate (client.pem, client-key.pem) into the browser
        Stop with Ctrl-C.
        """,
        keyring, endpoint, token, keyring, pki.caCert(), pki.caCert(),
        "127.0.0.1:" + gatehouse.grpcPort(), pki.caCert(), pki.clientCert(), pki.clientKey(),
        endpoint, LOCAL_WEB_UI, pki.caCert(), endpoint);
    out.flush();
  }

  static void printInstructions(PrintStream out, DevPki pki, Gatehouse gatehouse) {
    String target = "127.0.0.1:" + gatehouse.grpcPort();
    out.printf("""

        Gatehouse dev mode is up (embedded Temporal upstream, mTLS on both legs, loopback only).
          address      %s
          CA           %s
          client cert  %s
          client key   %s
          health       http://127.0.0.1:%d/readyz   metrics  http://127.0.0.1:%d/metrics

        Connect a Java worker or client (only the service stubs options change):

          WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setTarget("%s")
                  .setSslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                      .trustManager(new java.io.File("%s"))
                      .keyManager(new java.io.File("%s"), new java.io.File("%s"))
                      .build())
                  .build());

        Temporal CLI:  temporal workflow show --workflow-id <id> --address %s --tls-ca-path %s \\
                         --tls-cert-path %s --tls-key-path %s

        HTTP API:      curl --cacert %s --cert %s --key %s \\
                         https://localhost:%d/api/v1/namespaces/default

        Audit log:     ./gatehouse audit tail %s --follow      (verify: ./gatehouse audit verify %s)
        """,
        target, pki.caCert(), pki.clientCert(), pki.clientKey(), gatehouse.httpPort(), gatehouse.httpPort(),
        target, pki.caCert(), pki.clientCert(), pki.clientKey(),
        target, pki.caCert(), pki.clientCert(), pki.clientKey(),
        pki.caCert(), pki.clientCert(), pki.clientKey(), gatehouse.httpApiPort(), auditDir(pki), auditDir(pki));
    out.flush();
  }

  static Path auditDir(DevPki pki) {
    return pki.dir().resolve("audit");
  }

  /** Dev mode authorizes by client certificate: the generated {@code dev-worker} certificate is a system admin. */
  static Authorization devAuthorization() {
    return DevMode.certificateAuthorization(Map.of(), "admin");
  }
}
