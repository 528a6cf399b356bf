package dev.gatehouse.httpapi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code google.api.http} path template ({@code google/api/http.proto}): literal segments, {@code *} (one
 * segment), {@code **} (the rest, last only), variables {@code {field.path}} (one segment) and
 * {@code {field.path=segments}}, and an optional {@code :verb}. Matches decoded path segments and yields each
 * variable's value keyed by its proto field path.
 */
final class PathTemplate {
  private enum Kind { LITERAL, STAR, STAR_STAR }

  private record Segment(Kind kind, String literal) {}

  /** A variable capturing segments {@code [from, to)}; {@code to == -1} means to the end. */
  private record Variable(String fieldPath, int from, int to) {}

  private final String text;
  private final List<Segment> segments;
  private final List<Variable> variables;
  private final String verb;

  private PathTemplate(String text, List<Segment> segments, List<Variable> variables, String verb) {
    this.text = text;
    this.segments = segments;
    this.variables = variables;
    this.verb = verb;
  }

  /**
   * Parses {@code template}.
   *
   * @throws IllegalArgumentException when it does not follow the grammar
   */
  static PathTemplate parse(String template) {
    if (template == null || !template.startsWith("/") || template.length() < 2) {
      throw new IllegalArgumentException("a path template starts with '/': " + template);
    }
    String body = template.substring(1);
    String verb = null;
    int lastSlash = body.lastIndexOf('/');
    int brace = body.lastIndexOf('}');
    int colon = body.lastIndexOf(':');
    if (colon > lastSlash && colon > brace) {
      verb = body.substring(colon + 1);
      body = body.substring(0, colon);
      if (verb.isEmpty()) {
        throw new IllegalArgumentException("empty verb in " + template);
      }
    }
    List<Segment> segments = new ArrayList<>();
    List<Variable> variables = new ArrayList<>();
    int i = 0;
    while (i <= body.length()) {
      if (i < body.length() && body.charAt(i) == '{') {
        int close = body.indexOf('}', i);
        if (close < 0) {
          throw new IllegalArgumentException("unclosed variable in " + template);
        }
        String inside = body.substring(i + 1, close);
        int eq = inside.indexOf('=');
        String field = eq < 0 ? inside : inside.substring(0, eq);
        if (!field.matches("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*")) {
          throw new IllegalArgumentException("bad field path '" + field + "' in " + template);
        }
        int from = segments.size();
        if (eq < 0) {
          segments.add(new Segment(Kind.STAR, null));
        } else {
          for (String s : inside.substring(eq + 1).split("/", -1)) {
            segments.add(segment(s, template));
          }
        }
        boolean deep = segments.get(segments.size() - 1).kind() == Kind.STAR_STAR;
        variables.add(new Variable(field, from, deep ? -1 : segments.size()));
        i = close + 1;
        if (i < body.length() && body.charAt(i) != '/') {
          throw new IllegalArgumentException("a variable must be a whole segment in " + template);
        }
        i++;
      } else {
        int slash = body.indexOf('/', i);
        int end = slash < 0 ? body.length() : slash;
        segments.add(segment(body.substring(i, end), template));
        i = end + 1;
      }
    }
    for (int s = 0; s < segments.size() - 1; s++) {
      if (segments.get(s).kind() == Kind.STAR_STAR) {
        throw new IllegalArgumentException("'**' must be the last segment in " + template);
      }
    }
    return new PathTemplate(template, List.copyOf(segments), List.copyOf(variables), verb);
  }

  private static Segment segment(String s, String template) {
    if (s.equals("*")) {
      return new Segment(Kind.STAR, null);
    }
    if (s.equals("**")) {
      return new Segment(Kind.STAR_STAR, null);
    }
    if (s.isEmpty() || s.contains("{") || s.contains("}") || s.contains("*")) {
      throw new IllegalArgumentException("bad segment '" + s + "' in " + template);
    }
    return new Segment(Kind.LITERAL, s);
  }

  /**
   * Matches a request path's decoded segments (and its verb, {@code null} without one).
   *
   * @return each variable's value by field path, or {@code null} when the path does not match
   */
  Map<String, String> match(List<String> path, String pathVerb) {
    if (verb == null ? pathVerb != null : !verb.equals(pathVerb)) {
      return null;
    }
    boolean deep = !segments.isEmpty() && segments.get(segments.size() - 1).kind() == Kind.STAR_STAR;
    if (deep ? path.size() < segments.size() - 1 : path.size() != segments.size()) {
      return null;
    }
    for (int s = 0; s < segments.size(); s++) {
      Segment seg = segments.get(s);
      if (seg.kind() == Kind.LITERAL && !seg.literal().equals(path.get(s))) {
        return null;
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Variable v : variables) {
      int to = v.to() < 0 ? path.size() : v.to();
      String value = String.join("/", path.subList(Math.min(v.from(), to), to));
      if (value.isEmpty()) {
        return null;
      }
      values.put(v.fieldPath(), value);
    }
    return values;
  }

  /** The field paths the variables bind, in order. */
  List<String> fieldPaths() {
    return variables.stream().map(Variable::fieldPath).toList();
  }

  /**
   * Orders templates so the more specific is tried first: segment by segment, a literal before a wildcard, and a
   * longer template before a deep-wildcard prefix. Temporal's own templates never overlap; this keeps the choice
   * deterministic if a future one does.
   */
  int compareSpecificity(PathTemplate other) {
    int n = Math.min(segments.size(), other.segments.size());
    for (int i = 0; i < n; i++) {
      int a = segments.get(i).kind().ordinal();
      int b = other.segments.get(i).kind().ordinal();
      if (a != b) {
        return Integer.compare(a, b);
      }
    }
    return Integer.compare(other.segments.size(), segments.size());
  }

  /** True when a path could match both (same length, and no position where both are different literals). */
  boolean overlaps(PathTemplate other) {
    if (segments.size() != other.segments.size() || !java.util.Objects.equals(verb, other.verb)) {
      return false;
    }
    for (int i = 0; i < segments.size(); i++) {
      Segment a = segments.get(i);
      Segment b = other.segments.get(i);
      if (a.kind() == Kind.LITERAL && b.kind() == Kind.LITERAL && !a.literal().equals(b.literal())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }
}
