package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.control.ControlFixture;
import dev.gatehouse.config.Store;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.AccountRole;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse admin} against a real control plane over TLS. */
class AdminCliTest {
  @TempDir Path dir;
  ControlFixture f;
  ControlFixture.Principal owner;

  @BeforeEach
  void start() {
    f = new ControlFixture(AccountStore.open(new Store(null, dir.resolve("store").toString(), null, null),
        Clock.systemUTC()), dir);
    owner = f.user("owner@example.com", AccountRole.OWNER, Map.of());
  }

  @AfterEach
  void stop() {
    f.close();
  }

  record Run(int code, String out, String err) {}

  Run admin(String... args) {
    List<String> all = new ArrayList<>(List.of("admin"));
    all.addAll(List.of(args));
    all.addAll(List.of("--address", "localhost:" + f.server.port(), "--ca-file", f.pki.caCert().toString(),
        "--api-key", owner.token()));
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(all.toArray(String[]::new));
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  // The server runs in this JVM and logs to the same stdout; the command's JSON is the object in it.
  static JsonNode json(String out) throws Exception {
    return new ObjectMapper().readTree(out.substring(out.indexOf('{'), out.lastIndexOf('}') + 1));
  }

  @Test
  void namespacesServiceAccountsAndKeysFromTheCommandLine() throws Exception {
    Path ca = dir.resolve("ca.pem");
    Files.writeString(ca, dev.gatehouse.tls.CertificateAuthority.create("Orders CA",
        dev.gatehouse.tls.CertificateAuthority.KeyType.EC_P256, Duration.ofDays(30)).certificatePem());
    Run created = admin("namespace", "create", "orders", "--retention-days", "7", "--accepted-client-ca",
        ca.toString(), "--mtls", "--certificate-filter", "cn=orders-worker-*");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).contains("CreateNamespace", "fulfilled");

    Run list = admin("namespace", "list");
    assertThat(list.out()).contains("NAMESPACE", "orders", "7d");
    JsonNode json = json(admin("namespace", "get", "orders", "--output", "json").out());
    assertThat(json.path("namespace").path("spec").path("mtlsAuth").path("certificateFilters").get(0)
        .path("commonName").asText()).isEqualTo("orders-worker-*");

    Run sa = admin("service-account", "create", "orders-worker", "--scoped", "orders=write", "--output", "json");
    assertThat(sa.code()).as(sa.err()).isZero();
    String saId = json(sa.out()).path("serviceAccountId").asText();
    Run key = admin("api-key", "create", "--owner-id", saId, "--owner-type", "service-account", "--name", "worker",
        "--expiry", "30d");
    assertThat(key.out()).contains("token", "shown this once");
    assertThat(admin("api-key", "list").out()).contains(saId, "service-account");

    // A refusal is one line, with Cloud's status.
    Run bad = admin("namespace", "create", "has space");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).startsWith("gatehouse admin: INVALID_ARGUMENT").doesNotContain("\tat ");
    Run unknownRole = admin("user", "create", "x@example.com", "--account-role", "emperor");
    assertThat(unknownRole.code()).isEqualTo(1);
    assertThat(unknownRole.err()).contains("unknown account role");
    assertThat(admin("whoami").out()).contains("owner@example.com", "owner");

    Run user = admin("user", "create", "ada@example.com", "--account-role", "read", "--output", "json");
    String userId = json(user.out()).path("userId").asText();
    assertThat(admin("user", "update", userId, "--account-role", "developer").code()).isZero();
    assertThat(admin("user", "get", userId).out()).contains("ada@example.com", "developer");
  }

  @Test
  void withoutAKeyTheCommandSaysHowToGiveOne() {
    PrintStream err = System.err;
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run("admin", "namespace", "list", "--address", "localhost:" + f.server.port());
      assertThat(code).isEqualTo(1);
    } finally {
      System.setErr(err);
    }
    // GATEHOUSE_API_KEY is read when --api-key is absent; without either the message names both.
    assertThat(e.toString(StandardCharsets.UTF_8)).contains("--api-key", "GATEHOUSE_API_KEY");
  }
}
