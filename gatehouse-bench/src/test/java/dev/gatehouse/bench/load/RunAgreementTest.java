package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunAgreementTest {
  @TempDir Path dir;

  private static final String HEADER = "| target | p50 µs | p99 µs | added p50 µs | added p99 µs | calls/s (conc) "
      + "| × direct | proxy CPU µs/call seq | proxy CPU µs/call conc | upstream CPU µs/call seq "
      + "| upstream CPU µs/call conc | upstream CPU × direct seq / conc "
      + "| system CPU (proxy + upstream) µs/call seq / conc | system CPU × direct seq / conc "
      + "| client CPU µs/call seq / conc |\n"
      + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

  @Test
  void readsEveryRatioAndEachGatewayAgainstNginx() throws Exception {
    Path report = dir.resolve("a.md");
    Files.writeString(report, "# Gateway load run\n\n" + HEADER
        + "| direct | 305 | 903 | - | - | 11114 | 1.00 | - | - | 166 | 72 | 1.00 / 1.00 | 166 / 72 | 1.00 / 1.00 | 176 / 74 |\n"
        + "| gateway (mtls) | 586 | 3468 | +280 | +2369 | 8227 | 0.62 | 296 | 63 | 188 | 72 | 1.04 / 1.15 | 550 / 128 | 3.31 / 2.03 | 204 / 77 |\n"
        + "| nginx | 500 | 900 | +200 | +300 | 7000 | 0.55 | 148 | 42 | 200 | 120 | 1.2 / 1.6 | 348 / 160 | 2.1 / 2.2 | 200 / 80 |\n"
        + "\n## Per process\n");
    Map<String, Double> r = RunAgreement.ratios(RunAgreement.summary(report));
    assertThat(r).containsEntry("gateway (mtls): × direct", 0.62)
        .containsEntry("gateway (mtls): upstream CPU × direct seq / conc (conc)", 1.15)
        .containsEntry("gateway (mtls): proxy CPU µs/call seq ÷ nginx", 2.0)
        .containsEntry("gateway (mtls): added p50 µs ÷ nginx", 1.4);
    assertThat(r.get("gateway (mtls): system CPU (proxy + upstream) µs/call conc ÷ nginx")).isEqualTo(0.8);
    assertThat(r).doesNotContainKey("direct: proxy CPU µs/call seq ÷ nginx");
  }

  @Test
  void aCellWithoutNumbersIsSkipped() {
    assertThat(RunAgreement.numbers("-")[0]).isNaN();
    assertThat(RunAgreement.numbers("**1.5** / 2")).containsExactly(1.5, 2.0);
  }
}
