package dev.gatehouse.cli;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.LoadedConfig;
import dev.gatehouse.config.Store;
import dev.gatehouse.control.ApiKeyIssuer;
import dev.gatehouse.control.Bootstrap;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKeySecrets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse init}: the store, the account and its first Owner with an API key, printed once. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Creates the store (migrations), the account and the first Account Owner with an API key, "
        + "printed once. Does nothing to a store that already has an account.")
final class InitCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = {"-r", "--config-dir"}, description = "Directory with base.yaml, <env>.yaml, <env>_<zone>.yaml"
      + " (its store section is used).")
  Path configDir;

  @Option(names = {"-e", "--env"}, defaultValue = "${env:GATEHOUSE_ENVIRONMENT:-development}",
      description = "Environment (default: ${DEFAULT-VALUE}).")
  String env;

  @Option(names = {"-z", "--zone"}, defaultValue = "${env:GATEHOUSE_AVAILABILITY_ZONE:-}", description = "Zone.")
  String zone;

  @Option(names = {"-c", "--config"}, description = "A single YAML file instead of a config directory.")
  Path configFile;

  @Option(names = "--store-dir", description = "The data directory of the SQLite store, instead of a config.")
  Path storeDir;

  @Option(names = "--owner-email", required = true, description = "The first Account Owner's email.")
  String ownerEmail;

  @Option(names = "--key-expiry", defaultValue = "90d",
      description = "The Owner's API key lifetime, at most 2 years (default: ${DEFAULT-VALUE}).")
  String keyExpiry;

  @Override
  public Integer call() {
    Store settings = settings();
    PrintWriter out = spec.commandLine().getOut();
    try (AccountStore store = AccountStore.open(settings, Clock.systemUTC())) {
      Optional<Bootstrap.Created> created = Bootstrap.initialise(store,
          ApiKeyIssuer.of(ApiKeySecrets.forStore(store)), ownerEmail, AdminCommand.duration(keyExpiry),
          Clock.systemUTC());
      if (created.isEmpty()) {
        out.println("The store already has account " + store.account().map(a -> a.id()).orElse("?")
            + "; nothing changed. Make more keys with `gatehouse admin api-key create`.");
        out.flush();
        return 0;
      }
      printCreated(out, created.get());
      return 0;
    }
  }

  static void printCreated(PrintWriter out, Bootstrap.Created c) {
    out.printf("""
        Account      %s
        Owner        %s (user id %s)
        API key      %s
                     (key id %s, expires %s)
        Keep the key now: it is shown this once and stored nowhere. Use it with
          export GATEHOUSE_API_KEY=<the key>
          gatehouse admin whoami --address <controlPlane.address> --ca-file <CA of controlPlane.tls>
        """, c.account().id(), c.owner().email(), c.owner().id(), c.token(), c.key().id(), c.key().expiry());
    out.flush();
  }

  private Store settings() {
    if (storeDir != null) {
      if (configDir != null || configFile != null) {
        throw new IllegalArgumentException("give --store-dir or a configuration, not both");
      }
      return new Store(null, storeDir.toAbsolutePath().toString(), null, null);
    }
    LoadedConfig loaded = configFile != null
        ? ConfigLoader.loadFile(configFile)
        : ConfigLoader.load(configDir == null ? Path.of("config") : configDir, env, zone);
    ConfigValidator.validate(loaded);
    Store store = loaded.config().store();
    if (!store.configured()) {
      throw new ConfigException(loaded.origin().fileOf("store.dir"), "store.dir",
          "no store configured (set store.dir, e.g. /var/lib/gatehouse, or store.url), or pass --store-dir");
    }
    return store;
  }
}
