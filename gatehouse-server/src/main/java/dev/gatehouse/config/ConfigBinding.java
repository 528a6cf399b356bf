package dev.gatehouse.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * YAML text to a tree (with {@code ${VAR}} substituted) and a merged tree to {@link GatehouseConfig}, turning every
 * Jackson error into a one-line {@link ConfigException} that names file and key. Messages never quote a value
 * from the file: a {@code keyData} in the wrong place must not end up in a log. For the same reason the Jackson
 * or SnakeYAML exception is not kept as the cause: its message quotes the offending text.
 */
final class ConfigBinding {
  /** Temporal's loader refuses config files over 2 MB; so do we. */
  static final int MAX_FILE_BYTES = 2 << 20;

  // Keys of Temporal's server config that an operator may copy across but that mean nothing to Gatehouse: say so,
  // rather than "unknown key", so the fix is obvious.
  private static final Map<String, String> TEMPORAL_ONLY = Map.ofEntries(
      Map.entry("global.membership", "Temporal's cluster membership"),
      Map.entry("global.pprof", "Temporal's pprof endpoint"),
      Map.entry("global.metrics", "Temporal's metrics setup"),
      Map.entry("global.tls.systemWorker", "the TLS of Temporal's own system workers"),
      Map.entry("global.tls.remoteClusters", "Temporal's cross-cluster TLS"),
      Map.entry("global.authorization.remoteClusterAuth", "Temporal's cross-cluster replication tokens"),
      Map.entry("persistence", "Temporal's persistence"),
      Map.entry("log", "Temporal's logging"),
      Map.entry("clusterMetadata", "Temporal's cluster metadata"),
      Map.entry("services", "Temporal's per-service ports"),
      Map.entry("publicClient", "Temporal's internal frontend client"));

  private final YAMLMapper mapper;
  private final EnvSubstitution substitution;

  ConfigBinding(Function<String, String> env) {
    this.substitution = new EnvSubstitution(Objects.requireNonNull(env, "env"));
    LoaderOptions loaderOptions = new LoaderOptions();
    loaderOptions.setMaxAliasesForCollections(20);
    loaderOptions.setCodePointLimit(MAX_FILE_BYTES);
    YAMLFactory factory = YAMLFactory.builder()
        .loaderOptions(loaderOptions)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        // "key:" with nothing after it is null, as in Go's YAML, so a later file can reset a key.
        .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
        // YAML 1.1's yes/no/on/off stay words: a string keeps what was written, and a boolean must say true or false.
        .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
        .build();
    mapper = YAMLMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        .disable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
        .addModule(new SimpleModule("gatehouse-config").addDeserializer(Duration.class, new DurationDeserializer()))
        .build();
    // A boolean is true or false, as in Go's YAML; "1" or "" must not quietly turn mTLS on or off. Strings are
    // still accepted ("true") because ${VAR} substitution always yields text.
    mapper.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
  }

  /** Parses one file and substitutes {@code ${VAR}} in its scalar values. An empty file is an empty map. */
  ObjectNode read(String yaml, String source) {
    String text = yaml.startsWith("\ufeff") ? yaml.substring(1) : yaml;
    JsonNode tree;
    try {
      scan(text, source);
      tree = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw notYaml(e, source);
    } catch (IOException e) {
      throw new ConfigException(source, null, "cannot be read (" + e.getClass().getSimpleName() + "; check the file)");
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return mapper.createObjectNode();
    }
    if (!(tree instanceof ObjectNode object)) {
      throw new ConfigException(source, null,
          "the top level must be a map of sections (start with global:, listen:, upstream: or codecServer:)");
    }
    substitute(object, "", source);
    return object;
  }

