package dev.gatehouse.tls;

import dev.gatehouse.config.ConfigException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Material read from PEM inputs that is read again on demand and swapped only when the inputs changed and
 * the new version is sound. A broken version (a certificate replaced before its key, mid-rotation) is
 * logged once and the last good version stays in use.
 *
 * <p>Change is detected by a SHA-256 over the inputs' contents rather than by modification times: files
 * are small, and content catches rewrites that keep the time (coarse clocks, copies that preserve it).
 */
final class Reloadable<T> {
  /** Turns the inputs' contents, in input order, into material; throws {@link ConfigException}. */
  interface Parser<T> {
    T parse(List<byte[]> contents);
  }

  private static final Logger log = LoggerFactory.getLogger(Reloadable.class);

  private final String name;
  private final List<PemInput> inputs;
  private final ConfigProblems problems;
  private final Parser<T> parser;
  private volatile T current;
  private byte[] digest;
  private String lastFailure;

  /** Loads the first version; a problem is a {@link ConfigException} for the caller to report. */
  Reloadable(String name, List<PemInput> inputs, ConfigProblems problems, Parser<T> parser) {
    this.name = name;
    this.inputs = List.copyOf(inputs);
    this.problems = problems;
    this.parser = parser;
    List<byte[]> contents = readAll();
    this.current = parser.parse(contents);
    this.digest = digest(contents);
  }

  T current() {
    return current;
  }

  /** Reads the inputs again; returns true when a new version replaced the current one. Never throws. */
  synchronized boolean refresh() {
    try {
      List<byte[]> contents = readAll();
      byte[] next = digest(contents);
      if (Arrays.equals(next, digest)) {
        if (lastFailure != null) {
          log.info("TLS material {} is consistent again; still serving the version loaded before", name);
          lastFailure = null;
        }
        return false;
      }
      T material = parser.parse(contents);
      current = material;
      digest = next;
      lastFailure = null;
      log.info("reloaded TLS material {}: {}", name, material);
      return true;
    } catch (ConfigException e) {
      failed(e.getMessage());
    } catch (RuntimeException e) {
      failed(e.getClass().getSimpleName());
    }
    return false;
  }

  private void failed(String message) {
    // Logged once per distinct problem: a file left broken would otherwise log at every refresh.
    if (!message.equals(lastFailure)) {
      log.error("TLS reload of {} failed, keeping the material loaded before: {}", name, message);
      lastFailure = message;
    }
  }

  private List<byte[]> readAll() {
    List<byte[]> contents = new ArrayList<>(inputs.size());
    for (PemInput input : inputs) {
      contents.add(input.read(problems));
    }
    return contents;
  }

  private static byte[] digest(List<byte[]> contents) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (byte[] c : contents) {
        sha.update(ByteBuffer.allocate(4).putInt(c.length).array());
        sha.update(c);
      }
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
