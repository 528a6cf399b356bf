package dev.gatehouse.webui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Temporal UI build, read into memory once at start. Requests are answered from a map keyed by the path as the
 * build names it, so no request path ever reaches the file system: {@code ..}, encoded slashes or symbolic links
 * cannot lead outside the build.
 */
final class StaticAssets {
  /** Hashed build output: its name changes with its content, so browsers may keep it for a year. */
  static final String IMMUTABLE_PREFIX = "/_app/immutable/";
  static final String INDEX = "/index.html";
  static final long MAX_TOTAL_BYTES = 256L * 1024 * 1024;
  static final int MAX_FILES = 20_000;

  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=utf-8"),
      Map.entry("js", "text/javascript; charset=utf-8"),
      Map.entry("mjs", "text/javascript; charset=utf-8"),
      Map.entry("css", "text/css; charset=utf-8"),
      Map.entry("json", "application/json"),
      Map.entry("map", "application/json"),
      Map.entry("webmanifest", "application/manifest+json"),
      Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("webp", "image/webp"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("woff", "font/woff"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("ttf", "font/ttf"),
      Map.entry("otf", "font/otf"),
      Map.entry("txt", "text/plain; charset=utf-8"),
      Map.entry("wasm", "application/wasm"));

  /** One file of the build. */
  record Asset(String path, byte[] body, String contentType, String etag) {
    boolean immutable() {
      return path.startsWith(IMMUTABLE_PREFIX);
    }

    String cacheControl() {
      // index.html names the hashed files of this build: it must be revalidated, or an upgrade leaves old pages.
      return immutable() ? "public, max-age=31536000, immutable" : "no-cache";
    }
  }

  private final Map<String, Asset> assets;

  private StaticAssets(Map<String, Asset> assets) {
    this.assets = Map.copyOf(assets);
  }

  /**
   * Reads every regular file under {@code dir} (not following links out of it).
   *
   * @throws IllegalArgumentException when there is no {@code index.html} or the build is implausibly large
   */
  static StaticAssets load(Path dir) {
    Path root;
    try {
      root = dir.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the UI build in " + dir + ": " + e.getMessage());
    }
    Map<String, Asset> assets = new HashMap<>();
    long total = 0;
    try (Stream<Path> walk = Files.walk(root)) {
      List<Path> files = walk.filter(Files::isRegularFile).toList();
      if (files.size() > MAX_FILES) {
        throw new IllegalArgumentException("the UI build in " + dir + " has " + files.size() + " files, more than "
            + MAX_FILES + ": point webUi.assetsDir at the build's output folder");
      }
      for (Path file : files) {
        Path real = file.toRealPath();
        if (!real.startsWith(root)) {
          continue; // a link out of the build is not part of it
        }
        total += Files.size(real);
        if (total > MAX_TOTAL_BYTES) {
          throw new IllegalArgumentException("the UI build in " + dir + " is over " + (MAX_TOTAL_BYTES >> 20)
              + " MiB: point webUi.assetsDir at the build's output folder");
        }
        StringBuilder path = new StringBuilder();
        for (Path part : root.relativize(file)) {
          path.append('/').append(part);
        }
        byte[] body = Files.readAllBytes(real);
        String key = path.toString();
        assets.put(key, new Asset(key, body, contentType(key), etag(body)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the UI build in " + dir, e);
    }
    if (!assets.containsKey(INDEX)) {
      throw new IllegalArgumentException("no index.html in " + dir + ": point webUi.assetsDir at the UI build");
    }
    return new StaticAssets(assets);
  }

  /**
   * What to answer for a decoded request path: the file, else {@code index.html} for a client route (the UI is a
   * single-page app), else {@code null} (404) for a missing build file or a path no route could be.
   */
  Asset find(String path) {
    if (!plausible(path)) {
      return null;
    }
    Asset asset = assets.get(path.equals("/") ? INDEX : path);
    if (asset != null) {
      return asset;
    }
    // A missing hashed file is a stale page asking for an old build: index.html in its place would be parsed as
    // script and fail obscurely.
    if (path.startsWith("/_app/")) {
      return null;
    }
    return assets.get(INDEX);
  }

  Asset index() {
    return assets.get(INDEX);
  }

  int size() {
    return assets.size();
  }

  /** Absolute, no dot segments, no backslashes or control characters, bounded. */
  static boolean plausible(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/' || path.length() > 2048) {
      return false;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        return false;
      }
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals("..") || segment.equals(".")) {
        return false;
      }
    }
    return !path.contains("//");
  }

  static String contentType(String path) {
    int dot = path.lastIndexOf('.');
    String ext = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
    return TYPES.getOrDefault(ext, "application/octet-stream");
  }

  private static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
