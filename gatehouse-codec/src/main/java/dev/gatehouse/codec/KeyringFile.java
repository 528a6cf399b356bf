package dev.gatehouse.codec;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/** Reads the properties keyring format documented on {@link Keyring}. */
final class KeyringFile {

  private static final String ACTIVE = "active";
  private static final String KEY_PREFIX = "key.";
  private static final Set<PosixFilePermission> FOREIGN = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private KeyringFile() {
  }

  static Keyring read(Path file) {
    checkOwnerOnly(file);
    Properties properties = new DuplicateRejectingProperties(file);
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      // IllegalArgumentException is a malformed \\u escape; its message may quote the line, which may be a secret.
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, "cannot read keyring file " + file
          + (e instanceof IOException ? ": " + e.getClass().getSimpleName() : ": malformed escape sequence"));
    }
    String activeId = null;
    Map<String, Key> keys = new TreeMap<>();
    for (String name : properties.stringPropertyNames()) {
      String value = properties.getProperty(name);
      if (name.equals(ACTIVE)) {
        activeId = value.strip();
      } else if (name.startsWith(KEY_PREFIX)) {
        String id = name.substring(KEY_PREFIX.length());
        keys.put(id, Keyring.decodeKey(id, value, "keyring file " + file));
      } else {
        throw new EncryptionCodecException(Reason.INVALID_KEYRING, "keyring file " + file
            + ": unknown property '" + printable(name) + "' (expected 'active' and 'key.<id>')");
      }
    }
    if (activeId == null || activeId.isEmpty()) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, "keyring file " + file + ": 'active' is not set");
    }
    return Keyring.assemble(activeId, keys, "keyring file " + file);
  }

  /**
   * Refuses a keyring any other user could read (disclosure) or write (key substitution). Non-POSIX file systems
   * (Windows) have no mode bits to check; there the file's ACL is the operator's responsibility.
   */
  static void checkOwnerOnly(Path file) {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = view.readAttributes().permissions();
    } catch (IOException e) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING,
          "cannot read keyring file " + file + ": " + e.getClass().getSimpleName());
    }
    Set<PosixFilePermission> foreign = EnumSet.noneOf(PosixFilePermission.class);
    foreign.addAll(permissions);
    foreign.retainAll(FOREIGN);
    if (!foreign.isEmpty()) {
      throw new EncryptionCodecException(Reason.INVALID_KEYRING, "keyring file " + file
          + " is accessible by group or others (" + PosixFilePermissions.toString(permissions)
          + "); restrict it to its owner, e.g. chmod 600 " + file);
    }
  }

  private static String printable(String name) {
    return name.length() <= 64 && name.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? name : "?";
  }

  /** java.util.Properties keeps the last of two equal names silently; a keyring must not. */
  private static final class DuplicateRejectingProperties extends Properties {
    private final transient Path file;

    DuplicateRejectingProperties(Path file) {
      this.file = file;
    }

    @Override
    public synchronized Object put(Object name, Object value) {
      if (containsKey(name)) {
        throw new EncryptionCodecException(Reason.INVALID_KEYRING,
            "keyring file " + file + ": property '" + printable(name.toString()) + "' appears twice");
      }
      return super.put(name, value);
    }
  }
}
