package dev.gatehouse.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Durations as Temporal writes them: Go's {@code time.ParseDuration} syntax ({@code 30s}, {@code 1h30m},
 * {@code 1.5h}, {@code 500ms}, {@code -2m}, {@code 0}), plus ISO-8601 ({@code PT1M}) for Java habits.
 */
final class GoDuration {
  static final String EXAMPLES = "use Go syntax such as 30s, 1m, 1h30m, 720h or 500ms, or ISO-8601 such as PT1M";

  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException with a short reason that quotes at most a unit, never the whole value
   */
  static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    String s = text;
    boolean negative = false;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (!s.isEmpty() && (s.charAt(0) == 'P' || s.charAt(0) == 'p')) {
      try {
        Duration iso = Duration.parse(s);
        return negative ? iso.negated() : iso;
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("not a valid ISO-8601 duration");
      }
    }
    // Go special-cases a bare zero, which needs no unit.
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("no number");
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      boolean digitsBefore = i > start;
      boolean digitsAfter = false;
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fractionStart = i;
        while (i < s.length() && isDigit(s.charAt(i))) {
          i++;
        }
        digitsAfter = i > fractionStart;
      }
      if (!digitsBefore && !digitsAfter) {
        throw new IllegalArgumentException("a number must come before each unit");
      }
      BigDecimal number = new BigDecimal(normalizeNumber(s.substring(start, i)));
      int unitStart = i;
      while (i < s.length() && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw new IllegalArgumentException("missing unit after a number");
      }
      nanos = nanos.add(number.multiply(BigDecimal.valueOf(nanosPer(unit))));
      if (nanos.compareTo(MAX_NANOS) > 0) {
        throw new IllegalArgumentException("too long (the largest Go duration is about 292 years)");
      }
    }
    // Go truncates sub-nanosecond fractions.
    long whole = nanos.setScale(0, RoundingMode.DOWN).longValueExact();
    return Duration.ofNanos(negative ? -whole : whole);
  }

  private static long nanosPer(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "\u00b5s", "\u03bcs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      case "d" -> throw new IllegalArgumentException(
          "Go durations have no day unit: write 24h for a day, 720h for 30 days");
      case "w" -> throw new IllegalArgumentException("Go durations have no week unit: write 168h for a week");
      default -> throw new IllegalArgumentException(
          "unknown unit \"" + ConfigText.printable(unit, 8) + "\" (units are ns, us, ms, s, m, h)");
    };
  }

  private static String normalizeNumber(String n) {
    if (n.startsWith(".")) {
      n = "0" + n;
    }
    return n.endsWith(".") ? n + "0" : n;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
