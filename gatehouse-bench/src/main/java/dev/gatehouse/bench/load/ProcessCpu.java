package dev.gatehouse.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of a process and its live descendants (user + system, every thread), from {@code /proc/<pid>/stat}.
 *
 * <p>Descendants count because nginx does its work in worker processes under the master we start.
 */
final class ProcessCpu {
  private final long ticksPerSecond;

  ProcessCpu(long ticksPerSecond) {
    this.ticksPerSecond = ticksPerSecond;
  }

  /** Reads {@code getconf CLK_TCK}; Linux has used 100 on every common platform for decades. */
  static ProcessCpu probe() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() == 0 && out.matches("\\d+")) {
        return new ProcessCpu(Long.parseLong(out));
      }
    } catch (IOException e) {
      // fall through to the Linux default
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new ProcessCpu(100);
  }

  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/stat"));
  }

  /** CPU time consumed so far by {@code pid} and its live descendants, in microseconds. */
  long micros(long pid) {
    long ticks = ticks(pid);
    for (ProcessHandle child : descendants(pid)) {
      ticks += ticks(child.pid());
    }
    return ticks * 1_000_000L / ticksPerSecond;
  }

  /**
   * Context switches so far (voluntary + involuntary) of every thread of {@code pid} and its live descendants, by
   * thread id: each time a thread sleeps or is woken counts, so hand-offs between threads show here. Compare two
   * readings with {@link #switchesBetween}: a thread's count disappears with the thread.
   */
  Map<Long, Long> contextSwitches(long pid) {
    Map<Long, Long> out = new HashMap<>();
    addSwitches(pid, out);
    for (ProcessHandle child : descendants(pid)) {
      addSwitches(child.pid(), out);
    }
    return out;
  }

  /** Switches made between two readings by threads alive at the second (a thread started in between counts whole). */
  static long switchesBetween(Map<Long, Long> before, Map<Long, Long> after) {
    long n = 0;
    for (Map.Entry<Long, Long> e : after.entrySet()) {
      n += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    return n;
  }

  private static void addSwitches(long pid, Map<Long, Long> out) {
    try (var tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        long n = 0;
        try {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
              n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException threadGone) {
          continue;
        }
        out.put(Long.parseLong(task.getFileName().toString()), n);
      }
    } catch (IOException processGone) {
      // nothing to add
    }
  }

  long ticksPerSecond() {
    return ticksPerSecond;
  }

  private static List<ProcessHandle> descendants(long pid) {
    List<ProcessHandle> out = new ArrayList<>();
    ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(out::add));
    return out;
  }

  private static long ticks(long pid) {
    try {
      return ticksOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException e) {
      return 0; // gone between listing and reading
    }
  }

  /** User + system clock ticks from the text of a {@code /proc/<pid>/stat} file. */
  static long ticksOf(String stat) {
    // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state); utime is field 14, stime field 15.
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
