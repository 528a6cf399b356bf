package dev.gatehouse.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Gatehouse's static configuration the way Temporal's server reads its own.
 *
 * <p>{@link #load(Path, String, String)} is Temporal's {@code WithConfigLoader(dir, env, zone)}: it reads
 * {@code base.yaml}, then {@code <env>.yaml}, then {@code <env>_<zone>.yaml} from {@code dir}, each optional as long
 * as one exists, and merges each over the ones before: sections merge key by key, maps (such as
 * {@code hostOverrides}) entry by entry, while scalars and lists replace.
 *
 * <p>In every file, {@code ${VAR}} and {@code ${VAR:-default}} in a value are replaced with environment variables
 * (<code>$${</code> for a literal <code>${</code>); durations are Go's ({@code 30s}, {@code 1h30m}, {@code 720h})
 * or ISO-8601 ({@code PT1M}); keys are case-sensitive, and an unknown key is an error. Every error is a
 * {@link ConfigException} naming the file and the key. Loading does not check cross-field rules or files on disk:
 * run {@link ConfigValidator#validate(LoadedConfig)} on the result before use.
 */
public final class ConfigLoader {
  private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

  // The environment Temporal assumes when none is given.
  private static final String DEFAULT_ENV = "development";

  // env and zone become file names: no separators, no "..", so they cannot reach outside dir.
  private static final Pattern FILE_NAME_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private ConfigLoader() {}

  /**
   * Loads {@code base.yaml}, {@code <env>.yaml} and {@code <env>_<zone>.yaml} from {@code dir}, in that order.
   *
   * @param env the environment, e.g. {@code production}; blank means {@code development}, as in Temporal
   * @param zone the availability zone; blank or {@code null} skips the zone file
   * @throws ConfigException if {@code dir} is missing, holds none of the files, or a file is invalid
   */
  public static LoadedConfig load(Path dir, String env, String zone) {
    return load(dir, env, zone, System::getenv);
  }

  /** Loads one file, as Temporal's {@code --config-file}. */
  public static LoadedConfig loadFile(Path file) {
    return loadFile(file, System::getenv);
  }

  /**
   * Parses YAML text.
   *
   * @param sourceName what errors and {@link ConfigOrigin} call the text, e.g. a file name
   */
  public static LoadedConfig parse(String yaml, String sourceName) {
    return parse(yaml, sourceName, System::getenv);
  }

  /** Wraps a configuration built in code; its origin answers {@code "<code>"} for every key. */
  public static LoadedConfig of(GatehouseConfig config) {
    return new LoadedConfig(config, key -> "<code>");
  }

  static LoadedConfig load(Path dir, String env, String zone, Function<String, String> envLookup) {
    Objects.requireNonNull(dir, "dir");
    String environment = env == null || env.isBlank() ? DEFAULT_ENV : env.strip();
    String availabilityZone = zone == null || zone.isBlank() ? null : zone.strip();
    checkNamePart(dir, "env", environment);
    if (availabilityZone != null) {
      checkNamePart(dir, "zone", availabilityZone);
    }
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(dir.toString(), null, Files.exists(dir)
          ? "is not a directory (pass the directory that holds base.yaml, or load a single file instead)"
          : "config directory not found (create it with a base.yaml, or pass the right directory)");
    }
    List<Path> candidates = new ArrayList<>(3);
    candidates.add(dir.resolve("base.yaml"));
    candidates.add(dir.resolve(environment + ".yaml"));
    if (availabilityZone != null) {
      candidates.add(dir.resolve(environment + "_" + availabilityZone + ".yaml"));
    }
    List<Path> files = new ArrayList<>(3);
    for (Path candidate : candidates) {
      if (Files.isDirectory(candidate)) {
        throw new ConfigException(candidate.toString(), null,
            "is a directory, not a config file (remove or rename it)");
      }
      if (Files.exists(candidate)) {
        files.add(candidate);
      } else if (!Files.notExists(candidate)) {
        // Neither there nor provably absent (a permission problem): skipping it would silently drop its settings.
        throw new ConfigException(candidate.toString(), null,
            "cannot tell whether this file exists (check the permissions of the config directory)");
      }
    }
    if (files.isEmpty()) {
      List<String> names = candidates.stream().map(p -> p.getFileName().toString()).toList();
      throw new ConfigException(dir.toString(), null, "no config file found: looked for " + String.join(", ", names)
          + " (create base.yaml, or pass the env whose file exists; env is \"" + environment + "\")");
    }
    log.info("Loading config files {}", files);
    ConfigBinding binding = new ConfigBinding(envLookup);
    ConfigTree tree = new ConfigTree();
    for (Path file : files) {
      tree.merge(binding.read(readText(file), file.toString()), file.toString());
    }
    return bind(binding, tree);
  }

  static LoadedConfig loadFile(Path file, Function<String, String> envLookup) {
    Objects.requireNonNull(file, "file");
    if (Files.isDirectory(file)) {
      throw new ConfigException(file.toString(), null,
          "is a directory (load it with load(dir, env, zone), or name a .yaml file)");
    }
    log.info("Loading config file {}", file);
    ConfigBinding binding = new ConfigBinding(envLookup);
    ConfigTree tree = new ConfigTree();
    tree.merge(binding.read(readText(file), file.toString()), file.toString());
    return bind(binding, tree);
  }

  static LoadedConfig parse(String yaml, String sourceName, Function<String, String> envLookup) {
    Objects.requireNonNull(yaml, "yaml");
    String source = sourceName == null || sourceName.isBlank() ? "<config>" : sourceName;
    ConfigBinding binding = new ConfigBinding(envLookup);
    ConfigTree tree = new ConfigTree();
    tree.merge(binding.read(yaml, source), source);
    return bind(binding, tree);
  }

  private static LoadedConfig bind(ConfigBinding binding, ConfigTree tree) {
    ConfigOrigin origin = tree.origin();
    return new LoadedConfig(binding.bind(tree.root(), origin), origin);
  }

  private static void checkNamePart(Path dir, String what, String value) {
    if (!FILE_NAME_PART.matcher(value).matches() || value.contains("..")) {
      throw new ConfigException(dir.toString(), null, what + " " + ConfigText.quoted(value)
          + " cannot be part of a file name (use letters, digits, '.', '_' and '-', e.g. production)");
    }
  }

  private static String readText(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(ConfigBinding.MAX_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), null, "file not found (check the path)", e);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), null,
          "cannot read the file: " + e.getClass().getSimpleName() + " (check that it exists and is readable)", e);
    }
    if (bytes.length > ConfigBinding.MAX_FILE_BYTES) {
      throw new ConfigException(file.toString(), null,
          "file too large (the limit is 2 MB; move certificates out into certFile/keyFile)");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(file.toString(), null, "not UTF-8 text (save the file as UTF-8)", e);
    }
  }
}
