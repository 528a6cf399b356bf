package dev.gatehouse.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * CPU time (user and system, every thread), context switches and CPU migrations of one process, from
 * {@code /proc/<pid>/stat}, {@code /proc/<pid>/task/<tid>/status} and {@code /proc/<pid>/task/<tid>/sched}.
 *
 * <p>Every reading names its {@link Scope}: the harness's own process must be read {@link Scope#SELF_ONLY}, since
 * the gateways, the upstream and nginx are its children and would otherwise be billed to the client (one nginx
 * round once summed to 3 cores on a 2-core box). Only nginx is read {@link Scope#WITH_DESCENDANTS}: its master does
 * no request work, its workers do. A {@link Sample} carries its subject, and {@link #between} refuses two samples
 * of different subjects, so a scope cannot change halfway through a phase.
 */
final class ProcessCpu {
  /** Whether a reading counts the live descendants of the process too. */
  enum Scope {
    /** The process alone (its threads, not its children). */
    SELF_ONLY,
    /** The process and its live descendants, as one group (nginx: master + workers). */
    WITH_DESCENDANTS
  }

  /** A process to measure, and how. */
  record Subject(long pid, Scope scope) {
    static Subject selfOnly(long pid) {
      return new Subject(pid, Scope.SELF_ONLY);
    }

    static Subject withDescendants(long pid) {
      return new Subject(pid, Scope.WITH_DESCENDANTS);
    }
  }

  /**
   * One thread's counters so far.
   *
   * @param migrations {@code se.nr_migrations}, or -1 when {@code sched} is not readable (kernels without
   *     {@code CONFIG_SCHED_DEBUG}, or another user's process)
   */
  record TaskCounters(long voluntarySwitches, long involuntarySwitches, long migrations) {
    long switches() {
      return voluntarySwitches + involuntarySwitches;
    }
  }

  /**
   * Cumulative counters of a subject at one moment.
   *
   * @param tasks by thread id, of every live thread of every process counted; a thread's counters vanish with it
   */
  record Sample(Subject subject, long userTicks, long systemTicks, Map<Long, TaskCounters> tasks) {}

  /**
   * What a subject used between two samples.
   *
   * @param switches voluntary + involuntary context switches of the threads alive at the second sample (a thread
   *     started in between counts whole; one that ended in between is lost, not subtracted)
   * @param migrations CPU migrations counted the same way, or -1 when some thread's {@code sched} was unreadable
   */
  record Usage(long userMicros, long systemMicros, long switches, long migrations) {
    static final Usage NONE = new Usage(0, 0, 0, 0);

    long cpuMicros() {
      return userMicros + systemMicros;
    }

    boolean migrationsKnown() {
      return migrations >= 0;
    }
  }

  private final long ticksPerSecond;
  private final Path proc;
  private final LongFunction<List<Long>> descendants;

  /**
   * @param proc where {@code /proc} is (a fixed tree in tests)
   * @param descendants the live descendants of a pid
   */
  ProcessCpu(long ticksPerSecond, Path proc, LongFunction<List<Long>> descendants) {
    this.ticksPerSecond = ticksPerSecond;
    this.proc = proc;
    this.descendants = descendants;
  }

  /** Reads {@code getconf CLK_TCK}; Linux has used 100 on every common platform for decades. */
  static ProcessCpu probe() {
    return new ProcessCpu(clockTicks(), Path.of("/proc"), ProcessCpu::liveDescendants);
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() == 0 && out.matches("\\d+")) {
        return Long.parseLong(out);
      }
    } catch (IOException e) {
      // fall through to the Linux default
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }

  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/stat"));
  }

  /** The process alone: never its children. */
  Sample selfOnly(long pid) {
    return sample(Subject.selfOnly(pid));
  }

  /** The process and its live descendants. */
  Sample withDescendants(long pid) {
    return sample(Subject.withDescendants(pid));
  }

  Sample sample(Subject subject) {
    List<Long> pids = new ArrayList<>();
    pids.add(subject.pid());
    if (subject.scope() == Scope.WITH_DESCENDANTS) {
      pids.addAll(descendants.apply(subject.pid()));
    }
    long user = 0;
    long system = 0;
    Map<Long, TaskCounters> tasks = new HashMap<>();
    for (long pid : pids) {
      Path dir = proc.resolve(Long.toString(pid));
      try {
        long[] us = userSystemTicks(Files.readString(dir.resolve("stat")));
        user += us[0];
        system += us[1];
      } catch (IOException gone) {
        continue; // gone between listing and reading
      }
      addTasks(dir.resolve("task"), tasks);
    }
    return new Sample(subject, user, system, Map.copyOf(tasks));
  }

  /** What the subject of both samples used in between. */
  Usage between(Sample before, Sample after) {
    if (!before.subject().equals(after.subject())) {
      throw new IllegalArgumentException("samples of different subjects: " + before.subject() + ", "
          + after.subject());
    }
    long switches = 0;
    long migrations = 0;
    boolean migrationsKnown = true;
    for (Map.Entry<Long, TaskCounters> e : after.tasks().entrySet()) {
      TaskCounters a = e.getValue();
      TaskCounters b = before.tasks().getOrDefault(e.getKey(), new TaskCounters(0, 0, 0));
      switches += a.switches() - b.switches();
      if (a.migrations() < 0 || b.migrations() < 0) {
        migrationsKnown = false;
      } else {
        migrations += a.migrations() - b.migrations();
      }
    }
    return new Usage(micros(after.userTicks() - before.userTicks()),
        micros(after.systemTicks() - before.systemTicks()), switches, migrationsKnown ? migrations : -1);
  }

  private long micros(long ticks) {
    return ticks * 1_000_000L / ticksPerSecond;
  }

  long ticksPerSecond() {
    return ticksPerSecond;
  }

  private static void addTasks(Path taskDir, Map<Long, TaskCounters> out) {
    try (var tasks = Files.newDirectoryStream(taskDir)) {
      for (Path task : tasks) {
        long[] switches;
        try {
          switches = switchesOf(Files.readString(task.resolve("status")));
        } catch (IOException threadGone) {
          continue;
        }
        long migrations;
        try {
          migrations = migrationsOf(Files.readString(task.resolve("sched")));
        } catch (IOException | RuntimeException unreadable) {
          migrations = -1; // no CONFIG_SCHED_DEBUG, not ours, or the thread just ended: "n/a", not 0
        }
        out.put(Long.parseLong(task.getFileName().toString()), new TaskCounters(switches[0], switches[1],
            migrations));
      }
    } catch (IOException processGone) {
      // nothing to add
    }
  }

  private static List<Long> liveDescendants(long pid) {
    List<Long> out = new ArrayList<>();
    ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
    return out;
  }

  /** {utime, stime} clock ticks from the text of a {@code /proc/<pid>/stat} file. */
  static long[] userSystemTicks(String stat) {
    // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state); utime is field 14, stime field 15.
    return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
  }

  /** {voluntary, involuntary} context switches from the text of a {@code /proc/<pid>/task/<tid>/status} file. */
  static long[] switchesOf(String status) {
    long[] out = new long[2];
    for (String line : status.split("\n")) {
      if (line.startsWith("voluntary_ctxt_switches:")) {
        out[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
        out[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return out;
  }

  /**
   * {@code se.nr_migrations} from the text of a {@code /proc/<pid>/task/<tid>/sched} file.
   *
   * @throws IllegalArgumentException when the line is missing (the file's layout is a debugging interface)
   */
  static long migrationsOf(String sched) {
    for (String line : sched.split("\n")) {
      if (line.startsWith("se.nr_migrations")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new IllegalArgumentException("no se.nr_migrations line");
  }
}
