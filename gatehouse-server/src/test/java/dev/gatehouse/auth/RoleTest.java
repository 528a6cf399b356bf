package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoleTest {
  @Test
  void temporalsBitValues() {
    assertThat(Role.WORKER.bits()).isEqualTo(1);
    assertThat(Role.READER.bits()).isEqualTo(2);
    assertThat(Role.WRITER.bits()).isEqualTo(4);
    assertThat(Role.ADMIN.bits()).isEqualTo(8);
    assertThat(Role.UNDEFINED.bits()).isZero();
    assertThatThrownBy(() -> new Role(16)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Role.of(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesPermissionWords() {
    assertThat(Role.parse("read")).isEqualTo(Role.READER);
    assertThat(Role.parse("WRITE")).isEqualTo(Role.WRITER);
    assertThat(Role.parse("Worker")).isEqualTo(Role.WORKER);
    assertThat(Role.parse("admin")).isEqualTo(Role.ADMIN);
    assertThat(Role.parse("reader")).isEqualTo(Role.UNDEFINED);
    assertThat(Role.parse("owner")).isEqualTo(Role.UNDEFINED);
    assertThat(Role.parse(null)).isEqualTo(Role.UNDEFINED);
  }

  @Test
  void highestBitDecidesAsInTemporal() {
    assertThat(Role.ADMIN.atLeast(Role.WRITER)).isTrue();
    assertThat(Role.WRITER.atLeast(Role.READER)).isTrue();
    assertThat(Role.READER.atLeast(Role.WRITER)).isFalse();
    assertThat(Role.WORKER.atLeast(Role.READER)).isFalse();
    assertThat(Role.WORKER.union(Role.READER).atLeast(Role.READER)).isTrue();
    assertThat(Role.WORKER.union(Role.READER).atLeast(Role.WRITER)).isFalse();
    assertThat(Role.UNDEFINED.atLeast(Role.READER)).isFalse();
  }

  @Test
  void intersectionKeepsWhatBothImply() {
    assertThat(Role.ADMIN.intersect(Role.WRITER).atLeast(Role.WRITER)).isTrue();
    assertThat(Role.ADMIN.intersect(Role.WRITER).atLeast(Role.ADMIN)).isFalse();
    assertThat(Role.ADMIN.intersect(Role.READER)).isEqualTo(Role.READER);
    assertThat(Role.WRITER.intersect(Role.WORKER)).isEqualTo(Role.WORKER);
    assertThat(Role.READER.intersect(Role.WORKER)).isEqualTo(Role.UNDEFINED);
    assertThat(Role.ADMIN.intersect(Role.UNDEFINED)).isEqualTo(Role.UNDEFINED);
    assertThat(Role.ADMIN.intersect(Role.ADMIN).atLeast(Role.ADMIN)).isTrue();
  }
}
