package dev.gatehouse.codecserver;

import dev.gatehouse.codec.Key;
import dev.gatehouse.codec.Keyring;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Writes keyring files in the format {@link Keyring#fromFile} reads: created readable and writable by the owner only
 * (mode 0600) before any key is written into them, and replaced atomically, so a reader (the codec server's reload,
 * a worker) sees the old file or the new one, never half of either.
 */
public final class KeyringFiles {
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyringFiles() {}

  /**
   * Writes a new keyring file holding one fresh active key.
   *
   * @param keyId the key's id, or {@code null} for {@link #newKeyId()}
   * @throws FileAlreadyExistsException when {@code file} exists: replacing a keyring loses its keys
   */
  public static Keyring create(Path file, String keyId) throws IOException {
    if (Files.exists(file)) {
      throw new FileAlreadyExistsException(file.toString(), null,
          "a keyring is already there; use rotate to add a key");
    }
    Keyring keyring = Keyring.of(Key.generate(keyId == null ? newKeyId() : keyId));
    write(file, keyring, false);
    return keyring;
  }

  /**
   * Adds a fresh key to an existing keyring file and makes it the active key; the previous keys stay to decrypt.
   *
   * @param keyId the new key's id, or {@code null} for {@link #newKeyId()}
   * @throws EncryptionCodecException when the file is not a usable keyring or already holds {@code keyId}
   */
  public static Keyring rotate(Path file, String keyId) throws IOException {
    Keyring current = Keyring.fromFile(file);
    String id = keyId == null ? newKeyId() : keyId;
    if (current.key(id).isPresent()) {
      throw new IllegalArgumentException("keyring " + file + " already holds a key '" + id + "'");
    }
    Keyring next = current.withActiveKey(Key.generate(id));
    write(file, next, true);
    return next;
  }

  /** The keyring in {@code file}, created with one fresh key if the file does not exist yet (dev mode). */
  public static Keyring ensure(Path file) {
    try {
      if (Files.exists(file)) {
        return Keyring.fromFile(file);
      }
      return create(file, null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create keyring " + file, e);
    }
  }

  /** A fresh key id: the UTC time and a random suffix, e.g. {@code 20250612T101530Z-3fa9}, sortable by age. */
  public static String newKeyId() {
    byte[] suffix = new byte[2];
    RANDOM.nextBytes(suffix);
    return ZonedDateTime.now(ZoneOffset.UTC).format(ID_TIME) + "-" + HexFormat.of().formatHex(suffix);
  }

  private static void write(Path file, Keyring keyring, boolean replace) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    boolean posix = Files.getFileAttributeView(dir, java.nio.file.attribute.PosixFileAttributeView.class) != null;
    FileAttribute<?>[] ownerOnly = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", ownerOnly);
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
        out.write(render(keyring));
        out.flush();
        channel.force(true);
      }
      if (replace) {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        // No REPLACE_EXISTING: a keyring created meanwhile by someone else is not overwritten.
        Files.move(temp, target);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  // Key ids may hold ':' (and '!'), which a properties file reads as a separator (or, first on a line, a comment).
  private static String escapeName(String id) {
    StringBuilder out = new StringBuilder(id.length() + 4);
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c == ':' || c == '=' || c == '!' || c == '#' || c == ' ') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  private static byte[] render(Keyring keyring) {
    StringBuilder text = new StringBuilder(256);
    text.append("# gatehouse codec keyring: 'active' encrypts, every key.<id> decrypts. Keep it mode 0600.\n");
    text.append("active = ").append(keyring.activeKey().id()).append('\n');
    for (String id : keyring.keyIds()) {
      byte[] material = keyring.key(id).orElseThrow().secret().getEncoded();
      try {
        text.append("key.").append(escapeName(id)).append(" = ")
            .append(Base64.getEncoder().encodeToString(material)).append('\n');
      } finally {
        Arrays.fill(material, (byte) 0);
      }
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    text.setLength(0);
    return bytes;
  }
}
