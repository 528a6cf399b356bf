package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {
  @ParameterizedTest(name = "{0} = {1} ns")
  @CsvSource({
    "0, 0",
    "30s, 30000000000",
    "1m, 60000000000",
    "720h, 2592000000000000",
    "1h30m, 5400000000000",
    "500ms, 500000000",
    "1.5h, 5400000000000",
    ".5s, 500000000",
    "1.s, 1000000000",
    "-2m, -120000000000",
    "+5s, 5000000000",
    "1h2m3s4ms5us6ns, 3723004005006",
    "1\u00b5s, 1000",
    "1\u03bcs, 1000",
    "0s, 0",
    "1.0000000001s, 1000000000",
    "PT1M, 60000000000",
    "PT1H30M, 5400000000000",
    "P1D, 86400000000000",
    "-PT5S, -5000000000",
  })
  void parsesGoAndIsoSyntax(String text, long nanos) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "30", "-", "s", "1x", "1h 30m", "--1s", "1.5.5s", ".s", "1h-30m", "PT", "P1X",
      "99999999999h", " 1s"})
  void refusesWhatGoRefuses(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"30d, 720h for 30 days", "2w, 168h for a week", "5y, unknown unit \"y\""})
  void explainsUnitsGoDoesNotHave(String text, String hint) {
    assertThatThrownBy(() -> GoDuration.parse(text)).hasMessageContaining(hint);
  }
}
