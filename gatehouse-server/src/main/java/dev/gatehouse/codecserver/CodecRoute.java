package dev.gatehouse.codecserver;

/**
 * A request path the codec server answers: {@code /encode}, {@code /decode}, or the same under one namespace
 * segment, {@code /{namespace}/encode}, as the Temporal CLI's {@code --codec-endpoint https://host/{namespace}}
 * template produces.
 *
 * @param operation what to do
 * @param pathNamespace the namespace named by the path, or {@code null}
 */
record CodecRoute(CodecOperation operation, String pathNamespace) {

  /** The route for a decoded path, or {@code null} when the path is not one the codec server serves. */
  static CodecRoute parse(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    int last = path.lastIndexOf('/');
    CodecOperation operation = operation(path.substring(last + 1));
    if (operation == null) {
      return null;
    }
    if (last == 0) {
      return new CodecRoute(operation, null);
    }
    String namespace = path.substring(1, last);
    if (namespace.isEmpty() || namespace.indexOf('/') >= 0) {
      return null;
    }
    return new CodecRoute(operation, namespace);
  }

  private static CodecOperation operation(String segment) {
    for (CodecOperation o : CodecOperation.values()) {
      if (o.pathSegment().equals(segment)) {
        return o;
      }
    }
    return null;
  }
}
