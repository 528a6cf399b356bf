package dev.gatehouse.config;

import java.util.Collection;
import java.util.Locale;

/** Wording of config error messages: values quoted safely on one line, and "did you mean" suggestions. */
final class ConfigText {
  private ConfigText() {}

  /**
   * {@code value} fit for a one-line message: control characters escaped, cut at {@code max} characters. Only for
   * values that are not secret (paths, addresses, names); a {@code *Data} value is never quoted at all.
   */
  static String printable(String value, int max) {
    StringBuilder out = new StringBuilder(Math.min(value.length(), max) + 8);
    for (int i = 0; i < value.length(); i++) {
      if (out.length() >= max) {
        out.append("...");
        break;
      }
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** A path or address quoted for a message. */
  static String quoted(String value) {
    return "\"" + printable(value, 200) + "\"";
  }

  /**
   * The known key closest to {@code unknown}: a case-insensitive match first (keys are case-sensitive, so
   * {@code certfile} is a typo of {@code certFile}), else the nearest by edit distance if it is near enough to be
   * a plausible typo; {@code null} when nothing is close.
   */
  static String closest(String unknown, Collection<String> known) {
    String lower = unknown.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance || (d == bestDistance && best != null && candidate.compareTo(best) < 0)) {
        best = candidate;
        bestDistance = d;
      }
    }
    int allowed = Math.max(2, unknown.length() / 3);
    return best != null && bestDistance <= allowed ? best : null;
  }

  // Levenshtein distance; keys are short, so the quadratic table is fine.
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
