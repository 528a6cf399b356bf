package dev.gatehouse.config;

import java.util.function.Function;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in one scalar value with environment variables, as a shell
 * would: the default applies when the variable is unset or empty. <code>$${</code> writes a literal <code>${</code>.
 * Replacements are not scanned again, so a variable's value can never pull in another variable.
 */
final class EnvSubstitution {
  private final Function<String, String> env;

  EnvSubstitution(Function<String, String> env) {
    this.env = env;
  }

  /**
   * @param source the file, for errors
   * @param key the dotted key, for errors
   * @throws ConfigException for an unset variable without a default, or a malformed reference
   */
  String apply(String value, String source, String key) {
    int at = value.indexOf('$');
    if (at < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 16);
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c != '$') {
        out.append(c);
        i++;
      } else if (value.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (value.startsWith("${", i)) {
        int close = value.indexOf('}', i + 2);
        if (close < 0) {
          throw malformed(source, key);
        }
        out.append(resolve(value.substring(i + 2, close), source, key));
        i = close + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private String resolve(String reference, String source, String key) {
    int sep = reference.indexOf(":-");
    String name = sep < 0 ? reference : reference.substring(0, sep);
    if (!isName(name)) {
      throw malformed(source, key);
    }
    String value = env.apply(name);
    if (sep < 0) {
      if (value == null) {
        throw new ConfigException(source, key, "environment variable " + name
            + " is not set (export " + name + ", or give a default with ${" + name + ":-default})");
      }
      return value;
    }
    return value == null || value.isEmpty() ? reference.substring(sep + 2) : value;
  }

  private static boolean isName(String name) {
    if (name.isEmpty() || !(Character.isLetter(name.charAt(0)) || name.charAt(0) == '_')) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static ConfigException malformed(String source, String key) {
    return new ConfigException(source, key,
        "malformed ${...} reference (write ${NAME} or ${NAME:-default}; write $${ for a literal ${)");
  }
}
