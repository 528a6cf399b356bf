package dev.gatehouse.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU affinity by process role ({@code --pin ROLE=CPUS}), set with {@code taskset -a -p -c} on every thread of a
 * process once it runs; threads it starts later inherit it. A role not named stays unpinned.
 *
 * @param cpus taskset CPU lists ({@code 0}, {@code 1-3}, {@code 0,2}) by role
 */
record Pinning(Map<Role, String> cpus) {
  /** Which processes a CPU list applies to. */
  enum Role {
    /** The harness itself; pinned after every child has started, so no child inherits it. */
    CLIENT,
    UPSTREAM,
    /** Every gateway JVM and nginx (master and workers). */
    PROXY
  }

  static final Pinning NONE = new Pinning(Map.of());

  Pinning {
    cpus = Map.copyOf(cpus);
  }

  boolean any() {
    return !cpus.isEmpty();
  }

  /** This pinning with one more {@code ROLE=CPUS} from the command line. */
  Pinning with(String option) {
    int eq = option.indexOf('=');
    String role = eq > 0 ? option.substring(0, eq) : "";
    String list = eq > 0 ? option.substring(eq + 1) : "";
    Role r;
    try {
      r = Role.valueOf(role.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      r = null;
    }
    if (r == null || !role.equals(role.toLowerCase(Locale.ROOT)) || !list.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*")) {
      throw new IllegalArgumentException("--pin takes ROLE=CPUS: ROLE client, upstream or proxy, CPUS a taskset list "
          + "such as 0, 1-3 or 0,2; not " + option);
    }
    Map<Role, String> out = new EnumMap<>(Role.class);
    out.putAll(cpus);
    out.put(r, list);
    return new Pinning(out);
  }

  /** The taskset command that pins every thread of {@code pid} to {@code cpuList}. */
  static List<String> command(String cpuList, long pid) {
    return List.of("taskset", "-a", "-p", "-c", cpuList, Long.toString(pid));
  }

  /** Whether {@code taskset} is there to run. */
  static boolean tasksetAvailable() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "taskset"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Pins {@code pid} (and, for nginx, its workers: {@code descendants}) if {@code role} is named.
   *
   * @throws IOException when taskset fails: a run that asked for pinning must not go on unpinned
   */
  void apply(Role role, long pid, boolean descendants) throws IOException, InterruptedException {
    String list = cpus.get(role);
    if (list == null) {
      return;
    }
    List<Long> pids = new ArrayList<>(List.of(pid));
    if (descendants) {
      ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
    }
    for (long p : pids) {
      Process taskset = new ProcessBuilder(command(list, p)).redirectErrorStream(true).start();
      String out = new String(taskset.getInputStream().readAllBytes());
      if (taskset.waitFor() != 0) {
        throw new IOException("taskset could not pin " + role + " pid " + p + " to " + list + ": " + out.trim());
      }
    }
  }

  /** For the report's header: {@code client 0, upstream 1, proxy 1}, or none. */
  String describe() {
    if (cpus.isEmpty()) {
      return "none (every process may run on every CPU)";
    }
    return cpus.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey().name().toLowerCase(Locale.ROOT) + " on CPUs " + e.getValue())
        .collect(Collectors.joining(", "))
        + (cpus.size() < Role.values().length ? "; roles not named unpinned" : "");
  }
}
