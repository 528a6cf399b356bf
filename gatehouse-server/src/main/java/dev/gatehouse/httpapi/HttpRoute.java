package dev.gatehouse.httpapi;

import dev.gatehouse.api.ApiMethod;

/**
 * One HTTP binding of a Temporal method, from its {@code google.api.http} option (the rule itself or one of its
 * {@code additional_bindings}).
 *
 * @param verb {@code GET}, {@code POST}, {@code PUT}, {@code DELETE} or {@code PATCH}
 * @param template the path template
 * @param method the catalog method it calls
 * @param body {@code "*"} (the whole request is the body), a top-level field name, or {@code ""} (no body: the
 *     request comes from the path and the query)
 */
record HttpRoute(String verb, PathTemplate template, ApiMethod method, String body) {
  boolean hasBody() {
    return !body.isEmpty();
  }
}
