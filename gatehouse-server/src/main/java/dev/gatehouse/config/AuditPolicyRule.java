package dev.gatehouse.config;

import java.util.List;

/**
 * One rule of {@code audit.rules}: matchers (empty matches all; globs with {@code *} and {@code ?}) and the level.
 *
 * @param apis method globs: with a {@code /} over the full name, else over the method name
 * @param faces {@code grpc}, {@code http}, {@code codec}, {@code control}
 * @param namespaces namespace globs
 * @param principals globs over the caller's subject
 * @param access {@code read}, {@code write}, {@code admin}
 * @param level {@code none}, {@code metadata} or {@code request}
 * @param sampleEvery record one matching allowed call in this many; default 1
 */
public record AuditPolicyRule(
    List<String> apis,
    List<String> faces,
    List<String> namespaces,
    List<String> principals,
    List<String> access,
    String level,
    Integer sampleEvery) {
  public AuditPolicyRule {
    apis = apis == null ? List.of() : List.copyOf(apis);
    faces = faces == null ? List.of() : List.copyOf(faces);
    namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    principals = principals == null ? List.of() : List.copyOf(principals);
    access = access == null ? List.of() : List.copyOf(access);
    sampleEvery = sampleEvery == null ? 1 : sampleEvery;
  }
}
