package dev.gatehouse.store;

import dev.gatehouse.config.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.Function;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master key that secrets at rest are encrypted under (AES-256-GCM, the secret's name as associated data, a
 * random 12-byte nonce per write), and the keys derived from it. Where it comes from: {@code store.masterKeyFile},
 * the variable {@code store.masterKeyEnv} names, or, for a SQLite store with neither, {@code master.key} beside the
 * database, made on first open.
 */
final class MasterKey {
  private static final Logger log = LoggerFactory.getLogger(AccountStore.class);
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte FORMAT = 1;
  static final String DEFAULT_FILE = "master.key";

  private final SecretKeySpec secretsKey;
  private final byte[] pageTokenKey;
  private final byte[] check;
  private final SecureRandom random = new SecureRandom();

  private MasterKey(byte[] master) {
    // Each use gets its own key, so no two uses ever share one.
    this.secretsKey = new SecretKeySpec(derive(master, "gatehouse store secrets v1"), "AES");
    this.pageTokenKey = derive(master, "gatehouse store page tokens v1");
    this.check = derive(master, "gatehouse store key check v1");
  }

  static MasterKey of(byte[] master) {
    if (master.length != KEY_BYTES) {
      throw new IllegalArgumentException("a master key has 32 bytes");
    }
    return new MasterKey(master);
  }

  /**
   * Reads the configured master key, or makes {@code master.key} in {@code defaultDir} when none is configured and
   * {@code defaultDir} is not null.
   *
   * @throws StoreException naming the setting to fix, never the key
   */
  static MasterKey load(Store settings, Path defaultDir, Function<String, String> env) {
    String file = blankToNull(settings.masterKeyFile());
    String variable = blankToNull(settings.masterKeyEnv());
    if (file != null && variable != null) {
      throw invalid("store.masterKeyFile and store.masterKeyEnv are both set: keep one");
    }
    if (file != null) {
      return of(fromFile(Path.of(file), "store.masterKeyFile " + file));
    }
    if (variable != null) {
      String value = env.apply(variable);
      if (value == null || value.isBlank()) {
        throw invalid("the environment variable " + variable + " (store.masterKeyEnv) is not set: set it to"
            + " 32 bytes in base64, e.g. the output of: openssl rand -base64 32");
      }
      return of(decode(value.strip(), "the environment variable " + variable));
    }
    if (defaultDir == null) {
      throw invalid("a PostgreSQL store needs a master key every replica shares: set store.masterKeyFile to a"
          + " file holding 32 bytes in base64 (e.g. made with: openssl rand -base64 32), or store.masterKeyEnv");
    }
    Path path = defaultDir.resolve(DEFAULT_FILE);
    if (!Files.exists(path)) {
      generate(path);
    }
    return of(fromFile(path, path.toString()));
  }

  private static void generate(Path path) {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    byte[] text = (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII);
    try {
      Files.createDirectories(path.getParent());
      try {
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(path);
      }
      Files.write(path, text);
      log.info("store: made the master key {} (owner-only); back it up with the store, whose secrets cannot be"
          + " read without it", path);
    } catch (FileAlreadyExistsException e) {
      // Another process made it first: read theirs.
    } catch (IOException e) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE,
          "cannot make the master key file " + path + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static byte[] fromFile(Path path, String what) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw invalid("cannot read the master key from " + what + " (" + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length == KEY_BYTES) {
      return bytes;
    }
    return decode(new String(bytes, StandardCharsets.US_ASCII).strip(), what);
  }

  private static byte[] decode(String text, String what) {
    byte[] key;
    try {
      key = text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
          : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw invalid("the master key in " + what + " is not 32 bytes in base64 (make one with: openssl rand"
          + " -base64 32)");
    }
    if (key.length != KEY_BYTES) {
      throw invalid("the master key in " + what + " is " + key.length + " bytes, not 32 (make one with: openssl"
          + " rand -base64 32)");
    }
    return key;
  }

  /** The value the store keeps to tell, at open, whether this is the key its secrets were encrypted under. */
  byte[] check() {
    return check.clone();
  }

  boolean matches(byte[] storedCheck) {
    return MessageDigest.isEqual(check, storedCheck);
  }

  byte[] pageTokenKey() {
    return pageTokenKey.clone();
  }

  byte[] seal(String name, byte[] plaintext) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, secretsKey, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext);
      byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
      out[0] = FORMAT;
      System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** @throws StoreException naming no secret, when the value does not decrypt under this key and name */
  byte[] open(String name, byte[] sealed) {
    if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != FORMAT) {
      throw undecryptable();
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, secretsKey, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
      cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
    } catch (javax.crypto.AEADBadTagException e) {
      throw undecryptable();
    } catch (GeneralSecurityException e) {
      throw undecryptable();
    }
  }

  private static StoreException undecryptable() {
    return new StoreException(StoreException.Reason.UNAVAILABLE, "a stored secret does not decrypt under the"
        + " master key: the key is not the one it was stored with, or the stored value was altered");
  }

  private static byte[] derive(byte[] master, String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(master, "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static StoreException invalid(String message) {
    return new StoreException(StoreException.Reason.UNAVAILABLE, message);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  @Override
  public String toString() {
    return "MasterKey[***]";
  }
}
