package dev.gatehouse.bench.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM the harness starts with its own java binary and class path, output to a log file; it ends when the
 * harness closes its standard input (or dies), and is killed if it does not.
 */
final class ChildJvm implements AutoCloseable {
  private static final Pattern PORT_LINE = Pattern.compile("(?m)^PORT (\\d+)$");

  private final String name;
  private final Process process;
  private final Path log;
  private final int port;

  private ChildJvm(String name, Process process, Path log, int port) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts {@code main} on this JVM's class path and waits until it prints {@code PORT <n>}. */
  static ChildJvm start(String name, Class<?> main, List<String> jvmOptions, List<String> args, Path logDir,
      Duration timeout) throws IOException, InterruptedException {
    return start(name, System.getProperty("java.class.path"), main.getName(), jvmOptions, args, logDir, timeout);
  }

  /** Starts {@code mainClass} from {@code classPath} and waits until it prints {@code PORT <n>}. */
  static ChildJvm start(String name, String classPath, String mainClass, List<String> jvmOptions, List<String> args,
      Path logDir, Duration timeout) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(args);
    Path log = logDir.resolve(name + ".log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = PORT_LINE.matcher(Files.readString(log));
      if (m.find()) {
        return new ChildJvm(name, process, log, Integer.parseInt(m.group(1)));
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " before listening; see " + log);
      }
      Thread.sleep(50);
    }
    process.destroyForcibly();
    throw new IllegalStateException(name + " did not report a port within " + timeout + "; see " + log);
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  Path log() {
    return log;
  }

  String name() {
    return name;
  }

  /** Closes the child's standard input so it shuts down cleanly (JFR recordings get written), then kills it. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
