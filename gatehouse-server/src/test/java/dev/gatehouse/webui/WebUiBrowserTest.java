package dev.gatehouse.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.DevCluster;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.audit.AuditReader;
import dev.gatehouse.auth.Authorizer;
import dev.gatehouse.auth.CallTarget;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Decision;
import dev.gatehouse.auth.Role;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CodecServer;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.Global;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.config.ServerTls;
import dev.gatehouse.config.WebUi;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.EmbeddedTemporal;
import dev.gatehouse.e2e.SampleWorkflows;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.WorkerFactory;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The real Temporal Web UI (build 2.53.3 from {@code ../shared/webui/dist}) in Debian's headless Chromium, served by
 * Gatehouse: a person signs in through a real OIDC provider (mock-oauth2-server's interactive login), lists
 * workflows, opens a history whose payloads an SDK worker encrypted with gatehouse-codec, and reads the plaintext;
 * a person without read access to the namespace does not. Screenshots land in {@code target/screenshots/}.
 *
 * <p>Upstream: the embedded Temporal test server behind {@link VisibilityStubUpstream} (test-only, for the
 * visibility calls the test server lacks).
 */
class WebUiBrowserTest {
  static final String SECRET_NAME = "ada-lovelace-7f3a";
  static final String AUDIENCE = "gatehouse";
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  @TempDir static Path dir;
  static MockOAuth2Server provider;
  static EmbeddedTemporal upstream;
  static ManagedChannel toUpstream;
  static VisibilityStubUpstream stub;
  static Gatehouse gatehouse;
  static URI ui;
  static String runId;
  WebDriver driver;

  static Path dist() {
    String override = System.getProperty("gatehouse.webui.dist");
    Path root = Path.of("").toAbsolutePath();
    // Surefire runs in gatehouse-server/; the repository root is its parent, ../shared beside the repository.
    Path repo = root.getFileName() != null && root.getFileName().toString().equals("gatehouse-server")
        ? root.getParent() : root;
    return override != null ? Path.of(override) : repo.resolve("../shared/webui/dist").normalize();
  }

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(dist().resolve("index.html")),
        "no Temporal UI build at " + dist() + " (see ../shared/webui/README.md): browser test skipped");
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Debian's chromium and chromium-driver are not installed (.ci/run installs them): browser test skipped");

    provider = new MockOAuth2Server(new OAuth2Config(true, null, null, false, new OAuth2TokenProvider(),
        Set.of(new DefaultOAuth2TokenCallback("default", "nobody", "JWT", List.of(AUDIENCE), Map.of(), 600))));
    provider.start();

    DevPki pki = DevPki.ensure(dir.resolve("pki"));
    Path keyring = dir.resolve("codec-keyring.properties");
    KeyringFiles.create(keyring, null);
    upstream = EmbeddedTemporal.start(0, DevCluster.upstreamTls(pki));
    toUpstream = NettyChannelBuilder.forAddress("localhost", upstream.port())
        .sslContext(GrpcSslContexts.forClient().trustManager(pki.caCert().toFile())
            .keyManager(pki.internodeCert().toFile(), pki.internodeKey().toFile()).build()).build();
    stub = VisibilityStubUpstream.start(DevCluster.upstreamTls(pki), toUpstream);

    int uiPort;
    try (ServerSocket free = new ServerSocket(0)) {
      uiPort = free.getLocalPort();
    }
    ui = URI.create("https://localhost:" + uiPort);
    GatehouseConfig base = DevCluster.config(pki, stub.port(), "localhost");
    Authorization jwt = new Authorization(new JwtKeyProvider(List.of(provider.jwksUrl("default").toString()),
        Duration.ofMinutes(5)), null, null, "default", "default", null, null, AUDIENCE);
    ServerTls tls = new ServerTls(pki.serverCert().toString(), pki.serverKey().toString(), null, null, null, null,
        false);
    WebUi webUi = new WebUi("127.0.0.1:" + uiPort, dist().toString(), null,
        new WebUi.Oidc(provider.issuerUrl("default").toString(), "gatehouse-webui", "secret", null, AUDIENCE,
            ui + "/auth/sso/callback"), "default", null, null);
    gatehouse = Gatehouse.builder().withAuthorizer(new ClusterInfoForReaders()).withConfig(new GatehouseConfig(new Global(base.global().tls(), jwt),
        base.listen(), base.upstream(),
        new CodecServer("127.0.0.1:0", tls, List.of(ui.toString()), false, null, keyring.toString(), null),
        Audit.inDirectory(dir.resolve("audit").toString()), null, null, null, webUi)).build().start();

    // The worker, as in CodecEndToEndTest: gatehouse-codec encrypts every payload before it leaves the process.
    EncryptionCodec codec = EncryptionCodec.builder().keyring(Keyring.fromFile(keyring))
        .defaultNamespace("default").build();
    DataConverter converter = new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec));
    String workerToken = "Bearer " + provider.issueToken("default", "worker", new DefaultOAuth2TokenCallback(
        "default", "worker", "JWT", List.of(AUDIENCE), Map.of("permissions", List.of("default:write")), 600))
        .serialize();
    WorkflowServiceStubs stubs = DevCluster.stubs(gatehouse.grpcPort(), pki.caCert(), pki.clientCert(),
        pki.clientKey(), o -> o.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> workerToken)));
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs,
          WorkflowClientOptions.newBuilder().setNamespace("default").setDataConverter(converter).build());
      WorkerFactory factory = WorkerFactory.newInstance(client);
      var worker = factory.newWorker("encrypted");
      worker.registerWorkflowImplementationTypes(SampleWorkflows.GreetingWorkflowImpl.class);
      worker.registerActivitiesImplementations(new SampleWorkflows.GreeterImpl());
      factory.start();
      SampleWorkflows.GreetingWorkflow wf = client.newWorkflowStub(SampleWorkflows.GreetingWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue("encrypted").setWorkflowId("encrypted-1").build());
      WorkflowExecution execution = WorkflowClient.start(wf::run, SECRET_NAME);
      runId = execution.getRunId();
      wf.finish();
      WorkflowStub.fromTyped(wf).getResult(List.class);
      factory.shutdownNow();
      stub.register(execution);
    } finally {
      stubs.shutdownNow();
    }
    Files.createDirectories(SCREENSHOTS);
  }

  /**
   * Temporal's default authorizer, plus GetClusterInfo for anyone who may read some namespace. The UI asks for the
   * cluster's info on every page and treats a 403 as signed out; Temporal's default authorizer gives it only to
   * system readers, who may read every namespace. An operator who wants namespace-scoped UI users plugs in an
   * authorizer like this one (see README, "Web UI").
   */
  static final class ClusterInfoForReaders implements Authorizer {
    private final Authorizer temporal = Authorizer.temporalDefault();

    @Override
    public Decision authorize(Claims claims, CallTarget target) {
      if (target.method().methodName().equals("GetClusterInfo") && claims.holdsAnywhere(Role.READER)) {
        return Decision.allow();
      }
      return temporal.authorize(claims, target);
    }
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {gatehouse, stub, upstream}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing what started; the next one still closes
      }
    }
    if (toUpstream != null) {
      toUpstream.shutdownNow();
    }
    if (provider != null) {
      provider.shutdown();
    }
  }

  WebDriver browser() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile,
        // The dev PKI's server certificate is not in Chromium's store; only this test's profile ignores that.
        "--ignore-certificate-errors");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    return driver;
  }

  @AfterEach
  void quit() {
    if (driver != null) {
      driver.quit();
    }
  }

  void screenshot(String name) throws Exception {
    File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** The provider's login form: any user name, and the claims its tokens carry. */
  void signIn(String user, String permissionsJson) throws Exception {
    await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
        .until(() -> !driver.findElements(By.name("username")).isEmpty());
    screenshot("01-provider-login");
    driver.findElement(By.name("username")).sendKeys(user);
    driver.findElement(By.name("claims")).sendKeys("{\"permissions\": " + permissionsJson + "}");
    driver.findElement(By.cssSelector("input[type=submit]")).click();
  }

  /** Waits for {@code condition}; on timeout saves a screenshot and says where the page was. */
  void awaitPage(String shot, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    try {
      await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      screenshot("failed-" + shot);
      String text = driver.findElement(By.tagName("body")).getText();
      throw new AssertionError("page " + driver.getCurrentUrl() + " never got there (" + shot + "); it shows: "
          + text.substring(0, Math.min(1500, text.length())), e);
    }
  }

  static List<com.fasterxml.jackson.databind.JsonNode> audit(String principal, String api, String decision)
      throws Exception {
    List<com.fasterxml.jackson.databind.JsonNode> out = new java.util.ArrayList<>();
    new AuditReader(dir.resolve("audit")).forEach(
        new AuditReader.Filter(null, null, principal, null, api, decision, null), out::add);
    return out;
  }

  String page() {
    return driver.getPageSource();
  }

  @Test
  void aReaderSignsInListsWorkflowsAndSeesThePlaintext(TestInfo info) throws Exception {
    browser();
    driver.get(ui + "/namespaces/default/workflows");
    signIn("ada", "[\"default:read\"]");
    awaitPage("workflow-list", () -> page().contains("encrypted-1"));
    screenshot("02-reader-workflow-list");
    String token = (String) ((JavascriptExecutor) driver).executeScript(
        "return JSON.parse(localStorage.getItem('AuthUser') || '{}').accessToken || '';");
    // The UI moved the user cookies into its storage; its API calls carry this token as the person's credential.
    assertThat(SignedJWT.parse(token).getJWTClaimsSet().getSubject()).isEqualTo("ada");

    driver.get(ui + "/namespaces/default/workflows/encrypted-1/" + runId + "/history");
    awaitPage("history", () -> page().contains(SECRET_NAME));
    screenshot("03-reader-history-decrypted");
    assertThat(page()).contains(SECRET_NAME);

    // The Download button's route: every page as one array, in the ui-server's form (payloads as stored, base64
    // ciphertext; decoding is the codec server's job).
    HttpResponse<String> download = WebUiFixtures.insecureClient().send(HttpRequest.newBuilder(URI.create(ui
        + "/api/v1/namespaces/default/workflows/encrypted-1/run/" + runId + "/history.json"))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(download.statusCode()).as(download.body()).isEqualTo(200);
    com.fasterxml.jackson.databind.JsonNode events = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(download.body());
    assertThat(events.isArray()).isTrue();
    assertThat(events.get(0).get("eventType").asText()).isEqualTo("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED");
    assertThat(events.get(0).at("/workflowExecutionStartedEventAttributes/input/payloads/0/metadata/encoding")
        .asText()).isNotEmpty();
    assertThat(download.body()).doesNotContain(SECRET_NAME);

    // Audited as the person: the page's API calls (face http) and its decode requests (face codec).
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(audit("ada", "ListWorkflowExecutions", "allow")).anySatisfy(r ->
          assertThat(r.at("/raw_details/face").asText()).isEqualTo("http"));
      assertThat(audit("ada", "GetWorkflowExecutionHistory", "allow")).anySatisfy(r ->
          assertThat(r.at("/raw_details/face").asText()).isEqualTo("codec"));
    });
  }

  @Test
  void aPersonWithoutReadAccessSeesNoPlaintext() throws Exception {
    browser();
    driver.get(ui + "/namespaces/default/workflows/encrypted-1/" + runId + "/history");
    signIn("mallory", "[\"payments:read\"]");
    // The page has the session once it has moved the user cookies into its storage.
    await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> ((String) ((JavascriptExecutor) driver)
        .executeScript("return localStorage.getItem('AuthUser') || '';")).contains("accessToken"));
    String token = (String) ((JavascriptExecutor) driver).executeScript(
        "return JSON.parse(localStorage.getItem('AuthUser')).accessToken;");
    // What the page's own calls get with this person's token: refused by Gatehouse, history and codec alike.
    HttpClient http = WebUiFixtures.insecureClient();
    HttpResponse<String> history = http.send(HttpRequest.newBuilder(URI.create(ui
        + "/api/v1/namespaces/default/workflows/encrypted-1/history?execution.runId=" + runId))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(history.statusCode()).isEqualTo(403);
    assertThat(http.send(HttpRequest.newBuilder(URI.create(ui + "/api/v1/namespaces/default/workflows/encrypted-1/run/"
        + runId + "/history.json")).header("Authorization", "Bearer " + token).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    HttpResponse<String> decode = http.send(HttpRequest.newBuilder(gatehouse.codecEndpoint().resolve("/decode"))
        .header("Authorization", "Bearer " + token).header("X-Namespace", "default")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"payloads\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(decode.statusCode()).isEqualTo(403);
    await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
        .until(() -> page().contains("403") || page().toLowerCase().contains("denied")
            || page().toLowerCase().contains("unauthorized") || page().contains("Sign in")
            || driver.getCurrentUrl().contains("/login") || !driver.findElements(By.name("username")).isEmpty());
    screenshot("04-no-access-refused");
    assertThat(page()).doesNotContain(SECRET_NAME);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(audit("mallory", "GetWorkflowExecutionHistory", "deny")).isNotEmpty());
  }
}
