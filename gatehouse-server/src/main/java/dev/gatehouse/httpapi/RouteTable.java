package dev.gatehouse.httpapi;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every HTTP route of the HTTP API, read at startup from the {@code google.api.http} options in the descriptors of
 * the catalog's services (never a hand-written list), so an API upgrade that adds a binding adds the route.
 * A method the catalog does not classify has no route: it is never forwarded, as on the data plane.
 */
final class RouteTable {
  /** A path matched a route of {@code route}'s verb, with its variables. */
  record Match(HttpRoute route, Map<String, String> pathValues) {}

  private final List<HttpRoute> routes;

  private RouteTable(List<HttpRoute> routes) {
    this.routes = List.copyOf(routes);
  }

  /**
   * The routes of every catalog method with an HTTP binding whose template starts with {@code prefix}
   * ({@code ""} for all).
   *
   * @throws IllegalStateException when a descriptor's binding cannot be served (a bad template, a body field the
   *     request lacks): a build problem, not a runtime one
   */
  static RouteTable from(ApiCatalog catalog, String prefix) {
    List<HttpRoute> routes = new ArrayList<>();
    for (ApiMethod m : catalog.methods()) {
      MethodDescriptor<?, ?> md = catalog.descriptor(m);
      if (!(md.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier supplier)) {
        continue;
      }
      Descriptors.MethodDescriptor proto = supplier.getMethodDescriptor();
      if (!proto.getOptions().hasExtension(AnnotationsProto.http)) {
        continue;
      }
      HttpRule rule = proto.getOptions().getExtension(AnnotationsProto.http);
      List<HttpRule> bindings = new ArrayList<>();
      bindings.add(rule);
      bindings.addAll(rule.getAdditionalBindingsList());
      for (HttpRule b : bindings) {
        HttpRoute route = route(m, proto.getInputType(), b);
        if (route != null && route.template().toString().startsWith(prefix)) {
          routes.add(route);
        }
      }
    }
    routes.sort(Comparator.comparing(HttpRoute::template, PathTemplate::compareSpecificity));
    return new RouteTable(routes);
  }

  private static HttpRoute route(ApiMethod m, Descriptors.Descriptor input, HttpRule rule) {
    String verb;
    String path;
    switch (rule.getPatternCase()) {
      case GET -> { verb = "GET"; path = rule.getGet(); }
      case POST -> { verb = "POST"; path = rule.getPost(); }
      case PUT -> { verb = "PUT"; path = rule.getPut(); }
      case DELETE -> { verb = "DELETE"; path = rule.getDelete(); }
      case PATCH -> { verb = "PATCH"; path = rule.getPatch(); }
      default -> {
        // Custom verbs (and an empty pattern) are not HTTP methods a client can send here.
        return null;
      }
    }
    PathTemplate template;
    try {
      template = PathTemplate.parse(path);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(m.fullName() + ": " + e.getMessage(), e);
    }
    for (String fieldPath : template.fieldPaths()) {
      if (FieldPaths.resolve(input, fieldPath, false) == null) {
        throw new IllegalStateException(m.fullName() + ": path variable " + fieldPath + " is not a field of "
            + input.getFullName());
      }
    }
    String body = rule.getBody();
    if (!body.isEmpty() && !body.equals("*")) {
      Descriptors.FieldDescriptor f = input.findFieldByName(body);
      if (f == null || f.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE || f.isRepeated()) {
        throw new IllegalStateException(m.fullName() + ": body field " + body + " is not a message field");
      }
    }
    return new HttpRoute(verb, template, m, body);
  }

  /** Every route, most specific first. */
  List<HttpRoute> routes() {
    return routes;
  }

  /** The first route of {@code verb} matching the path, or {@code null}. */
  Match match(String verb, List<String> segments, String pathVerb) {
    for (HttpRoute r : routes) {
      if (r.verb().equals(verb)) {
        Map<String, String> values = r.template().match(segments, pathVerb);
        if (values != null) {
          return new Match(r, values);
        }
      }
    }
    return null;
  }

  /** The verbs of every route matching the path, for a 405's {@code Allow} header; empty when none does. */
  Set<String> verbsFor(List<String> segments, String pathVerb) {
    Set<String> verbs = new LinkedHashSet<>();
    for (HttpRoute r : routes) {
      if (r.template().match(segments, pathVerb) != null) {
        verbs.add(r.verb());
      }
    }
    return verbs;
  }
}
