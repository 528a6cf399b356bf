package dev.gatehouse.codecserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Keyring;
import io.temporal.api.common.v1.Payload;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyringFilesTest {
  @TempDir Path dir;

  @Test
  void aNewKeyringIsOwnerOnlyAndReadableByTheCodecLibrary() throws Exception {
    Path file = dir.resolve("k.properties");
    Keyring written = KeyringFiles.create(file, "first");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    Keyring read = Keyring.fromFile(file);
    assertThat(read.activeKey().id()).isEqualTo("first");
    assertThat(read.activeKey().secret().getEncoded()).isEqualTo(written.activeKey().secret().getEncoded());
    assertThat(Files.list(dir)).containsExactly(file);
  }

  @Test
  void anExistingKeyringIsNeverOverwritten() throws Exception {
    Path file = dir.resolve("k.properties");
    KeyringFiles.create(file, "first");
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> KeyringFiles.create(file, "second")).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void rotationAddsAnActiveKeyAndKeepsTheOldOnesForDecryption() throws Exception {
    Path file = dir.resolve("k.properties");
    KeyringFiles.create(file, "first");
    Payload old = codec(file).encode(List.of(CodecFixtures.json("\"old\""))).get(0);

    Keyring rotated = KeyringFiles.rotate(file, "second");
    assertThat(rotated.keyIds()).containsExactly("second", "first");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    EncryptionCodec after = codec(file);
    assertThat(CodecFixtures.data(after.decode(List.of(old)).get(0))).isEqualTo("\"old\"");
    Payload fresh = after.encode(List.of(CodecFixtures.json("\"new\""))).get(0);
    assertThat(fresh.getMetadataOrThrow("encryption-key-id").toStringUtf8()).isEqualTo("second");
    assertThatThrownBy(() -> KeyringFiles.rotate(file, "first")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.list(dir)).containsExactly(file);
  }

  @Test
  void keyIdsWithPropertiesSyntaxCharactersRoundTrip() throws Exception {
    Path file = dir.resolve("k.properties");
    KeyringFiles.create(file, "a:b!c");
    KeyringFiles.rotate(file, "kms:key/2025+1");
    assertThat(Keyring.fromFile(file).keyIds()).containsExactlyInAnyOrder("kms:key/2025+1", "a:b!c");
    assertThat(Keyring.fromFile(file).activeKey().id()).isEqualTo("kms:key/2025+1");
  }

  @Test
  void generatedIdsAreValidAndDistinct() throws Exception {
    String a = KeyringFiles.newKeyId();
    String b = KeyringFiles.newKeyId();
    assertThat(a).matches("\\d{8}T\\d{6}Z-[0-9a-f]{4}");
    Path file = dir.resolve("k.properties");
    KeyringFiles.create(file, null);
    KeyringFiles.rotate(file, null);
    assertThat(Keyring.fromFile(file).keyIds()).hasSize(2);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void ensureCreatesOnceAndReusesAfter() {
    Path file = dir.resolve("dev.properties");
    Keyring first = KeyringFiles.ensure(file);
    Keyring again = KeyringFiles.ensure(file);
    assertThat(again.activeKey().id()).isEqualTo(first.activeKey().id());
  }

  private static EncryptionCodec codec(Path file) {
    return EncryptionCodec.builder().keyring(Keyring.fromFile(file)).defaultNamespace("default").build();
  }
}
