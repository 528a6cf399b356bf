package dev.gatehouse.cli;

import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.EncryptionCodecException;
import dev.gatehouse.codec.Keyring;
import dev.gatehouse.codecserver.KeyringFiles;
import dev.gatehouse.codecserver.PayloadsJson;
import io.temporal.api.common.v1.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code gatehouse codec}: keyring files for the codec, and encrypting or decrypting payloads by hand. */
@Command(name = "codec", mixinStandardHelpOptions = true,
    description = "Keyrings for client-side payload encryption, and encrypt/decrypt of Payloads JSON.",
    subcommands = {CodecCommand.Keygen.class, CodecCommand.Rotate.class, CodecCommand.Encrypt.class,
        CodecCommand.Decrypt.class})
final class CodecCommand implements Runnable {
  // Temporal's largest gRPC message; a bigger document cannot be a payload list Temporal stored.
  private static final int MAX_INPUT_BYTES = 128 * 1024 * 1024;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Path existing(Path keyring) {
    if (!Files.exists(keyring)) {
      throw new IllegalArgumentException(keyring + " does not exist; create it with 'gatehouse codec keygen --keyring "
          + keyring + "'");
    }
    return keyring;
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = "Writes a new keyring file (mode 0600) with one fresh active AES-256 key.")
  static final class Keygen implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--keyring", required = true, description = "The keyring file to create; it must not exist.")
    Path keyring;

    @Option(names = "--key-id", description = "The key's id (default: the UTC time and a random suffix).")
    String keyId;

    @Override
    public Integer call() throws IOException {
      Keyring k;
      try {
        k = KeyringFiles.create(keyring, keyId);
      } catch (FileAlreadyExistsException e) {
        throw new IllegalArgumentException(keyring + " already exists; use 'gatehouse codec rotate --keyring "
            + keyring + "' to add a key");
      }
      spec.commandLine().getOut().println("wrote " + keyring + " (mode 0600) with active key " + k.activeKey().id());
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Adds a fresh key to a keyring file and makes it the active key; older keys still decrypt.")
  static final class Rotate implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--keyring", required = true, description = "The keyring file to rotate.")
    Path keyring;

    @Option(names = "--key-id", description = "The new key's id (default: the UTC time and a random suffix).")
    String keyId;

    @Override
    public Integer call() throws IOException {
      Keyring k = KeyringFiles.rotate(existing(keyring), keyId);
      spec.commandLine().getOut().println(keyring + ": active key is now " + k.activeKey().id() + " ("
          + k.keyIds().size() + " keys; reload workers and the codec server to use it)");
      return 0;
    }
  }

  /** Options shared by encrypt and decrypt. */
  abstract static class Transform implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--keyring", required = true, description = "The keyring file.")
    Path keyring;

    @Option(names = {"-n", "--namespace"}, required = true,
        description = "The namespace the payloads belong to (it is bound into every ciphertext).")
    String namespace;

    @Option(names = {"-i", "--input"}, description = "A Payloads JSON file (default: standard input).")
    Path input;

    abstract List<Payload> apply(EncryptionCodec codec, List<Payload> payloads);

    @Override
    public Integer call() throws IOException {
      EncryptionCodec codec = EncryptionCodec.builder().keyring(Keyring.fromFile(existing(keyring)))
          .defaultNamespace(namespace).build();
      List<Payload> payloads = PayloadsJson.parse(read());
      List<Payload> result = apply(codec, payloads);
      PrintWriter out = spec.commandLine().getOut();
      out.println(PayloadsJson.print(result));
      out.flush();
      return 0;
    }

    private String read() throws IOException {
      byte[] bytes;
      if (input == null) {
        bytes = readBounded(System.in);
      } else {
        try (InputStream in = Files.newInputStream(input)) {
          bytes = readBounded(in);
        } catch (NoSuchFileException e) {
          throw new IllegalArgumentException(input + " does not exist");
        }
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] readBounded(InputStream in) throws IOException {
      byte[] bytes = in.readNBytes(MAX_INPUT_BYTES + 1);
      if (bytes.length > MAX_INPUT_BYTES) {
        throw new IllegalArgumentException("input larger than " + MAX_INPUT_BYTES + " bytes");
      }
      return bytes;
    }
  }

  @Command(name = "encrypt", mixinStandardHelpOptions = true,
      description = "Encrypts a Payloads JSON document (the codec server's format) and prints the result.")
  static final class Encrypt extends Transform {
    @Override
    List<Payload> apply(EncryptionCodec codec, List<Payload> payloads) {
      return codec.encode(payloads);
    }
  }

  @Command(name = "decrypt", mixinStandardHelpOptions = true,
      description = "Decrypts a Payloads JSON document (the codec server's format) and prints the result; "
          + "payloads that are not encrypted pass through unchanged.")
  static final class Decrypt extends Transform {
    @Override
    List<Payload> apply(EncryptionCodec codec, List<Payload> payloads) {
      try {
        return codec.decode(payloads);
      } catch (EncryptionCodecException e) {
        // The library's message names the key id and reason, never data or key material.
        throw new IllegalArgumentException("cannot decrypt: " + e.getMessage());
      }
    }
  }
}
