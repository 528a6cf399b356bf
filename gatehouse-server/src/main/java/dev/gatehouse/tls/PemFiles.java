package dev.gatehouse.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes PEM files atomically; private keys are readable by their owner only from the moment they exist. */
final class PemFiles {
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private PemFiles() {}

  static void writeCertificate(Path file, String pem) throws IOException {
    write(file, pem, "rw-r--r--");
  }

  static void writePrivateKey(Path file, String pem) throws IOException {
    write(file, pem, "rw-------");
  }

  private static void write(Path file, String pem, String permissions) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    // createTempFile makes the file 0600 before any byte is written, so a key is never readable by others.
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
      if (POSIX) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(permissions));
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