  // A pass over the tokens for what the tree reader would get wrong silently. It does not resolve an alias (*name):
  // it would read the anchor's name as the value. And it reads only the first of several documents (---), dropping
  // the rest without a word.
  private void scan(String text, String source) throws IOException {
    try (JsonParser parser = mapper.getFactory().createParser(text)) {
      YAMLParser yaml = (YAMLParser) parser;
      int documents = 0;
      boolean atRoot = true;
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        JsonLocation at = parser.currentTokenLocation();
        if (yaml.isCurrentAlias()) {
          throw new ConfigException(source, pointerToKey(parser.getParsingContext().pathAsPointer().toString()),
              "YAML alias at line " + at.getLineNr() + ", column " + at.getColumnNr()
                  + " (aliases are not supported: write the value out in full)");
        }
        if (atRoot && ++documents > 1) {
          throw new ConfigException(source, null, "a second YAML document starts at line " + at.getLineNr()
              + " (keep one document per file: remove the --- separator, or move it to another file)");
        }
        atRoot = parser.getParsingContext().inRoot();
      }
    }
  }

  /** Binds a merged tree to the records; errors name the key and, through {@code origin}, the file that set it. */
  GatehouseConfig bind(ObjectNode tree, ConfigOrigin origin) {
    try {
      return mapper.treeToValue(tree, GatehouseConfig.class);
    } catch (InvalidDefinitionException e) {
      throw new IllegalStateException("config records cannot be bound: " + e.getOriginalMessage(), e);
    } catch (JsonMappingException e) {
      String key = dotted(e.getPath());
      throw new ConfigException(origin.fileOf(key), key.isEmpty() ? null : key, problem(e, key));
    } catch (JsonProcessingException e) {
      throw new ConfigException(origin.fileOf(""), null, "cannot be read as a configuration (check the YAML)");
    }
  }

  private void substitute(JsonNode node, String key, String source) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        String child = ConfigTree.join(key, field.getKey());
        if (field.getValue() instanceof TextNode text) {
          field.setValue(TextNode.valueOf(substitution.apply(text.textValue(), source, child)));
        } else {
          substitute(field.getValue(), child, source);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String child = key + "[" + i + "]";
        if (array.get(i).isNull()) {
          throw new ConfigException(source, child, "empty list item (remove it or give it a value)");
        }
        if (array.get(i) instanceof TextNode text) {
          array.set(i, TextNode.valueOf(substitution.apply(text.textValue(), source, child)));
        } else {
          substitute(array.get(i), child, source);
        }
      }
    }
  }

  private static String problem(JsonMappingException e, String key) {
    if (e instanceof UnrecognizedPropertyException unknown) {
      String temporalOnly = TEMPORAL_ONLY.get(key);
      if (temporalOnly != null) {
        return "unknown key: this is " + temporalOnly + ", which Gatehouse does not use (remove it; Gatehouse reads"
            + " only global.tls and global.authorization from a Temporal config)";
      }
      Collection<String> known = new TreeSet<>();
      if (unknown.getKnownPropertyIds() != null) {
        unknown.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
      }
      String suggestion = ConfigText.closest(unknown.getPropertyName(), known);
      return suggestion != null
          ? "unknown key (did you mean " + suggestion + "? keys are case-sensitive)"
          : "unknown key (known keys here: " + String.join(", ", known) + ")";
    }
    if (e instanceof BadValue bad) {
      return bad.problem;
    }
    if (e instanceof ValueInstantiationException) {
      return "has an empty list item or map entry (give it a value or remove it)";
    }
    if (e instanceof MismatchedInputException mismatch) {
      return expected(mismatch.getTargetType());
    }
    if (e.getCause() instanceof InputCoercionException) {
      return "number out of range (write a smaller whole number)";
    }
    return "invalid value (check the type of this key's value)";
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "wrong kind of value (check what this key takes in the example config)";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "expected true or false (write true or false)";
    }
    if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
      return "expected a whole number (write digits only, e.g. 4194304)";
    }
    if (type == String.class) {
      return "expected a single value, not a list or a map (write key: value on one line)";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "expected a list (write one \"- item\" per line, or [a, b])";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "expected a map (write one name: value entry per line)";
    }
    if (type.isRecord()) {
      return "expected a section of keys, not a single value or a list (indent its keys on the lines below it)";
    }
    return "wrong kind of value (check what this key takes in the example config)";
  }

  private static ConfigException notYaml(JsonProcessingException e, String source) {
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 1
        ? ""
        : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    String key = null;
    if (e.getProcessor() instanceof JsonParser parser && parser.getParsingContext() != null) {
      key = pointerToKey(parser.getParsingContext().pathAsPointer().toString());
    }
    if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
      return new ConfigException(source, key, "key set twice in the same map" + where
          + " (keep one; to override a value, put it in the env or zone file instead)");
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
        where = " at line " + (yaml.getProblemMark().getLine() + 1) + ", column "
            + (yaml.getProblemMark().getColumn() + 1);
        String problem = yaml.getProblem() == null ? "" : ": " + ConfigText.printable(yaml.getProblem(), 120);
        return new ConfigException(source, null, "not valid YAML" + where + problem
            + " (check indentation: spaces only, and a space after each colon)");
      }
    }
    return new ConfigException(source, null, "not valid YAML" + where
        + " (check indentation: spaces only, and a space after each colon)");
  }

  private static String pointerToKey(String pointer) {
    if (pointer.isEmpty() || pointer.equals("/")) {
      return null;
    }
    StringBuilder key = new StringBuilder();
    for (String part : pointer.substring(1).split("/", -1)) {
      String name = part.replace("~1", "/").replace("~0", "~");
      if (!name.isEmpty() && name.chars().allMatch(Character::isDigit) && key.length() > 0) {
        key.append('[').append(name).append(']');
      } else {
        key.append(key.length() == 0 ? "" : ".").append(name);
      }
    }
    return key.toString();
  }

  private static String dotted(List<JsonMappingException.Reference> path) {
    StringBuilder key = new StringBuilder();
    for (JsonMappingException.Reference ref : path) {
      if (ref.getFieldName() != null) {
        key.append(key.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        key.append('[').append(ref.getIndex()).append(']');
      }
    }
    return key.toString();
  }

  /** A value of the right YAML kind that still makes no sense; carries the message to show. */
  static final class BadValue extends JsonMappingException {
    final String problem;

    BadValue(JsonParser parser, String problem) {
      super(parser, problem);
      this.problem = problem;
    }
  }

  /** Go-syntax (and ISO-8601) durations; a bare number is refused, as Go's YAML does, except 0. */
  static final class DurationDeserializer extends StdScalarDeserializer<Duration> {
    DurationDeserializer() {
      super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken token = p.currentToken();
      if (token == JsonToken.VALUE_STRING) {
        try {
          return GoDuration.parse(p.getText().strip());
        } catch (IllegalArgumentException e) {
          throw new BadValue(p, "not a duration: " + e.getMessage() + " (" + GoDuration.EXAMPLES + ")");
        }
      }
      if (token == JsonToken.VALUE_NUMBER_INT && p.getNumberValue().longValue() == 0 && p.getText().equals("0")) {
        return Duration.ZERO;
      }
      if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
        throw new BadValue(p, "a duration needs a unit (" + GoDuration.EXAMPLES + ")");
      }
      throw new BadValue(p, "expected a duration (" + GoDuration.EXAMPLES + ")");
    }
  }
}
