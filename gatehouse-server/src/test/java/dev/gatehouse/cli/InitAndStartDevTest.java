package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.config.Store;
import dev.gatehouse.control.Bootstrap;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.dev.DevTokens;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.temporal.api.cloud.cloudservice.v1.GetCurrentIdentityRequest;
import io.temporal.serviceclient.CloudServiceStubs;
import io.temporal.serviceclient.CloudServiceStubsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse init} and the first start of {@code start-dev}: an Owner and their key, printed once. */
class InitAndStartDevTest {
  @TempDir Path dir;

  static String stdout(Runnable r) {
    PrintStream out = System.out;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(out);
    }
    return o.toString(StandardCharsets.UTF_8);
  }

  @Test
  void initMakesTheFirstOwnerOnceAndPrintsTheKeyOnce() throws Exception {
    Path storeDir = dir.resolve("data");
    int[] code = new int[2];
    String first = stdout(() -> code[0] = Main.run("init", "--store-dir", storeDir.toString(), "--owner-email",
        "ada@example.com"));
    assertThat(code[0]).isZero();
    Matcher key = Pattern.compile("API key\\s+(ghk_\\S+)").matcher(first);
    assertThat(key.find()).as(first).isTrue();
    String second = stdout(() -> code[1] = Main.run("init", "--store-dir", storeDir.toString(), "--owner-email",
        "ada@example.com"));
    assertThat(code[1]).isZero();
    assertThat(second).contains("already has account").doesNotContain("ghk_");
    try (AccountStore store = AccountStore.open(new Store(null, storeDir.toString(), null, null),
        Clock.systemUTC())) {
      assertThat(store.users().byName("ada@example.com").orElseThrow().access().accountRole())
          .isEqualTo(AccountRole.OWNER);
      assertThat(store.apiKeys().count()).isEqualTo(1);
    }
    assertThat(Main.run("init", "--store-dir", storeDir.toString(), "--owner-email", "x@example.com",
        "--key-expiry", "1000d")).as("more than 2 years").isEqualTo(1);
    assertThat(Main.run("init", "--store-dir", dir.resolve("other").toString(), "--owner-email", "not-an-email"))
        .isEqualTo(1);
  }

  @Test
  void startDevBootstrapsOnItsFirstStartAndTheKeyWorksOnTheControlPlane() throws Exception {
    DevPki pki = DevPki.ensure(dir.resolve("dev"));
    Path keyring = pki.dir().resolve(StartDevCommand.DEV_KEYRING);
    KeyringFiles.ensure(keyring);
    DevTokens tokens = DevTokens.ensure(pki.dir());
    Optional<Bootstrap.Created> created = StartDevCommand.bootstrap(pki, "dev@example.com");
    assertThat(created).isPresent();
    assertThat(StartDevCommand.bootstrap(pki, "dev@example.com")).isEmpty();
    StartDevCommand command = new StartDevCommand();
    command.port = 0;
    command.httpPort = 0;
    command.codecPort = 0;
    command.controlPort = 0;
    int upstreamPort;
    try (ServerSocket s = new ServerSocket(0)) {
      upstreamPort = s.getLocalPort();
    }
    try (ClaimMapper mapper = tokens.claimMapper(StartDevCommand.devAuthorization());
        Gatehouse gatehouse = Gatehouse.builder().withConfig(command.config(pki, upstreamPort, keyring))
            .withClaimMapper(mapper).build().start()) {
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      StartDevCommand.printControlPlaneInstructions(new PrintStream(printed, true, StandardCharsets.UTF_8), pki,
          gatehouse, created);
      assertThat(printed.toString(StandardCharsets.UTF_8)).contains(created.get().token(),
          "localhost:" + gatehouse.controlPort());
      CloudServiceStubs stubs = CloudServiceStubs.newServiceStubs(CloudServiceStubsOptions.newBuilder()
          .setTarget("localhost:" + gatehouse.controlPort())
          .setSslContext(GrpcSslContexts.forClient().trustManager(pki.caCert().toFile()).build())
          .addApiKey(() -> created.get().token()).build());
      try {
        assertThat(stubs.blockingStub().getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance())
            .getUser().getSpec().getEmail()).isEqualTo("dev@example.com");
      } finally {
        stubs.shutdownNow();
      }
    }
  }
}
