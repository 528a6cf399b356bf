package dev.gatehouse.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
   * Context switches so far (voluntary + involuntary, every thread) of {@code pid} and its live descendants:
   * each time a thread sleeps or is woken counts, so hand-offs between threads show here.
   */
  long contextSwitches(long pid) {
    long n = switches(pid);
    for (ProcessHandle child : descendants(pid)) {
      n += switches(child.pid());
    }
    return n;
  }

  private static long switches(long pid) {
    long n = 0;
    try (var tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        try {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
              n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException threadGone) {
          // a thread that ended between listing and reading
        }
      }
    } catch (IOException processGone) {
      return 0;
    }
    return n;
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
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      return 0; // gone between listing and reading
    }
    // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state); utime is field 14, stime field 15.
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
