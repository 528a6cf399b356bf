package dev.gatehouse.config;

import java.util.Map;

/** The {@link ConfigOrigin} of files merged by {@link ConfigTree}. */
final class KeyOrigins implements ConfigOrigin {
  private final Map<String, String> fileByKey;
  private final String lastFile;

  KeyOrigins(Map<String, String> fileByKey, String lastFile) {
    this.fileByKey = Map.copyOf(fileByKey);
    this.lastFile = lastFile;
  }

  @Override
  public String fileOf(String dottedKey) {
    String key = dottedKey == null ? "" : dottedKey;
    while (!key.isEmpty()) {
      String file = fileByKey.get(key);
      if (file != null) {
        return file;
      }
      key = key.substring(0, Math.max(0, Math.max(key.lastIndexOf('.'), key.lastIndexOf('['))));
    }
    return lastFile;
  }

  @Override
  public String toString() {
    return "KeyOrigins[last=" + lastFile + ", keys=" + fileByKey.size() + "]";
  }
}
