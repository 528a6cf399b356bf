package dev.gatehouse.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;

/**
 * One PEM input under its config key: a file, or inline data as Temporal's {@code *Data} keys hold it
 * (base64 of the PEM text; PEM text itself is accepted too).
 *
 * @param key the dotted config key that set it, e.g. {@code global.tls.frontend.server.certFile}
 * @param file the path, or {@code null} for inline data
 * @param data the inline value, or {@code null} for a file
 */
record PemInput(String key, String file, String data) {
  /** Far above any certificate bundle; stops a path to a device or a huge file from exhausting memory. */
  static final long MAX_BYTES = 4L * 1024 * 1024;

  static PemInput ofFile(String key, String file) {
    return new PemInput(key, file, null);
  }

  static PemInput ofData(String key, String data) {
    return new PemInput(key, null, data);
  }

  /** Where the PEM comes from, for messages; never the inline value itself. */
  String where() {
    return file != null ? file : "the inline value";
  }

  byte[] read(ConfigProblems problems) {
    if (file != null) {
      return readFile(problems);
    }
    String value = data.strip();
    if (value.startsWith("-----BEGIN")) {
      return value.getBytes(StandardCharsets.US_ASCII);
    }
    try {
      // Strict base64 as Temporal decodes it; only line breaks (YAML folding) are tolerated.
      byte[] decoded = Base64.getDecoder().decode(value.replaceAll("\\s+", ""));
      if (decoded.length == 0) {
        throw problems.at(key, "is empty (set base64-encoded PEM, e.g. the output of base64 -w0 cert.pem)");
      }
      return decoded;
    } catch (IllegalArgumentException e) {
      // The decoder's message quotes the offending character; the value may be a key, so say nothing of it.
      throw problems.at(key, "is not valid base64 (set base64-encoded PEM, e.g. the output of base64 -w0 cert.pem)");
    }
  }

  private byte[] readFile(ConfigProblems problems) {
    Path path;
    try {
      path = Path.of(file);
    } catch (InvalidPathException e) {
      throw problems.at(key, "not a valid path: " + file);
    }
    try {
      if (Files.exists(path) && !Files.isRegularFile(path)) {
        throw problems.at(key, file + " is not a regular file (point it at a PEM file)");
      }
      if (Files.exists(path) && Files.size(path) > MAX_BYTES) {
        throw problems.at(key, file + " is larger than 4 MiB, too large for PEM certificates or keys");
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw problems.at(key, "file not found: " + file + " (fix the path" + dataAlternative() + ")");
    } catch (AccessDeniedException e) {
      throw problems.at(key, "permission denied reading " + file + " (let the Gatehouse user read it)");
    } catch (IOException e) {
      throw problems.at(key, "cannot read " + file + ": " + e.getClass().getSimpleName()
          + " (fix the path or the file's permissions)");
    }
  }

  /** {@code certFile} → " or use certData", {@code clientCaFiles[0]} → " or use clientCaData". */
  private String dataAlternative() {
    String name = key.substring(key.lastIndexOf('.') + 1);
    if (name.indexOf('[') > 0) {
      name = name.substring(0, name.indexOf('['));
    }
    for (String suffix : new String[] {"Files", "File"}) {
      if (name.endsWith(suffix)) {
        return " or use " + name.substring(0, name.length() - suffix.length()) + "Data";
      }
    }
    return "";
  }
}
