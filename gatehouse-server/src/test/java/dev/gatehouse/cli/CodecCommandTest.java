package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.codecserver.PayloadsJson;
import io.temporal.api.common.v1.Payload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse codec ...} as an operator runs it: exit codes, one-line errors, files and output. */
class CodecCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {}

  static Run run(String stdin, String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    InputStream in = System.in;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      int exit = Main.run(args);
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
      System.setIn(in);
    }
  }

  static Payload json(String text) {
    return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(text)).build();
  }

  @Test
  void keygenRotateEncryptDecryptRoundTrip() throws Exception {
    Path keyring = dir.resolve("keys/codec.properties");
    Run keygen = run("", "codec", "keygen", "--keyring", keyring.toString(), "--key-id", "k1");
    assertThat(keygen.exit()).isZero();
    assertThat(keygen.out()).contains("active key k1");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyring))).isEqualTo("rw-------");

    String plain = PayloadsJson.print(List.of(json("\"card 4111\""), json("\"other\"")));
    Run encrypted = run(plain, "codec", "encrypt", "--keyring", keyring.toString(), "-n", "payments");
    assertThat(encrypted.exit()).isZero();
    assertThat(encrypted.out()).doesNotContain("card 4111");
    List<Payload> ciphertext = PayloadsJson.parse(encrypted.out());
    assertThat(ciphertext).hasSize(2);
    assertThat(ciphertext.get(0).getMetadataOrThrow("encryption-key-id").toStringUtf8()).isEqualTo("k1");

    Run rotated = run("", "codec", "rotate", "--keyring", keyring.toString(), "--key-id", "k2");
    assertThat(rotated.exit()).isZero();
    assertThat(rotated.out()).contains("active key is now k2 (2 keys");

    Path input = dir.resolve("in.json");
    Files.writeString(input, encrypted.out());
    Run decrypted = run("", "codec", "decrypt", "--keyring", keyring.toString(), "--namespace", "payments",
        "--input", input.toString());
    assertThat(decrypted.exit()).isZero();
    assertThat(PayloadsJson.parse(decrypted.out())).containsExactly(json("\"card 4111\""), json("\"other\""));

    Run fresh = run(plain, "codec", "encrypt", "--keyring", keyring.toString(), "-n", "payments");
    assertThat(PayloadsJson.parse(fresh.out()).get(0).getMetadataOrThrow("encryption-key-id").toStringUtf8())
        .isEqualTo("k2");
    EncryptionCodec worker = EncryptionCodec.builder().keyring(Keyring.fromFile(keyring))
        .defaultNamespace("payments").build();
    assertThat(worker.decode(PayloadsJson.parse(fresh.out()))).containsExactly(json("\"card 4111\""),
        json("\"other\""));
  }

  @Test
  void errorsAreOneLineWithoutSecretsOrStackTraces() throws Exception {
    Path keyring = dir.resolve("codec.properties");
    assertThat(run("", "codec", "keygen", "--keyring", keyring.toString()).exit()).isZero();
    String keyFile = Files.readString(keyring);

    Run again = run("", "codec", "keygen", "--keyring", keyring.toString());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err().strip()).contains("already exists").doesNotContain("\n").doesNotContain("Exception");
    assertThat(Files.readString(keyring)).isEqualTo(keyFile);

    Run missing = run("", "codec", "rotate", "--keyring", dir.resolve("nope").toString());
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err().strip()).contains("does not exist").doesNotContain("\n");

    Run garbage = run("{\"payloads\": \"secret-ish garbage", "codec", "decrypt", "--keyring", keyring.toString(),
        "-n", "default");
    assertThat(garbage.exit()).isEqualTo(1);
    assertThat(garbage.err().strip()).contains("not a Payloads JSON document").doesNotContain("secret-ish")
        .doesNotContain("\n");

    String other = run(PayloadsJson.print(List.of(json("\"x\""))), "codec", "encrypt", "--keyring",
        keyring.toString(), "-n", "ns-a").out();
    Run wrongNamespace = run(other, "codec", "decrypt", "--keyring", keyring.toString(), "-n", "ns-b");
    assertThat(wrongNamespace.exit()).isEqualTo(1);
    assertThat(wrongNamespace.err().strip()).startsWith("gatehouse: cannot decrypt:").doesNotContain("\n");
    assertThat(wrongNamespace.out()).isEmpty();

    Files.setPosixFilePermissions(keyring, PosixFilePermissions.fromString("rw-r--r--"));
    Run open = run("{}", "codec", "encrypt", "--keyring", keyring.toString(), "-n", "default");
    assertThat(open.exit()).isEqualTo(1);
    assertThat(open.err().strip()).contains("group or others").doesNotContain("\n");
    assertThat(open.err()).doesNotContain(keyFile.lines().filter(l -> l.startsWith("key.")).findFirst().orElseThrow()
        .split(" = ")[1]);
  }
}
