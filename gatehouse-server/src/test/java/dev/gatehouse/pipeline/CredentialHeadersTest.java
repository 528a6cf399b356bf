package dev.gatehouse.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialHeadersTest {
  @Test
  void absentHeadersAreNoCredentialsAndNotAmbiguous() {
    assertThat(CredentialHeaders.of(null, null)).isEqualTo(new CredentialHeaders(null, null, false));
    assertThat(CredentialHeaders.of(List.of(), List.of())).isEqualTo(new CredentialHeaders(null, null, false));
  }

  @Test
  void oneValueEachIsTaken() {
    assertThat(CredentialHeaders.of(List.of("Bearer a"), List.of("x")))
        .isEqualTo(new CredentialHeaders("Bearer a", "x", false));
  }

  @Test
  void aSecondValueOfEitherHeaderMakesTheCallAmbiguous() {
    assertThat(CredentialHeaders.of(List.of("Bearer a", "Bearer b"), null).ambiguous()).isTrue();
    assertThat(CredentialHeaders.of(List.of("Bearer a"), List.of("x", "y")).ambiguous()).isTrue();
    assertThat(CredentialHeaders.of(List.of("Bearer a", "Bearer b"), null).token()).isEqualTo("Bearer a");
  }
}
