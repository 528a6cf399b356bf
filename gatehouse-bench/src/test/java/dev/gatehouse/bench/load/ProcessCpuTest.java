package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessCpuTest {
  @Test
  void readsUserPlusSystemTicksEvenWhenTheCommandNameHoldsSpacesAndParentheses() {
    String stat = "4242 (nginx: worker (x) 1) S 4241 4241 4241 0 -1 4194624 500 0 0 0 1234 567 8 9 20 0 1 0 100 "
        + "1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
    assertThat(ProcessCpu.ticksOf(stat)).isEqualTo(1234 + 567);
  }

  @Test
  void countsThisProcessCpuTimeAndContextSwitches() {
    ProcessCpu cpu = ProcessCpu.probe();
    long pid = ProcessHandle.current().pid();
    assertThat(cpu.ticksPerSecond()).isPositive();
    // A JVM that has loaded JUnit has spent CPU time, and its threads have slept at least once.
    assertThat(cpu.micros(pid)).isPositive();
    assertThat(cpu.contextSwitches(pid)).isNotEmpty().containsKey(pid);
    assertThat(cpu.contextSwitches(pid).values().stream().mapToLong(Long::longValue).sum()).isPositive();
  }

  @Test
  void aProcessThatIsGoneCountsAsNothing() {
    ProcessCpu cpu = ProcessCpu.probe();
    assertThat(cpu.micros(Long.MAX_VALUE)).isZero();
    assertThat(cpu.contextSwitches(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void switchesBetweenReadingsCountOnlyWhatLiveThreadsDidInBetween() {
    // Thread 1 made 5 more, thread 2 ended (its 100 vanish, not subtract), thread 3 started and made 7.
    assertThat(ProcessCpu.switchesBetween(Map.of(1L, 10L, 2L, 100L), Map.of(1L, 15L, 3L, 7L))).isEqualTo(12);
  }
}
