package dev.gatehouse.audit;

import dev.gatehouse.api.ApiMethod;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One rule of an {@link AuditPolicy}: which calls it matches and the level it sets. An empty matcher list matches
 * everything. Globs take {@code *} (any run of characters) and {@code ?} (one character).
 *
 * @param apis globs over the method: with a {@code /}, matched against the full name
 *     ({@code temporal.api.workflowservice.v1.WorkflowService/Poll*}); without, against the method name alone
 *     ({@code Poll*TaskQueue})
 * @param faces {@code grpc}, {@code http}, {@code codec}, {@code control}
 * @param namespaces globs over the request's namespace ({@code ""} for cluster-scoped calls)
 * @param principals globs over the caller's subject ({@code ""} for an anonymous caller)
 * @param access the method's access class: {@code read}, {@code write}, {@code admin}
 * @param level what to record for a matching call
 * @param sampleEvery record one matching call in this many (1: every call); refusals are never sampled
 */
public record AuditRule(
    List<String> apis,
    List<String> faces,
    List<String> namespaces,
    List<String> principals,
    List<String> access,
    AuditLevel level,
    int sampleEvery) {
  public AuditRule {
    apis = apis == null ? List.of() : List.copyOf(apis);
    faces = faces == null ? List.of() : List.copyOf(faces);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    principals = principals == null ? List.of() : List.copyOf(principals);
    access = access == null ? List.of() : List.copyOf(access);
    Objects.requireNonNull(level, "level");
    if (sampleEvery < 1) {
      throw new IllegalArgumentException("sampleEvery must be at least 1, got " + sampleEvery);
    }
    for (String a : access) {
      if (!Set.of("read", "write", "admin").contains(a)) {
        throw new IllegalArgumentException("access must be read, write or admin, got '" + a + "'");
      }
    }
    for (String f : faces) {
      if (!Set.of("grpc", "http", "codec", "control").contains(f)) {
        throw new IllegalArgumentException("face must be grpc, http, codec or control, got '" + f + "'");
      }
    }
  }

  /** A rule matching every call, at {@code level}. */
  public static AuditRule all(AuditLevel level) {
    return new AuditRule(null, null, null, null, null, level, 1);
  }

  /** Compiled once, when the policy is built. */
  record Compiled(AuditRule rule, Pattern[] fullNames, Pattern[] methodNames, Pattern[] namespaces,
      Pattern[] principals) {
    static Compiled of(AuditRule r) {
      List<String> full = r.apis.stream().filter(a -> a.contains("/")).toList();
      List<String> bare = r.apis.stream().filter(a -> !a.contains("/")).toList();
      return new Compiled(r, globs(full), globs(bare), globs(r.namespaces), globs(r.principals));
    }

    boolean matches(AuditEvent call) {
      ApiMethod m = call.method();
      String full = m.fullName();
      String bare = full.startsWith("/") ? full.substring(1) : full;
      if (!rule.apis.isEmpty() && !any(fullNames, full) && !any(fullNames, bare)
          && !any(methodNames, m.methodName())) {
        return false;
      }
      if (!rule.faces.isEmpty() && !rule.faces.contains(call.face())) {
        return false;
      }
      if (!rule.access.isEmpty() && !rule.access.contains(m.access().name().toLowerCase(Locale.ROOT))) {
        return false;
      }
      if (namespaces.length > 0 && !any(namespaces, call.namespace() == null ? "" : call.namespace())) {
        return false;
      }
      String subject = call.claims().subject();
      return principals.length == 0 || any(principals, subject == null ? "" : subject);
    }

    private static boolean any(Pattern[] patterns, String value) {
      for (Pattern p : patterns) {
        if (p.matcher(value).matches()) {
          return true;
        }
      }
      return false;
    }

    private static Pattern[] globs(List<String> globs) {
      return globs.stream().map(Compiled::glob).toArray(Pattern[]::new);
    }

    static Pattern glob(String glob) {
      StringBuilder re = new StringBuilder();
      StringBuilder literal = new StringBuilder();
      for (char c : glob.toCharArray()) {
        if (c == '*' || c == '?') {
          if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
            literal.setLength(0);
          }
          re.append(c == '*' ? ".*" : ".");
        } else {
          literal.append(c);
        }
      }
      if (!literal.isEmpty()) {
        re.append(Pattern.quote(literal.toString()));
      }
      return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
  }
}
