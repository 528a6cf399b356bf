package dev.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.Map;
import java.util.Map.Entry;

/**
 * Files merged in load order the way Temporal's loader decodes them one over the other into one struct: a section
 * (a record) merges key by key; a map such as {@code hostOverrides} merges entry by entry, each entry replaced
 * whole; scalars and lists replace. Remembers which file last set each key.
 */
final class ConfigTree {
  private final ObjectNode root = JsonNodeFactory.instance.objectNode();
  private final Map<String, String> fileByKey = new HashMap<>();
  private String lastFile;

  /** Merges one file's tree over what was merged so far. */
  void merge(ObjectNode file, String source) {
    lastFile = source;
    mergeSection(root, file, "", GatehouseConfig.class, source);
  }

  ObjectNode root() {
    return root;
  }

  ConfigOrigin origin() {
    return new KeyOrigins(fileByKey, lastFile);
  }

  private void mergeSection(ObjectNode target, ObjectNode from, String prefix, Class<?> section, String source) {
    for (Entry<String, JsonNode> field : from.properties()) {
      String name = field.getKey();
      JsonNode value = field.getValue();
      String key = join(prefix, name);
      JsonNode existing = target.get(name);
      Class<?> type = componentType(section, name);
      if (existing instanceof ObjectNode have && value instanceof ObjectNode add && type != null) {
        if (type.isRecord()) {
          fileByKey.put(key, source);
          mergeSection(have, add, key, type, source);
          continue;
        }
        if (Map.class.isAssignableFrom(type)) {
          fileByKey.put(key, source);
          for (Entry<String, JsonNode> entry : add.properties()) {
            replace(have, entry.getKey(), entry.getValue(), join(key, entry.getKey()), source);
          }
          continue;
        }
      }
      replace(target, name, value, key, source);
    }
  }

  private void replace(ObjectNode target, String name, JsonNode value, String key, String source) {
    forget(key);
    target.set(name, value.deepCopy());
    remember(key, value, source);
  }

  private void remember(String key, JsonNode value, String source) {
    fileByKey.put(key, source);
    if (value instanceof ObjectNode object) {
      for (Entry<String, JsonNode> field : object.properties()) {
        remember(join(key, field.getKey()), field.getValue(), source);
      }
    }
  }

  private void forget(String key) {
    fileByKey.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + ".") || k.startsWith(key + "["));
  }

  // The declared type of a record component, or null when the section is not a record or has no such key (the
  // binder reports unknown keys; merging just replaces them).
  private static Class<?> componentType(Class<?> section, String name) {
    if (section == null || !section.isRecord()) {
      return null;
    }
    for (RecordComponent component : section.getRecordComponents()) {
      if (component.getName().equals(name)) {
        return component.getType();
      }
    }
    return null;
  }

  static String join(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }
}
