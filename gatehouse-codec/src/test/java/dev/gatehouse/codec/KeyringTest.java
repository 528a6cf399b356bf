package dev.gatehouse.codec;

import static dev.gatehouse.codec.TestPayloads.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyringTest {

  @TempDir
  Path dir;

  private static final byte[] A = filled(1);
  private static final byte[] B = filled(2);
  private static final String A64 = Base64.getEncoder().encodeToString(A);
  private static final String B64 = Base64.getEncoder().encodeToString(B);

  @Test
  void readsAnOwnerOnlyKeyringFile() throws Exception {
    Path file = keyringFile("""
        # rotated 2025-06
        active = 2025-06
        key.2025-06 = %s
        key.2025-01 = %s
        """.formatted(A64, B64), "rw-------");

    Keyring keyring = Keyring.fromFile(file);

    assertThat(keyring.activeKey().id()).isEqualTo("2025-06");
    assertThat(keyring.activeKey().secret().getEncoded()).isEqualTo(A);
    assertThat(keyring.key("2025-01").orElseThrow().secret().getEncoded()).isEqualTo(B);
    assertThat(keyring.keyIds()).containsExactly("2025-06", "2025-01");
    assertThat(Keyring.fromFile(keyringFile("active=a\nkey.a=" + A64 + "\n", "r--------")).activeKey().id())
        .isEqualTo("a");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rw-----w-", "rwx--x---"})
  void refusesAKeyringFileOthersCanAccess(String permissions) throws Exception {
    Path file = keyringFile("active=a\nkey.a=" + A64 + "\n", permissions);
    EncryptionCodecException e = refused(Reason.INVALID_KEYRING, () -> Keyring.fromFile(file));
    assertThat(e).hasMessageContaining(file.toString()).hasMessageContaining("group or others")
        .hasMessageContaining("chmod 600");
    assertThat(e.getMessage()).doesNotContain(A64);
  }

  @Test
  void refusesAWorldReadableFileBehindAnOwnerOnlySymlink() throws Exception {
    Path target = keyringFile("active=a\nkey.a=" + A64 + "\n", "rw-r--r--");
    Path link = Files.createSymbolicLink(dir.resolve("link.properties"), target);
    refused(Reason.INVALID_KEYRING, () -> Keyring.fromFile(link));
  }

  @Test
  void malformedFilesAreRefusedWithoutQuotingSecrets() throws Exception {
    String notBase64 = "not*base64*secret*material*at*all";
    EncryptionCodecException e = refused(Reason.INVALID_KEYRING,
        () -> Keyring.fromFile(keyringFile("active=a\nkey.a=" + notBase64 + "\n", "rw-------")));
    assertThat(e).hasMessageContaining("'a'").hasMessageContaining("base64");
    assertThat(e.getMessage()).doesNotContain(notBase64).doesNotContain("*");

    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
    e = refused(Reason.INVALID_KEYRING,
        () -> Keyring.fromFile(keyringFile("active=a\nkey.a=" + shortKey + "\n", "rw-------")));
    assertThat(e).hasMessageContaining("32 bytes").hasMessageContaining("16");
    assertThat(e.getMessage()).doesNotContain(shortKey);

    refused(Reason.INVALID_KEYRING, () -> Keyring.fromFile(keyringFile("key.a=" + A64 + "\n", "rw-------")));
    e = refused(Reason.INVALID_KEYRING,
        () -> Keyring.fromFile(keyringFile("active=b\nkey.a=" + A64 + "\n", "rw-------")));
    assertThat(e).hasMessageContaining("'b'");
    e = refused(Reason.INVALID_KEYRING,
        () -> Keyring.fromFile(keyringFile("active=a\nkey.a=" + A64 + "\nkeys.b=" + B64 + "\n", "rw-------")));
    assertThat(e).hasMessageContaining("keys.b");
    e = refused(Reason.INVALID_KEYRING, () -> Keyring.fromFile(
        keyringFile("active=a\nkey.a=" + A64 + "\nkey.a=" + B64 + "\n", "rw-------")));
    assertThat(e).hasMessageContaining("twice");
    refused(Reason.INVALID_KEYRING,
        () -> Keyring.fromFile(keyringFile("active=a b\nkey.a b=" + A64 + "\n", "rw-------")));
    refused(Reason.INVALID_KEYRING, () -> Keyring.fromFile(dir.resolve("missing.properties")));
  }

  @Test
  void readsTheEnvironment() {
    Keyring keyring = Keyring.fromEnvironment(Map.of(
        "GATEHOUSE_CODEC_ACTIVE_KEY", "k2",
        "GATEHOUSE_CODEC_KEY_k1", A64,
        "GATEHOUSE_CODEC_KEY_k2", B64,
        "PATH", "/usr/bin"));
    assertThat(keyring.activeKey().id()).isEqualTo("k2");
    assertThat(keyring.activeKey().secret().getEncoded()).isEqualTo(B);
    assertThat(keyring.keyIds()).containsExactlyInAnyOrder("k1", "k2");

    refused(Reason.INVALID_KEYRING, () -> Keyring.fromEnvironment(Map.of("GATEHOUSE_CODEC_KEY_k1", A64)));
    refused(Reason.INVALID_KEYRING, () -> Keyring.fromEnvironment(Map.of(
        "GATEHOUSE_CODEC_ACTIVE_KEY", "k3", "GATEHOUSE_CODEC_KEY_k1", A64)));
    EncryptionCodecException e = refused(Reason.INVALID_KEYRING, () -> Keyring.fromEnvironment(Map.of(
        "GATEHOUSE_CODEC_ACTIVE_KEY", "k1", "GATEHOUSE_CODEC_KEY_k1", "%%%secret%%%")));
    assertThat(e.getMessage()).doesNotContain("secret");
  }

  @Test
  void keysMustBeAes256WithValidIds() {
    refused(Reason.INVALID_KEYRING, () -> Key.of("a", new byte[16]));
    refused(Reason.INVALID_KEYRING, () -> Key.of("", A));
    refused(Reason.INVALID_KEYRING, () -> Key.of("with space", A));
    refused(Reason.INVALID_KEYRING, () -> Key.of("x".repeat(129), A));
    refused(Reason.INVALID_KEYRING, () -> new Key("a", new SecretKeySpec(A, "HmacSHA256")));
    assertThat(Key.of("test-key-test-key-test-key-test!", A).id()).isEqualTo("test-key-test-key-test-key-test!");
    assertThat(Key.of("a", A)).isEqualTo(Key.of("a", A.clone())).isNotEqualTo(Key.of("a", B));
    assertThat(Key.of("a", A).toString()).isEqualTo("Key[id=a]");
  }

  @Test
  void keyringRotationHelpers() {
    Key a = Key.of("a", A);
    Key b = Key.of("b", B);
    Keyring rotated = Keyring.of(a).withActiveKey(b);
    assertThat(rotated.activeKey()).isEqualTo(b);
    assertThat(rotated.keyIds()).containsExactly("b", "a");
    assertThat(rotated.withoutKey("a").keyIds()).containsExactly("b");
    refused(Reason.INVALID_KEYRING, () -> rotated.withoutKey("b"));
    refused(Reason.INVALID_KEYRING, () -> Keyring.of(a, Key.of("a", B)));
    assertThat(Keyring.of(a, Key.of("a", A)).keyIds()).containsExactly("a");
    assertThat(rotated.toString()).isEqualTo("Keyring[active=b, keys=[b, a]]");
  }

  private Path keyringFile(String content, String permissions) throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path file = Files.createTempFile(dir, "keyring", ".properties");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    return file;
  }

  private static byte[] filled(int value) {
    byte[] bytes = new byte[32];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (value * 31 + i);
    }
    return bytes;
  }
}
