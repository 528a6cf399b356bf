package dev.gatehouse.cli;

import dev.gatehouse.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gatehouse} command line. */
@Command(
    name = "gatehouse",
    mixinStandardHelpOptions = true,
    version = "Gatehouse 0.1.0",
    description = "The Temporal security model for self-hosted Temporal Services.",
    subcommands = {StartCommand.class, StartDevCommand.class, CertsCommand.class, CodecCommand.class,
        AuditCommand.class, InitCommand.class, AdminCommand.class, AccessCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code; a configuration error prints one line, not a stack trace. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      Throwable root = e;
      while (!(root instanceof ConfigException) && root.getCause() != null) {
        root = root.getCause();
      }
      if (root instanceof ConfigException config) {
        commandLine.getErr().println("gatehouse: invalid configuration: " + config.getMessage());
        return 2;
      }
      commandLine.getErr().println("gatehouse: " + e.getMessage());
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
