package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.gatehouse.codec.EncryptionCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's dependency rules, checked on the compiled classes of {@code gatehouse-server} and
 * {@code gatehouse-codec}, so that a fully qualified name in code counts as much as an import line.
 *
 * <p>A package is {@code dev.gatehouse.<name>} with its subpackages; the root package is {@code dev.gatehouse}
 * itself. The layering test alone implies the named rules after it; they are pinned separately so that moving a
 * package in {@link #LAYERS} to silence one failure cannot quietly give up a rule DESIGN.md states in words.
 */
class ArchitectureTest {
  private static final String ROOT = "(root)";
  private static final List<String> FACES = List.of("proxy", "httpapi", "webui", "codecserver", "control");

  /**
   * DESIGN.md's dependency sentence, lowest first: a package may depend only on packages in lower layers. Packages
   * that do not exist yet are simply absent. {@code pipeline} (the shared per-call pipeline) sits above
   * {@code audit}, because auditing the decision is one of its steps, and below the faces that run it.
   */
  private static final List<List<String>> LAYERS = List.of(
      List.of("config"),
      List.of("tls"),
      List.of("api"),
      List.of("store"),
      List.of("auth"),
      List.of("audit"),
      List.of("access"),
      List.of("pipeline"),
      FACES,
      List.of("dev"),
      List.of(ROOT),
      List.of("cli"));

  private static JavaClasses server;
  private static JavaClasses codecLibrary;
  /** From package to package (never to itself), with one dependency that shows the edge. */
  private static Map<String, Map<String, String>> graph;

  @BeforeAll
  static void importClasses() throws Exception {
    server = classesBeside(Gatehouse.class);
    codecLibrary = classesBeside(EncryptionCodec.class);
    graph = packageGraph(server);
  }

  @Test
  void theClassesWereFound() {
    assertThat(graph.keySet()).contains(ROOT, "config", "auth", "proxy", "cli");
    assertThat(codecLibrary).isNotEmpty();
  }

  @Test
  void everyPackageHasAPlaceInTheLayering() {
    assertThat(unplaced(graph.keySet())).isEmpty();
  }

  @Test
  void packagesFormNoCycle() {
    assertThat(cycles(graph)).isEmpty();
  }

  @Test
  void aPackageDependsOnlyOnLowerLayers() {
    assertThat(layeringViolations(graph)).isEmpty();
  }

  @Test
  void aFaceNeverImportsAnotherFace() {
    assertThat(edges(graph, (from, to) -> FACES.contains(from) && FACES.contains(to))).isEmpty();
  }

  @Test
  void authNeverImportsAFace() {
    assertThat(edges(graph, (from, to) -> from.equals("auth") && FACES.contains(to))).isEmpty();
  }

  @Test
  void nothingImportsCli() {
    assertThat(edges(graph, (from, to) -> to.equals("cli"))).isEmpty();
  }

  @Test
  void apiImportsOnlyConfigAndTls() {
    assertThat(edges(graph, (from, to) -> from.equals("api") && !Set.of("config", "tls").contains(to))).isEmpty();
  }

  @Test
  void theCodecLibraryDependsOnNothingOfTheServer() {
    List<String> violations = new ArrayList<>();
    for (JavaClass c : codecLibrary) {
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        String target = d.getTargetClass().getBaseComponentType().getPackageName();
        if (inGatehouse(target) && !inPackage(target, "dev.gatehouse.codec")) {
          violations.add("gatehouse-codec must not depend on the server: " + d.getDescription());
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void theServerKeepsOutOfTheLibrarysPackage() {
    assertThat(server.stream().map(JavaClass::getName).filter(n -> inPackage(n, "dev.gatehouse.codec")))
        .as("dev.gatehouse.codec is gatehouse-codec's; the server's codec server lives in dev.gatehouse.codecserver")
        .isEmpty();
  }

  // The checks below also run on made-up graphs, so a future package or edge is known to fail them.

  @Test
  void aNewPackageFailsUntilItIsPlaced() {
    assertThat(unplaced(Set.of("config", "billing")))
        .containsExactly("dev.gatehouse.billing is not in the layering: add it to ArchitectureTest.LAYERS where "
            + "DESIGN.md's dependency sentence puts it (and write it there if it is not)");
  }

  @Test
  void anEdgeUpwardsOrBetweenFacesFails() {
    Map<String, Map<String, String>> made = Map.of(
        "auth", Map.of("proxy", "AccessController -> ProxyCallHandler"),
        "proxy", Map.of("codecserver", "DataPlane -> CodecHandler", "auth", "DataPlane -> AccessController"));
    assertThat(layeringViolations(made)).containsExactly(
        "auth must not depend on proxy, a higher layer: AccessController -> ProxyCallHandler",
        "proxy must not depend on codecserver, another face of its layer: DataPlane -> CodecHandler");
    assertThat(cycles(made)).containsExactly(
        "cycle auth -> proxy -> auth: AccessController -> ProxyCallHandler; DataPlane -> AccessController");
  }

  /** The classes of the module that holds {@code type}: its classes directory, or its jar once it is packaged. */
  private static JavaClasses classesBeside(Class<?> type) throws Exception {
    Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (Files.isDirectory(location)) {
      return new ClassFileImporter().importPath(location);
    }
    try (JarFile jar = new JarFile(location.toFile())) {
      return new ClassFileImporter().importJar(jar);
    }
  }

  private static Map<String, Map<String, String>> packageGraph(JavaClasses classes) {
    Map<String, Map<String, String>> graph = new TreeMap<>();
    for (JavaClass c : classes) {
      String from = packageOf(c.getPackageName());
      graph.computeIfAbsent(from, k -> new TreeMap<>());
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        JavaClass target = d.getTargetClass().getBaseComponentType();
        if (!classes.contain(target.getName())) {
          continue; // the JDK, libraries and gatehouse-codec
        }
        String to = packageOf(target.getPackageName());
        if (!to.equals(from)) {
          graph.get(from).putIfAbsent(to, d.getDescription());
        }
      }
    }
    return graph;
  }

  /** {@code dev.gatehouse.auth.example} belongs to {@code auth}; {@code dev.gatehouse} is the root. */
  private static String packageOf(String javaPackage) {
    if (javaPackage.equals("dev.gatehouse")) {
      return ROOT;
    }
    String rest = javaPackage.substring("dev.gatehouse.".length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  private static List<String> unplaced(Set<String> packages) {
    return packages.stream().filter(p -> layerOf(p) < 0).sorted()
        .map(p -> "dev.gatehouse." + p + " is not in the layering: add it to ArchitectureTest.LAYERS where "
            + "DESIGN.md's dependency sentence puts it (and write it there if it is not)")
        .toList();
  }

  private static int layerOf(String pkg) {
    for (int i = 0; i < LAYERS.size(); i++) {
      if (LAYERS.get(i).contains(pkg)) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> layeringViolations(Map<String, Map<String, String>> graph) {
    List<String> violations = new ArrayList<>();
    new TreeMap<>(graph).forEach((from, targets) -> new TreeMap<>(targets).forEach((to, example) -> {
      int fromLayer = layerOf(from);
      int toLayer = layerOf(to);
      if (fromLayer < 0 || toLayer < 0) {
        return; // reported by everyPackageHasAPlaceInTheLayering
      }
      if (toLayer > fromLayer) {
        violations.add(from + " must not depend on " + to + ", a higher layer: " + example);
      } else if (toLayer == fromLayer) {
        violations.add(from + " must not depend on " + to + ", another " + (FACES.contains(to) ? "face" : "package")
            + " of its layer: " + example);
      }
    }));
    return violations;
  }

  private static List<String> edges(Map<String, Map<String, String>> graph, EdgeFilter filter) {
    List<String> found = new ArrayList<>();
    graph.forEach((from, targets) -> targets.forEach((to, example) -> {
      if (filter.matches(from, to)) {
        found.add(from + " -> " + to + ": " + example);
      }
    }));
    return found;
  }

  @FunctionalInterface
  private interface EdgeFilter {
    boolean matches(String from, String to);
  }

  /** Each strongly connected group of packages (Tarjan), shown as one cycle through it with its dependencies. */
  private static List<String> cycles(Map<String, Map<String, String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> groups = new ArrayList<>();
    for (String start : new TreeSet<>(graph.keySet())) {
      if (!index.containsKey(start)) {
        connect(start, graph, index, low, stack, onStack, groups);
      }
    }
    return groups.stream().filter(g -> g.size() > 1).map(g -> describeCycle(g, graph)).sorted().toList();
  }

  private static void connect(String node, Map<String, Map<String, String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> groups) {
    index.put(node, index.size());
    low.put(node, index.get(node));
    stack.push(node);
    onStack.add(node);
    for (String next : new TreeSet<>(graph.getOrDefault(node, Map.of()).keySet())) {
      if (!index.containsKey(next)) {
        connect(next, graph, index, low, stack, onStack, groups);
        low.put(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.contains(next)) {
        low.put(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node).equals(index.get(node))) {
      Set<String> group = new TreeSet<>();
      String member;
      do {
        member = stack.pop();
        onStack.remove(member);
        group.add(member);
      } while (!member.equals(node));
      groups.add(group);
    }
  }

  /** The shortest way from the group's first package back to itself, staying inside the group. */
  private static String describeCycle(Set<String> group, Map<String, Map<String, String>> graph) {
    String first = group.iterator().next();
    Map<String, String> cameFrom = new LinkedHashMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(first));
    String last = null;
    while (!queue.isEmpty() && last == null) {
      String node = queue.poll();
      for (String next : new TreeSet<>(graph.getOrDefault(node, Map.of()).keySet())) {
        if (next.equals(first)) {
          last = node;
          break;
        }
        if (group.contains(next) && !cameFrom.containsKey(next)) {
          cameFrom.put(next, node);
          queue.add(next);
        }
      }
    }
    List<String> path = new ArrayList<>(List.of(first));
    for (String node = last; !node.equals(first); node = cameFrom.get(node)) {
      path.add(1, node);
    }
    path.add(first);
    String examples = IntStream.range(0, path.size() - 1)
        .mapToObj(i -> graph.get(path.get(i)).get(path.get(i + 1)))
        .collect(Collectors.joining("; "));
    return "cycle " + String.join(" -> ", path) + ": " + examples;
  }

  private static boolean inGatehouse(String javaPackage) {
    return inPackage(javaPackage, "dev.gatehouse");
  }

  private static boolean inPackage(String name, String javaPackage) {
    return name.equals(javaPackage) || name.startsWith(javaPackage + ".");
  }
}
