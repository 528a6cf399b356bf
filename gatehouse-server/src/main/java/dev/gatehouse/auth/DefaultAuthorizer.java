package dev.gatehouse.auth;

import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;

/** Temporal's default authorizer; see {@link Authorizer#temporalDefault()}. */
final class DefaultAuthorizer implements Authorizer {
  static final DefaultAuthorizer INSTANCE = new DefaultAuthorizer();

  private static final String LIST_NAMESPACES = "/" + ApiCatalog.WORKFLOW + "/ListNamespaces";

  private DefaultAuthorizer() {}

  @Override
  public Decision authorize(Claims claims, CallTarget target) {
    ApiMethod method = target.method();
    if (method.healthCheck()) {
      return Decision.allow();
    }
    Role required = Role.requiredFor(method.access());
    if (method.scope() != ApiMethod.Scope.NAMESPACE) {
      if (claims.system().atLeast(required)) {
        return Decision.allow();
      }
      // The response is filtered to the namespaces the caller may read, so any reader may list.
      if (method.fullName().equals(LIST_NAMESPACES) && claims.holdsAnywhere(Role.READER)) {
        return Decision.allow();
      }
      return Decision.deny(method.methodName() + " needs the system " + roleWord(required) + " role");
    }
    // System roles apply in every namespace, as in Temporal: hasRole = System | Namespaces[ns].
    Role has = claims.system().union(claims.namespaceRole(target.namespace()));
    if (has.atLeast(required)) {
      return Decision.allow();
    }
    return Decision.deny(method.methodName() + " needs the " + roleWord(required) + " role in namespace "
        + target.namespace());
  }

  private static String roleWord(Role r) {
    return r.equals(Role.ADMIN) ? "admin" : r.equals(Role.WRITER) ? "writer" : "reader";
  }

  @Override
  public String toString() {
    return "default";
  }
}
