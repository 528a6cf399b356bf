package dev.gatehouse.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager over a {@link ServerSnapshot} that is swapped on reload, so the TLS context is built once
 * and new handshakes pick up new certificates while established connections carry on.
 *
 * <p>Server side, the certificate is picked by the SNI host name ({@code hostOverrides}). Client side,
 * the one configured certificate is always offered whatever CA names the server lists: the server decides,
 * and a Go server lists its CAs in a form some clients would otherwise use to withhold the certificate.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private volatile ServerSnapshot current;
  private volatile ServerSnapshot previous;

  ReloadingKeyManager(ServerSnapshot initial) {
    this.current = initial;
    this.previous = initial;
  }

  synchronized void publish(ServerSnapshot next) {
    previous = current;
    current = next;
  }

  ServerSnapshot current() {
    return current;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return serverAlias(keyType, ServerNames.requested(engine));
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return serverAlias(keyType, ServerNames.requested(socket));
  }

  private String serverAlias(String keyType, String serverName) {
    ServerSnapshot.Entry entry = current.forServerName(serverName);
    return entry != null && entry.certifiedKey().keyType().equalsIgnoreCase(keyType) ? entry.alias() : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    ServerSnapshot snapshot = current;
    List<String> aliases = new ArrayList<>();
    if (snapshot.defaults() != null && snapshot.defaults().certifiedKey().keyType().equalsIgnoreCase(keyType)) {
      aliases.add(snapshot.defaults().alias());
    }
    for (ServerSnapshot.Entry e : snapshot.byHost().values()) {
      if (e.certifiedKey().keyType().equalsIgnoreCase(keyType)) {
        aliases.add(e.alias());
      }
    }
    return aliases.isEmpty() ? null : aliases.toArray(String[]::new);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return clientAlias();
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return clientAlias();
  }

  private String clientAlias() {
    ServerSnapshot.Entry entry = current.defaults();
    return entry == null ? null : entry.alias();
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String alias = clientAlias();
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    ServerSnapshot.Entry entry = find(alias);
    return entry == null ? null : entry.certifiedKey().chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    ServerSnapshot.Entry entry = find(alias);
    return entry == null ? null : entry.certifiedKey().key();
  }

  private ServerSnapshot.Entry find(String alias) {
    if (alias == null) {
      return null;
    }
    ServerSnapshot.Entry entry = current.byAlias(alias);
    return entry != null ? entry : previous.byAlias(alias);
  }
}
