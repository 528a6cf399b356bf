package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PinningTest {
  @Test
  void rolesAddUpAndTheLastListForARoleWins() {
    Pinning p = Pinning.NONE.with("client=0").with("proxy=1-3").with("proxy=1,3");
    assertThat(p.cpus()).isEqualTo(Map.of(Pinning.Role.CLIENT, "0", Pinning.Role.PROXY, "1,3"));
    assertThat(p.describe()).isEqualTo("client on CPUs 0, proxy on CPUs 1,3; roles not named unpinned");
    assertThat(Pinning.NONE.any()).isFalse();
    assertThat(Pinning.NONE.describe()).startsWith("none");
  }

  @Test
  void refusesUnknownRolesAndListsTasksetWouldNotTake() {
    for (String bad : new String[] {"gateway=0", "CLIENT=0", "client", "client=", "client=a", "client=0;1", "=0"}) {
      assertThatThrownBy(() -> Pinning.NONE.with(bad)).as(bad).hasMessageContaining("--pin takes ROLE=CPUS");
    }
  }

  @Test
  void pinsEveryThreadOfTheProcess() {
    assertThat(Pinning.command("0-1", 4242)).containsExactly("taskset", "-a", "-p", "-c", "0-1", "4242");
  }

  @Test
  void optionsCollectRepeatedPins() {
    LoadHarness.Options o = LoadHarness.Options.parse(new String[] {"--pin", "client=0", "--pin=upstream=1"});
    assertThat(o.pin.cpus()).isEqualTo(Map.of(Pinning.Role.CLIENT, "0", Pinning.Role.UPSTREAM, "1"));
    assertThat(LoadHarness.Options.parse(new String[0]).pin).isEqualTo(Pinning.NONE);
  }
}
