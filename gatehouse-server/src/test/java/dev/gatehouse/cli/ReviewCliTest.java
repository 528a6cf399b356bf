package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.Store;
import dev.gatehouse.control.ControlFixture;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.NamespacePermission;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse access review} against a real control plane over TLS. */
class ReviewCliTest {
  @TempDir Path dir;
  ControlFixture f;
  ControlFixture.Principal owner;
  ControlFixture.Principal developer;

  @BeforeEach
  void start() {
    f = new ControlFixture(AccountStore.open(new Store(null, dir.resolve("store").toString(), null, null),
        Clock.systemUTC()), dir);
    owner = f.user("owner@example.com", AccountRole.OWNER, Map.of());
    developer = f.user("dev@example.com", AccountRole.DEVELOPER, Map.of("payments", NamespacePermission.WRITE));
  }

  @AfterEach
  void stop() {
    f.close();
  }

  record Run(int code, String out, String err) {}

  Run review(String token, String... args) {
    List<String> all = new ArrayList<>(List.of("access", "review"));
    all.addAll(List.of(args));
    all.addAll(List.of("--address", "localhost:" + f.server.port(), "--ca-file", f.pki.caCert().toString(),
        "--api-key", token));
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

  @Test
  void startShowAttestAndReportFromTheCommandLine() throws Exception {
    Run started = review(owner.token(), "start", "--name", "2026-q4");
    assertThat(started.code()).as(started.err()).isZero();
    assertThat(started.out()).contains("started rc-", "'2026-q4'", "(flag unreviewed items)");

    assertThat(review(owner.token(), "list").out()).contains("NAME", "2026-q4", "open");
    Run shown = review(owner.token(), "show", "2026-q4");
    assertThat(shown.out()).contains("Campaign rc-", "user namespace permission dev@example.com: WRITE on payments");
    Matcher m = Pattern.compile("(rc-[0-9a-f]{8}\\.\\d{5}) PENDING   user namespace permission dev@example.com")
        .matcher(shown.out());
    assertThat(m.find()).isTrue();
    String item = m.group(1);

    Run attested = review(owner.token(), "attest", "2026-q4", item, "revoke", "--comment", "moved teams");
    assertThat(attested.code()).as(attested.err()).isZero();
    assertThat(attested.out()).contains(item + " REVOKE: USER_NAMESPACE_PERMISSION dev@example.com on payments");
    assertThat(f.server.accessReviews().items("2026-q4")).anyMatch(i -> i.id().equals(item)
        && i.decidedBy().equals(owner.id()));

    Run twice = review(owner.token(), "attest", "2026-q4", item, "keep");
    assertThat(twice.code()).isEqualTo(1);
    assertThat(twice.err()).contains("gatehouse access review: FAILED_PRECONDITION: item " + item
        + " was attested already");
    Run denied = review(developer.token(), "start");
    assertThat(denied.code()).isEqualTo(1);
    assertThat(denied.err()).contains("PERMISSION_DENIED");

    Path csv = dir.resolve("q4.csv");
    Run report = review(owner.token(), "report", "2026-q4", "--format", "csv", "--out", csv.toString());
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(Files.readString(csv)).startsWith("item,subject,").contains(item + ",USER_NAMESPACE_PERMISSION");
    assertThat(review(owner.token(), "report", "2026-q4", "--format", "json").out()).contains("\"REVOKE\" : 1");
  }
}
