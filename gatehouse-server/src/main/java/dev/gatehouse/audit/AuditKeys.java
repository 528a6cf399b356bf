package dev.gatehouse.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The audit log's own secrets: the Ed25519 key that signs segment digests and the salt of payload HMACs. Both are
 * made on first start when not configured, written owner-only; the public key is written beside them for
 * {@code verify}. A verifier should keep its own copy of the public key ({@code --public-key}): one taken from the
 * same folder as the logs proves nothing against someone who can rewrite that folder.
 *
 * @param signing the digest signing key pair
 * @param salt the HMAC salt, 32 bytes
 */
public record AuditKeys(KeyPair signing, byte[] salt) {
  static final String SIGNING_KEY = "audit-signing.key";
  static final String PUBLIC_KEY = "audit-signing.pub";
  static final String SALT = "audit-salt";

  /**
   * Loads the keys from {@code dir}, making the missing ones.
   *
   * @param signingKeyFile a PKCS#8 PEM Ed25519 private key to use instead of {@code dir/audit-signing.key}, or
   *     {@code null}
   */
  public static AuditKeys loadOrCreate(Path dir, Path signingKeyFile) throws IOException {
    Files.createDirectories(dir);
    KeyPair pair;
    Path keyFile = signingKeyFile != null ? signingKeyFile : dir.resolve(SIGNING_KEY);
    if (Files.exists(keyFile)) {
      PrivateKey priv = readPrivate(keyFile);
      Path pubFile = dir.resolve(PUBLIC_KEY);
      PublicKey pub = Files.exists(pubFile) ? readPublic(pubFile) : null;
      if (pub == null) {
        throw new IOException(keyFile + " exists but its public key " + pubFile + " does not: restore it, or move "
            + "both away to start a new key");
      }
      pair = new KeyPair(pub, priv);
    } else if (signingKeyFile != null) {
      throw new IOException("audit signing key " + signingKeyFile + " does not exist");
    } else {
      try {
        pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("Ed25519 is not available", e);
      }
      writeSecret(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      SegmentFiles.writeDurably(dir.resolve(PUBLIC_KEY), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    }
    Path saltFile = dir.resolve(SALT);
    byte[] salt;
    if (Files.exists(saltFile)) {
      salt = Base64.getDecoder().decode(Files.readString(saltFile, StandardCharsets.US_ASCII).trim());
    } else {
      salt = new byte[32];
      new SecureRandom().nextBytes(salt);
      writeSecret(saltFile, (Base64.getEncoder().encodeToString(salt) + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    return new AuditKeys(pair, salt);
  }

  /** Reads an Ed25519 public key (X.509 SubjectPublicKeyInfo, PEM), as {@code verify --public-key} takes it. */
  public static PublicKey readPublic(Path file) throws IOException {
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der(file, "PUBLIC KEY")));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not an Ed25519 public key");
    }
  }

  /**
   * Reads an AES-256 segment key file ({@code audit.encryptionKeyFile}): 32 random bytes, base64, readable by its
   * owner only (make one with {@code head -c 32 /dev/urandom | base64 > key; chmod 600 key}).
   */
  public static byte[] readEncryptionKey(Path file) throws IOException {
    return SegmentCipher.readKey(file);
  }

  /** The public key {@code loadOrCreate} wrote into {@code dir}. */
  public static Path publicKeyFile(Path dir) {
    return dir.resolve(PUBLIC_KEY);
  }

  private static PrivateKey readPrivate(Path file) throws IOException {
    try {
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der(file, "PRIVATE KEY")));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not an Ed25519 private key (PKCS#8 PEM)");
    }
  }

  private static byte[] der(Path file, String label) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IOException(file + " holds no " + label + " PEM block");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new IOException(file + " holds a damaged " + label + " PEM block");
    }
  }

  private static byte[] pem(String label, byte[] der) {
    return ("-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void writeSecret(Path file, byte[] content) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      throw new IOException(file + " appeared while it was being created");
    }
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    SegmentFiles.syncDirectory(file.getParent());
  }
}
