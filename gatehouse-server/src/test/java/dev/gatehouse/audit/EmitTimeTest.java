package dev.gatehouse.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EmitTimeTest {
  @Test
  void isRfc3339WithMillisAndParsesBackToTheSameInstant() {
    assertThat(RecordFormat.emitTime(0)).isEqualTo("1970-01-01T00:00:00.000Z");
    assertThat(RecordFormat.emitTime(1_764_633_600_123L)).isEqualTo("2025-12-02T00:00:00.123Z");
    assertThat(RecordFormat.emitTime(-1)).isEqualTo("1969-12-31T23:59:59.999Z");
    assertThat(RecordFormat.emitTime(951_782_400_000L)).isEqualTo("2000-02-29T00:00:00.000Z");
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      long millis = random.nextLong(-62_167_219_200_000L, 253_402_300_799_999L); // years 0000 to 9999
      assertThat(Instant.parse(RecordFormat.emitTime(millis)).toEpochMilli()).isEqualTo(millis);
    }
    // Outside four-digit years, Instant's own form (which parses back too).
    long far = Instant.parse("+12025-01-01T00:00:00Z").toEpochMilli();
    assertThat(Instant.parse(RecordFormat.emitTime(far)).toEpochMilli()).isEqualTo(far);
  }
}
