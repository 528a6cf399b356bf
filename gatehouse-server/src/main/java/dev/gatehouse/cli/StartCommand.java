package dev.gatehouse.cli;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.LoadedConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "start", mixinStandardHelpOptions = true,
    description = "Starts Gatehouse from static configuration (Temporal's WithConfigLoader layout, or one file).")
final class StartCommand implements Callable<Integer> {
  @Option(names = {"-r", "--config-dir"}, description = "Directory with base.yaml, <env>.yaml, <env>_<zone>.yaml.")
  Path configDir;

  @Option(names = {"-e", "--env"}, defaultValue = "${env:GATEHOUSE_ENVIRONMENT:-development}",
      description = "Environment (default: ${DEFAULT-VALUE}).")
  String env;

  @Option(names = {"-z", "--zone"}, defaultValue = "${env:GATEHOUSE_AVAILABILITY_ZONE:-}", description = "Zone.")
  String zone;

  @Option(names = {"-c", "--config"}, description = "A single YAML file instead of a config directory.")
  Path configFile;

  @Override
  public Integer call() throws Exception {
    LoadedConfig loaded = configFile != null
        ? ConfigLoader.loadFile(configFile)
        : ConfigLoader.load(configDir == null ? Path.of("config") : configDir, env, zone);
    if (loaded.config().audit() == Audit.ABSENT) {
      // A gateway that silently records nothing is the wrong default for a security product: make it a choice.
      throw new ConfigException(null, "audit",
          "missing: configure the audit log (audit.dir: /var/lib/gatehouse/audit) or turn it off explicitly "
              + "(audit.enabled: false)");
    }
    Gatehouse.Builder builder = Gatehouse.builder().withConfig(loaded);
    Gatehouse gatehouse = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(gatehouse::close, "gatehouse-shutdown"));
    gatehouse.awaitTermination();
    return 0;
  }
}
