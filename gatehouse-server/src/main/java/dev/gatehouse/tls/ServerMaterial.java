package dev.gatehouse.tls;

import dev.gatehouse.config.ServerTls;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link ServerTls} block serves: a certificate with its key, and the CAs client certificates must
 * chain to. The static methods read a block under its dotted config prefix
 * ({@code global.tls.frontend.server}, {@code global.tls.frontend.hostOverrides.<host>}, ...).
 */
record ServerMaterial(CertifiedKey certifiedKey, TrustedCas clientCas) {

  /** REQUIRE with {@code requireClientAuth}, else OPTIONAL when client CAs are given, else NONE. */
  static ClientAuth clientAuth(ServerTls tls) {
    return tls.requireClientAuth() ? ClientAuth.REQUIRE : tls.hasClientCas() ? ClientAuth.OPTIONAL : ClientAuth.NONE;
  }

  /** Checks the block's shape and loads it; every problem is a {@link dev.gatehouse.config.ConfigException}. */
  static Reloadable<ServerMaterial> load(ServerTls tls, String prefix, ConfigProblems problems) {
    PemInput cert = input(prefix, "cert", tls.certFile(), tls.certData(), problems);
    PemInput key = input(prefix, "key", tls.keyFile(), tls.keyData(), problems);
    if (cert == null) {
      throw problems.at(prefix + ".certFile", "no server certificate: set certFile and keyFile (or certData and keyData)");
    }
    if (key == null) {
      throw problems.at(prefix + ".keyFile", "certificate " + cert.where()
          + " has no private key: set keyFile (or keyData) too");
    }
    if (tls.requireClientAuth() && !tls.hasClientCas()) {
      throw problems.at(prefix + ".requireClientAuth",
          "requireClientAuth needs clientCaFiles or clientCaData, the CAs client certificates must chain to");
    }
    List<PemInput> cas = caInputs(prefix, "clientCa", tls.clientCaFiles(), tls.clientCaData());
    List<PemInput> inputs = new ArrayList<>(List.of(cert, key));
    inputs.addAll(cas);
    return new Reloadable<>(prefix, inputs, problems, contents -> {
      CertifiedKey certifiedKey = CertifiedKey.parse(cert, contents.get(0), key, contents.get(1), problems);
      List<X509Certificate> caCerts = CertifiedKey.parseCas(cas, contents.subList(2, contents.size()), problems);
      return new ServerMaterial(certifiedKey, TrustedCas.of(caCerts));
    });
  }

  /** Only a certificate and key, as the internode group uses {@code server} for its client certificate. */
  static Reloadable<CertifiedKey> loadCertifiedKey(ServerTls tls, String prefix, ConfigProblems problems) {
    PemInput cert = input(prefix, "cert", tls.certFile(), tls.certData(), problems);
    PemInput key = input(prefix, "key", tls.keyFile(), tls.keyData(), problems);
    if (cert == null) {
      throw problems.at(prefix + ".certFile", "keyFile is set but no certificate: set certFile (or certData) too");
    }
    if (key == null) {
      throw problems.at(prefix + ".keyFile", "certificate " + cert.where()
          + " has no private key: set keyFile (or keyData) too");
    }
    return new Reloadable<>(prefix, List.of(cert, key), problems,
        contents -> CertifiedKey.parse(cert, contents.get(0), key, contents.get(1), problems));
  }

  /** CA bundles from {@code <name>Files} and {@code <name>Data}. */
  static Reloadable<TrustedCas> loadCas(String prefix, String name, List<String> files, List<String> data,
      ConfigProblems problems) {
    List<PemInput> inputs = caInputs(prefix, name, files, data);
    return new Reloadable<>(prefix + "." + name + "Files", inputs, problems,
        contents -> TrustedCas.of(CertifiedKey.parseCas(inputs, contents, problems)));
  }

  static boolean hasKey(ServerTls tls) {
    return tls.keyFile() != null || tls.keyData() != null;
  }

  private static PemInput input(String prefix, String name, String file, String data, ConfigProblems problems) {
    if (file != null && data != null) {
      throw problems.at(prefix + "." + name + "Data", "set either " + name + "File or " + name + "Data, not both");
    }
    if (file != null) {
      if (file.isBlank()) {
        throw problems.at(prefix + "." + name + "File", "is empty (set a path or remove the key)");
      }
      return PemInput.ofFile(prefix + "." + name + "File", file);
    }
    return data == null ? null : PemInput.ofData(prefix + "." + name + "Data", data);
  }

  private static List<PemInput> caInputs(String prefix, String name, List<String> files, List<String> data) {
    List<PemInput> inputs = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      inputs.add(PemInput.ofFile(prefix + "." + name + "Files[" + i + "]", files.get(i)));
    }
    for (int i = 0; i < data.size(); i++) {
      inputs.add(PemInput.ofData(prefix + "." + name + "Data[" + i + "]", data.get(i)));
    }
    return inputs;
  }

  @Override
  public String toString() {
    return "ServerMaterial[" + certifiedKey + ", clientCas=" + clientCas.certificates().size() + "]";
  }
}
