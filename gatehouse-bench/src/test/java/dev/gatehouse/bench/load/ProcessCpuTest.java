package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCpuTest {
  private static final String NGINX_WORKER_STAT = "4242 (nginx: worker (x) 1) S 4241 4241 4241 0 -1 4194624 500 0 0 0 "
      + "1234 567 8 9 20 0 1 0 100 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

  @TempDir Path proc;

  /** A fixed /proc entry: utime/stime ticks, and per thread {voluntary, involuntary, migrations (-1: no sched)}. */
  private void process(long pid, long utime, long stime, Map<Long, long[]> threads) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    Files.writeString(dir.resolve("stat"), pid + " (java) S 1 1 1 0 -1 0 0 0 0 0 " + utime + " " + stime
        + " 0 0 20 0 1 0 100 1000 200");
    for (Map.Entry<Long, long[]> t : threads.entrySet()) {
      Path task = Files.createDirectories(dir.resolve("task").resolve(Long.toString(t.getKey())));
      Files.writeString(task.resolve("status"), "Name:\tjava\nvoluntary_ctxt_switches:\t" + t.getValue()[0]
          + "\nnonvoluntary_ctxt_switches:\t" + t.getValue()[1] + "\n");
      if (t.getValue()[2] >= 0) {
        Files.writeString(task.resolve("sched"), "java (" + t.getKey() + ", #threads: 1)\n"
            + "-------------------------------------------------------------------\n"
            + "se.exec_start                                :       6322021.956378\n"
            + "se.nr_migrations                             :                 " + t.getValue()[2] + "\n"
            + "nr_switches                                  :                    0\n");
      }
    }
  }

  /** CLK_TCK 100: one tick is 10 000 µs. Process 10 has child 20, which has child 30. */
  private ProcessCpu cpu() {
    return new ProcessCpu(100, proc, pid -> pid == 10 ? List.of(20L, 30L) : pid == 20 ? List.of(30L) : List.of());
  }

  @Test
  void readsUserAndSystemTicksEvenWhenTheCommandNameHoldsSpacesAndParentheses() {
    assertThat(ProcessCpu.userSystemTicks(NGINX_WORKER_STAT)).containsExactly(1234, 567);
  }

  @Test
  void parsesSwitchesAndMigrations() {
    assertThat(ProcessCpu.switchesOf("Name:\tx\nvoluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n"))
        .containsExactly(12, 3);
    assertThat(ProcessCpu.migrationsOf("x (1, #threads: 1)\n---\nse.nr_migrations   :   42\n")).isEqualTo(42);
    assertThatThrownBy(() -> ProcessCpu.migrationsOf("nr_switches : 1\n")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void selfOnlyNeverCountsChildrenAndWithDescendantsCountsTheWholeGroup() throws IOException {
    // The harness (10) with a gateway (20) that has a child (30): the harness did 1 + 2 ticks, the others far more.
    process(10, 1, 2, Map.of(11L, new long[] {5, 1, 3}));
    process(20, 100, 50, Map.of(21L, new long[] {40, 2, 7}));
    process(30, 1000, 500, Map.of(31L, new long[] {400, 20, 70}));
    ProcessCpu cpu = cpu();

    ProcessCpu.Sample self = cpu.selfOnly(10);
    assertThat(self.userTicks()).isEqualTo(1);
    assertThat(self.systemTicks()).isEqualTo(2);
    assertThat(self.tasks()).containsOnlyKeys(11L);

    ProcessCpu.Sample group = cpu.withDescendants(10);
    assertThat(group.userTicks()).isEqualTo(1 + 100 + 1000);
    assertThat(group.systemTicks()).isEqualTo(2 + 50 + 500);
    assertThat(group.tasks()).containsOnlyKeys(11L, 21L, 31L);
  }

  @Test
  void usageBetweenSamplesSplitsUserAndSystemAndCountsSwitchesAndMigrations() throws IOException {
    process(10, 100, 50, Map.of(11L, new long[] {10, 1, 3}, 12L, new long[] {100, 0, 9}));
    ProcessCpu cpu = cpu();
    ProcessCpu.Sample before = cpu.selfOnly(10);
    // Thread 11 made 5 + 1 more switches and 2 migrations, 12 ended (its counts vanish, not subtract), 13 started.
    deleteTree(proc.resolve("10"));
    process(10, 130, 60, Map.of(11L, new long[] {15, 2, 5}, 13L, new long[] {7, 0, 1}));
    ProcessCpu.Usage u = cpu.between(before, cpu.selfOnly(10));
    assertThat(u.userMicros()).isEqualTo(30 * 10_000);
    assertThat(u.systemMicros()).isEqualTo(10 * 10_000);
    assertThat(u.cpuMicros()).isEqualTo(40 * 10_000);
    assertThat(u.switches()).isEqualTo(6 + 7);
    assertThat(u.migrations()).isEqualTo(2 + 1);
    assertThat(u.migrationsKnown()).isTrue();
  }

  @Test
  void migrationsAreUnknownWhenAnySchedFileIsUnreadable() throws IOException {
    process(10, 1, 1, Map.of(11L, new long[] {1, 1, 1}, 12L, new long[] {1, 1, -1}));
    ProcessCpu cpu = cpu();
    ProcessCpu.Usage u = cpu.between(cpu.selfOnly(10), cpu.selfOnly(10));
    assertThat(u.migrationsKnown()).isFalse();
    assertThat(u.switches()).isZero();
  }

  @Test
  void samplesOfDifferentSubjectsCannotBeCompared() throws IOException {
    process(10, 1, 1, Map.of(11L, new long[] {1, 1, 1}));
    ProcessCpu cpu = cpu();
    assertThatThrownBy(() -> cpu.between(cpu.selfOnly(10), cpu.withDescendants(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("different subjects");
  }

  @Test
  void readsThisProcessFromTheRealProc() {
    ProcessCpu cpu = ProcessCpu.probe();
    long pid = ProcessHandle.current().pid();
    assertThat(cpu.ticksPerSecond()).isPositive();
    // A JVM that has loaded JUnit has spent CPU time, and its threads have slept at least once.
    ProcessCpu.Sample s = cpu.selfOnly(pid);
    assertThat(s.userTicks() + s.systemTicks()).isPositive();
    assertThat(s.tasks()).containsKey(pid);
    assertThat(s.tasks().values().stream().mapToLong(ProcessCpu.TaskCounters::switches).sum()).isPositive();
  }

  @Test
  void aProcessThatIsGoneCountsAsNothing() {
    ProcessCpu.Sample s = cpu().withDescendants(99);
    assertThat(s.userTicks() + s.systemTicks()).isZero();
    assertThat(s.tasks()).isEmpty();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
