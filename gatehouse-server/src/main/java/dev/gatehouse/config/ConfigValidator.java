package dev.gatehouse.config;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The static checks of a loaded configuration: everything that can be decided without crypto. (Whether a key
 * matches its certificate, or a CA file holds a CA, is for the {@code tls} package.) Each problem is a
 * {@link ConfigException} whose one-line message names the file, the key and the fix, and never quotes a
 * {@code *Data} value.
 */
public final class ConfigValidator {
  private static final String FILE_FIX = "fix the path, or check the file's permissions";
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\\.?");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern ORIGIN =
      Pattern.compile("(https?)://([A-Za-z0-9_.-]+|\\[[0-9A-Fa-f:.]+])(:(\\d{1,5}))?");

  private final ConfigOrigin origin;

  private ConfigValidator(ConfigOrigin origin) {
    this.origin = origin;
  }

  /**
   * Checks {@code loaded} and throws on the first problem found.
   *
   * @throws ConfigException naming the file, the key and the fix
   */
  public static void validate(LoadedConfig loaded) {
    new ConfigValidator(loaded.origin()).check(loaded.config());
  }

  private void check(GatehouseConfig config) {
    checkTls(config.global().tls());
    checkAuthorization(config.global().authorization());
    checkListen(config.listen());
    checkUpstream(config.upstream());
    checkCodecServer(config.codecServer(), config.listen());
    checkAudit(config.audit());
    checkControlPlane(config);
    checkNamespaceDomain(config.controlPlane().namespaceDomain());
    checkHttpApi(config.httpApi(), config.listen(), config.codecServer());
    checkStore(config.store());
    checkWebUi(config.webUi(), config.listen(), config.codecServer());
    if (config.webUi().enabled() && config.httpApi().enabled()) {
      samePort("webUi.address", config.webUi().address(), "httpApi.address", config.httpApi().address());
    }
  }

  private void checkControlPlane(GatehouseConfig config) {
    ControlPlane cp = config.controlPlane();
    if (!cp.enabled()) {
      return;
    }
    address("controlPlane.address", cp.address(), true);
    samePort("controlPlane.address", cp.address(), "listen.grpcAddress", config.listen().grpcAddress());
    if (config.listen().httpAddress() != null && !config.listen().httpAddress().isBlank()) {
      samePort("controlPlane.address", cp.address(), "listen.httpAddress", config.listen().httpAddress());
    }
    if (config.codecServer().enabled()) {
      samePort("controlPlane.address", cp.address(), "codecServer.address", config.codecServer().address());
    }
    if (config.httpApi().enabled()) {
      samePort("controlPlane.address", cp.address(), "httpApi.address", config.httpApi().address());
    }
    if (config.webUi().enabled()) {
      samePort("controlPlane.address", cp.address(), "webUi.address", config.webUi().address());
    }
    if (!config.store().configured()) {
      fail("controlPlane.address", "the control plane needs a store: set store.dir (e.g. /var/lib/gatehouse) or"
          + " store.url");
    }
    checkServer("controlPlane.tls", cp.tls());
    if (cp.tls().hasClientCas() || cp.tls().requireClientAuth()) {
      fail("controlPlane.tls.clientCaFiles", "the control plane's TLS is server-only (callers authenticate with"
          + " API keys); remove clientCaFiles, clientCaData and requireClientAuth");
    }
    HostPort hp = HostPort.parse(cp.address());
    boolean loopback = hp != null && (hp.host().equals("localhost") || hp.host().startsWith("127.")
        || hp.host().equals("::1"));
    if (!cp.tls().hasCertificate() && !loopback) {
      fail("controlPlane.tls.certFile", "the control plane carries API keys: it needs TLS on "
          + ConfigText.quoted(cp.address()) + " (set certFile and keyFile; plaintext only on a loopback address)");
    }
    if (!cp.minVersion().equals("1.3") && !cp.minVersion().equals("1.2")) {
      fail("controlPlane.minVersion", "unknown TLS version " + ConfigText.quoted(cp.minVersion())
          + " (use \"1.3\", the default, or \"1.2\")");
    }
    if (cp.apiKeysPerOwner() < 1 || cp.apiKeysPerOwner() > 1000) {
      fail("controlPlane.apiKeysPerOwner", "must be 1 to 1000 (e.g. 10)");
    }
    checkGrants(cp.grants());
  }

  /** {@code controlPlane.grants}: durations within the 8 h ceiling, known permissions, an http(s) webhook. */
  private void checkGrants(AccessGrants g) {
    if (g.maxDuration().isNegative() || g.maxDuration().isZero() || g.maxDuration().compareTo(Duration.ofHours(8)) > 0) {
      throw fail("controlPlane.grants.maxDuration", "must be positive and at most 8h (e.g. 4h)");
    }
    if (g.requestTtl().isNegative() || g.requestTtl().isZero()) {
      throw fail("controlPlane.grants.requestTtl", "must be positive (e.g. 24h)");
    }
    if (g.webhook() != null && !(g.webhook().startsWith("https://") || g.webhook().startsWith("http://"))) {
      throw fail("controlPlane.grants.webhook", "must be an http(s) URL, e.g. https://chat.example.com/hooks/gatehouse");
    }
    for (int i = 0; i < g.autoApprove().size(); i++) {
      AccessGrants.AutoApprove r = g.autoApprove().get(i);
      String key = "controlPlane.grants.autoApprove[" + i + "]";
      if (r.name() == null || r.name().isBlank()) {
        throw fail(key + ".name", "is required (e.g. on-call)");
      }
      if (r.groups().isEmpty()) {
        throw fail(key + ".groups", "must name at least one user group (e.g. [on-call])");
      }
      if (r.namespaces().isEmpty()) {
        throw fail(key + ".namespaces", "must name at least one namespace, or \"*\"");
      }
      if (!java.util.Set.of("read", "write", "admin").contains(r.maxPermission().toLowerCase(java.util.Locale.ROOT))) {
        throw fail(key + ".maxPermission", "must be read, write or admin");
      }
      if (r.maxDuration() != null && (r.maxDuration().isNegative() || r.maxDuration().isZero()
          || r.maxDuration().compareTo(g.maxDuration()) > 0)) {
        throw fail(key + ".maxDuration", "must be positive and at most controlPlane.grants.maxDuration");
      }
    }
  }

  /** {@code controlPlane.namespaceDomain}: a DNS name namespace endpoints live under, no wildcard, no port. */
  private void checkNamespaceDomain(String domain) {
    if (domain == null) {
      return;
    }
    String d = domain.strip();
    if (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    String label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    if (d.length() > 253 || !d.matches(label + "(\\." + label + ")+")) {
      fail("controlPlane.namespaceDomain", "must be a DNS name with at least two labels, without '*' or a port "
          + "(e.g. ns.temporal.example.com: namespace orders is then reached at orders.ns.temporal.example.com)");
    }
  }

  private void checkStore(Store store) {
    boolean keyFile = store.masterKeyFile() != null && !store.masterKeyFile().isBlank();
    boolean keyEnv = store.masterKeyEnv() != null && !store.masterKeyEnv().isBlank();
    if (!store.configured()) {
      if (keyFile || keyEnv || store.user() != null || store.password() != null) {
        fail("store.dir", "the store has settings but no place (set store.dir for the SQLite file, or store.url,"
            + " e.g. jdbc:postgresql://db.example.com:5432/gatehouse)");
      }
      return;
    }
    String url = store.url() == null || store.url().isBlank() ? null : store.url();
    if (url != null && !url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
      fail("store.url", "must be a jdbc:postgresql: or jdbc:sqlite: URL (e.g."
          + " jdbc:postgresql://db.example.com:5432/gatehouse, or leave it out for gatehouse.db under store.dir)");
    }
    if (keyFile && keyEnv) {
      fail("store.masterKeyEnv", "masterKeyFile and masterKeyEnv are both set (keep one: masterKeyFile for a file"
          + " holding the key, masterKeyEnv for the name of an environment variable holding it in base64)");
    }
    if (keyEnv && !store.masterKeyEnv().matches("[A-Za-z_][A-Za-z0-9_]*")) {
      fail("store.masterKeyEnv", "not an environment variable name (name the variable, e.g. GATEHOUSE_MASTER_KEY,"
          + " not its value)");
    }
    if (keyFile) {
      readableFile("store.masterKeyFile", store.masterKeyFile());
    }
    if (store.postgres()) {
      if (!keyFile && !keyEnv) {
        fail("store.masterKeyFile", "a PostgreSQL store needs a master key every replica shares (set masterKeyFile"
            + " to a file holding 32 bytes in base64, e.g. made with: openssl rand -base64 32, or masterKeyEnv)");
      }
    } else if (store.user() != null || store.password() != null) {
      fail(store.user() != null ? "store.user" : "store.password",
          "only a PostgreSQL store takes a user and password (remove it, or set store.url to a jdbc:postgresql: URL)");
    }
    if (store.maxPoolSize() < 1) {
      fail("store.maxPoolSize", "must be at least 1 (e.g. 4)");
    }
    positive("store.changeLogRetention", store.changeLogRetention(), "e.g. 1h");
  }

  private void checkWebUi(WebUi ui, Listen listen, CodecServer codec) {
    if (!ui.enabled()) {
      return;
    }
    address("webUi.address", ui.address(), true);
    samePort("webUi.address", ui.address(), "listen.grpcAddress", listen.grpcAddress());
    if (listen.httpAddress() != null && !listen.httpAddress().isBlank()) {
      samePort("webUi.address", ui.address(), "listen.httpAddress", listen.httpAddress());
    }
    if (codec.enabled()) {
      samePort("webUi.address", ui.address(), "codecServer.address", codec.address());
    }
    if (ui.assetsDir() == null || ui.assetsDir().isBlank()) {
      fail("webUi.assetsDir", "required: the folder of a Temporal UI build, the one holding index.html "
          + "(e.g. /opt/temporal-ui/dist)");
    }
    Path index;
    try {
      index = Path.of(ui.assetsDir()).resolve("index.html");
    } catch (InvalidPathException e) {
      throw fail("webUi.assetsDir", "not a valid path: " + ConfigText.quoted(ui.assetsDir()));
    }
    if (!Files.isRegularFile(index) || !Files.isReadable(index)) {
      fail("webUi.assetsDir", "no readable index.html in " + ConfigText.quoted(ui.assetsDir())
          + " (point it at the UI build's output folder, e.g. the dist folder of temporalio/ui after pnpm build:server)");
    }
    checkServer("webUi.tls", ui.tls());
    if (ui.tls().hasClientCas() || ui.tls().requireClientAuth()) {
      fail("webUi.tls.clientCaFiles", "client certificates are not used by the Web UI (people sign in with OIDC); "
          + "remove clientCaFiles, clientCaData and requireClientAuth");
    }
    positive("webUi.sessionMaxAge", ui.sessionMaxAge(), "e.g. 8h");
    WebUi.Oidc oidc = ui.oidc();
    if (oidc != null) {
      httpsUrl("webUi.oidc.issuer", oidc.issuer(), "https://accounts.example.com");
      if (oidc.clientId() == null || oidc.clientId().isBlank()) {
        fail("webUi.oidc.clientId", "required: the client id registered with the provider for the Web UI");
      }
      httpsUrl("webUi.oidc.redirectUrl", oidc.redirectUrl(), "https://temporal.example.com/auth/sso/callback");
      if (!URI.create(oidc.redirectUrl()).getPath().endsWith("/auth/sso/callback")) {
        fail("webUi.oidc.redirectUrl", "must end in /auth/sso/callback, the Web UI's callback route "
            + "(e.g. https://temporal.example.com/auth/sso/callback)");
      }
      if (!oidc.scopes().contains("openid")) {
        fail("webUi.oidc.scopes", "must include openid (e.g. [openid, profile, email, offline_access])");
      }
    }
    if (ui.codec().endpoint() != null) {
      httpsUrl("webUi.codec.endpoint", ui.codec().endpoint(), "https://codec.example.com");
    }
  }

  /** An absolute http(s) URL; plain http only for a loopback host. */
  private void httpsUrl(String key, String value, String example) {
    if (value == null || value.isBlank()) {
      fail(key, "required (e.g. " + example + ")");
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw fail(key, "not a URL: " + ConfigText.quoted(value) + " (e.g. " + example + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      fail(key, "not an absolute http(s) URL: " + ConfigText.quoted(value) + " (e.g. " + example + ")");
    }
    if (scheme.equals("http") && !isLoopbackName(uri.getHost())) {
      fail(key, "plain http is only allowed for localhost: " + ConfigText.quoted(value) + " (e.g. " + example + ")");
    }
    if (uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
      fail(key, "must not carry a query, fragment or user info: " + ConfigText.quoted(value));
    }
  }

  private static boolean isLoopbackName(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
  }

  private void checkAudit(Audit audit) {
    if (!audit.on()) {
      return;
    }
    if (audit.dir() == null || audit.dir().isBlank()) {
      fail("audit.dir", "required: the folder for audit segments, their digests and the audit keys "
          + "(or set audit.enabled: false)");
    }
    if (!Set.of("blocking", "buffered").contains(audit.mode())) {
      fail("audit.mode", "must be blocking or buffered, got " + ConfigText.quoted(audit.mode()));
    }
    if (audit.nodeId() != null && !audit.nodeId().matches("[A-Za-z0-9._-]{1,64}")) {
      fail("audit.nodeId", "letters, digits, '.', '_' and '-' only, at most 64 (it names files)");
    }
    if (audit.maxSegmentBytes() < 1024) {
      fail("audit.maxSegmentBytes", "must be at least 1024 (e.g. 67108864 for 64 MiB)");
    }
    positive("audit.maxSegmentAge", audit.maxSegmentAge(), "1h");
    positiveIfSet("audit.retention", audit.retention(), "or remove the key to keep every segment");
    if (audit.queueCapacity() < 1) {
      fail("audit.queueCapacity", "must be positive (e.g. 65536)");
    }
    if (audit.longPollSampleEvery() < 1) {
      fail("audit.longPollSampleEvery", "must be at least 1 (1 records every long poll)");
    }
    readableFile("audit.signingKeyFile", audit.signingKeyFile());
    readableFile("audit.encryptionKeyFile", audit.encryptionKeyFile());
    for (int i = 0; i < audit.rules().size(); i++) {
      AuditPolicyRule r = audit.rules().get(i);
      String key = "audit.rules[" + i + "]";
      if (r.level() == null || !Set.of("none", "metadata", "request").contains(r.level())) {
        fail(key + ".level", "must be none, metadata or request");
      }
      if (r.sampleEvery() < 1) {
        fail(key + ".sampleEvery", "must be at least 1");
      }
      for (String f : r.faces()) {
        if (!Set.of("grpc", "http", "codec", "control").contains(f)) {
          fail(key + ".faces", "unknown face " + ConfigText.quoted(f) + " (grpc, http, codec or control)");
        }
      }
      for (String a : r.access()) {
        if (!Set.of("read", "write", "admin").contains(a)) {
          fail(key + ".access", "unknown access class " + ConfigText.quoted(a) + " (read, write or admin)");
        }
      }
    }
    for (int i = 0; i < audit.sinks().size(); i++) {
      Object type = audit.sinks().get(i).get("type");
      if (!(type instanceof String t) || t.isBlank()) {
        fail("audit.sinks[" + i + "].type", "required: the sink's type (http, syslog, or a plugin's name)");
      }
    }
  }

  private void checkTls(RootTls tls) {
    String root = "global.tls";
    positiveIfSet(root + ".refreshInterval", tls.refreshInterval(), "or remove the key to disable reloading");
    checkExpiration(root + ".expirationChecks", tls.expirationChecks());
    checkGroup(root + ".frontend", tls.frontend());
    checkGroup(root + ".internode", tls.internode());
  }

  private void checkGroup(String key, GroupTls group) {
    String version = group.minVersion();
    if (!version.equals("1.2") && !version.equals("1.3")) {
      fail(key + ".minVersion", "unknown TLS version " + ConfigText.quoted(version)
          + " (use one of 1.2, 1.3, TLSv1.2, TLSv1.3)");
    }
    positiveIfSet(key + ".refreshInterval", group.refreshInterval(), "or remove the key to use global.tls's");
    if (group.expirationChecks() != null) {
      checkExpiration(key + ".expirationChecks", group.expirationChecks());
    }
    checkServer(key + ".server", group.server());
    checkClient(key + ".client", group.client());
    Map<String, String> seen = new HashMap<>();
    for (Map.Entry<String, ServerTls> entry : new TreeMap<>(group.hostOverrides()).entrySet()) {
      String host = entry.getKey();
      String hostKey = key + ".hostOverrides." + host;
      if (!HOST_NAME.matcher(host).matches()) {
        fail(hostKey, "not a host name (key each override by the exact server name clients dial, no wildcards,"
            + " e.g. temporal.example.com)");
      }
      String other = seen.put(host.toLowerCase(Locale.ROOT), host);
      if (other != null) {
        fail(hostKey, "the same host as " + ConfigText.quoted(other)
            + " (host names are case-insensitive; keep one entry)");
      }
      checkServer(hostKey, entry.getValue());
      if (!entry.getValue().hasCertificate()) {
        fail(hostKey, "sets no certificate (an override exists to present another one: set certFile and keyFile,"
            + " or certData and keyData)");
      }
    }
  }

  private void checkServer(String key, ServerTls tls) {
    exclusive(key, "certFile", tls.certFile() != null, "certData", tls.certData() != null);
    exclusive(key, "keyFile", tls.keyFile() != null, "keyData", tls.keyData() != null);
    exclusive(key, "clientCaFiles", !tls.clientCaFiles().isEmpty(), "clientCaData", !tls.clientCaData().isEmpty());
    paired(key, "certFile", tls.certFile() != null, "keyFile", tls.keyFile() != null,
        "the private key file of that certificate");
    paired(key, "certData", tls.certData() != null, "keyData", tls.keyData() != null,
        "the base64 PEM private key of that certificate");
    readableFile(key + ".certFile", tls.certFile());
    readableFile(key + ".keyFile", tls.keyFile());
    readableFiles(key + ".clientCaFiles", tls.clientCaFiles());
    base64(key + ".certData", tls.certData());
    base64(key + ".keyData", tls.keyData());
    base64s(key + ".clientCaData", tls.clientCaData());
    if (tls.requireClientAuth()) {
      if (!tls.hasClientCas()) {
        fail(key + ".requireClientAuth", "requireClientAuth is true but no client CA is set (add clientCaFiles"
            + " or clientCaData with the CA that signs client certificates)");
      }
      if (!tls.hasCertificate()) {
        fail(key + ".requireClientAuth", "requireClientAuth is true but no server certificate is set (add"
            + " certFile and keyFile, or certData and keyData)");
      }
    }
  }

  private void checkClient(String key, ClientTls tls) {
    exclusive(key, "rootCaFiles", !tls.rootCaFiles().isEmpty(), "rootCaData", !tls.rootCaData().isEmpty());
    readableFiles(key + ".rootCaFiles", tls.rootCaFiles());
    base64s(key + ".rootCaData", tls.rootCaData());
  }

  private void checkExpiration(String key, ExpirationChecks checks) {
    positive(key + ".warningWindow", checks.warningWindow(), "e.g. 720h");
    positive(key + ".errorWindow", checks.errorWindow(), "e.g. 168h");
    positive(key + ".checkInterval", checks.checkInterval(), "e.g. 1h");
  }

  private void checkAuthorization(Authorization auth) {
    String key = "global.authorization";
    positive(key + ".jwtKeyProvider.refreshInterval", auth.jwtKeyProvider().refreshInterval(),
        "e.g. 1m; signing keys must be refreshed to follow the issuer's rotation");
    List<String> sources = auth.jwtKeyProvider().keySourceURIs();
    for (int i = 0; i < sources.size(); i++) {
      checkKeySource(key + ".jwtKeyProvider.keySourceURIs[" + i + "]", sources.get(i));
    }
    String[] issuers = auth.jwtKeyProvider().issuerProblem();
    if (issuers != null) {
      fail(key + ".jwtKeyProvider." + issuers[0], issuers[1]);
    }
    if (auth.permissionsRegex() != null) {
      String regexKey = key + ".permissionsRegex";
      Pattern pattern;
      try {
        pattern = auth.permissionsPattern();
      } catch (PatternSyntaxException e) {
        throw fail(regexKey, "not a valid regular expression: " + ConfigText.printable(e.getDescription(), 80)
            + " (e.g. ^(?P<namespace>[\\w-]+):(?P<role>\\w+)$)");
      }
      Map<String, Integer> groups = pattern.namedGroups();
      if (!groups.containsKey("namespace") || !groups.containsKey("role")) {
        fail(regexKey, "needs the named groups namespace and role (e.g. ^(?P<namespace>[\\w-]+):(?P<role>\\w+)$)");
      }
    }
    header(key + ".authHeaderName", auth.authHeaderName());
    header(key + ".authExtraHeaderName", auth.authExtraHeaderName());
  }

  private void checkKeySource(String key, String source) {
    URI uri;
    try {
      uri = new URI(source.strip());
    } catch (URISyntaxException e) {
      throw fail(key, "not a valid URI (e.g. https://idp.example.com/.well-known/jwks.json or file:/etc/jwks.json)");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "https", "http" -> {
        if (uri.getHost() == null) {
          fail(key, "has no host (e.g. https://idp.example.com/.well-known/jwks.json)");
        }
      }
      case "file" -> {
        if (uri.getPath() == null || uri.getPath().isEmpty()) {
          fail(key, "has no path (e.g. file:/etc/gatehouse/jwks.json)");
        }
        readableFile(key, uri.getPath());
      }
      default -> fail(key, "unsupported scheme (use https://, http:// or file:)");
    }
  }

  private void checkListen(Listen listen) {
    if (!Set.of("boringssl", "jdk").contains(listen.tlsEngine())) {
      fail("listen.tlsEngine", "must be boringssl or jdk, got " + ConfigText.quoted(listen.tlsEngine()));
    }
    if (!Set.of("grpc", "frames").contains(listen.forwarder())) {
      fail("listen.forwarder", "must be grpc or frames, got " + ConfigText.quoted(listen.forwarder()));
    }
    address("listen.grpcAddress", listen.grpcAddress(), true);
    if (listen.httpAddress() != null && !listen.httpAddress().isBlank()) {
      address("listen.httpAddress", listen.httpAddress(), true);
      samePort("listen.httpAddress", listen.httpAddress(), "listen.grpcAddress", listen.grpcAddress());
    }
    nonNegative("listen.shutdownGracePeriod", listen.shutdownGracePeriod(), "e.g. 30s; 0 stops at once");
    atLeast("listen.maxHeaderListBytes", listen.maxHeaderListBytes(), 8 * 1024,
        "gRPC's own default; e.g. 65536");
    atLeast("listen.maxConcurrentCallsPerConnection", listen.maxConcurrentCallsPerConnection(), 1, "e.g. 1000");
    atLeast("listen.maxRstFramesPerWindow", listen.maxRstFramesPerWindow(), 1, "e.g. 200");
    Duration window = listen.rstFramesWindow();
    if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.toNanos() % 1_000_000_000L != 0) {
      fail("listen.rstFramesWindow", "must be a whole number of seconds, at least 1s (e.g. 10s)");
    }
  }

  private void atLeast(String key, int value, int minimum, String example) {
    if (value < minimum) {
      fail(key, "must be at least " + minimum + " (" + example + ")");
    }
  }

  private void checkUpstream(Upstream upstream) {
    address("upstream.address", upstream.address(), false);
    positive("upstream.connectTimeout", upstream.connectTimeout(), "e.g. 5s");
  }

  private void checkCodecServer(CodecServer codec, Listen listen) {
    // A disabled codec server (no address) may keep its other keys, so an env file can switch it off by
    // blanking the address alone; nothing else of it is used then.
    if (!codec.enabled()) {
      return;
    }
    address("codecServer.address", codec.address(), true);
    samePort("codecServer.address", codec.address(), "listen.grpcAddress", listen.grpcAddress());
    if (listen.httpAddress() != null && !listen.httpAddress().isBlank()) {
      samePort("codecServer.address", codec.address(), "listen.httpAddress", listen.httpAddress());
    }
    checkServer("codecServer.tls", codec.tls());
    if (codec.maxBodyBytes() <= 0) {
      fail("codecServer.maxBodyBytes", "must be positive (e.g. 4194304 for 4 MiB)");
    }
    if (codec.maxInFlightBodyBytes() < codec.maxBodyBytes()) {
      fail("codecServer.maxInFlightBodyBytes", "must be at least codecServer.maxBodyBytes (e.g. 67108864 for 64 MiB)");
    }
    positive("codecServer.bodyReadTimeout", codec.bodyReadTimeout(), "e.g. 30s");
    for (int i = 0; i < codec.allowedOrigins().size(); i++) {
      String value = codec.allowedOrigins().get(i);
      Matcher m = ORIGIN.matcher(value);
      if (!m.matches() || (m.group(4) != null && !validPort(m.group(4), false))) {
        fail("codecServer.allowedOrigins[" + i + "]", "not an origin (write scheme://host[:port] exactly, no path"
            + " and no wildcard, e.g. http://localhost:8233)");
      }
    }
    readableFile("codecServer.keyringFile", codec.keyringFile());
    for (Map.Entry<String, String> entry : new TreeMap<>(codec.namespaceKeyrings()).entrySet()) {
      String key = "codecServer.namespaceKeyrings." + entry.getKey();
      if (entry.getKey().isBlank()) {
        fail(key, "empty namespace name (key each keyring by its namespace, e.g. payments: /etc/keys/payments.json)");
      }
      if (entry.getValue() == null || entry.getValue().isBlank()) {
        fail(key, "no keyring file given (set the path of this namespace's keyring file)");
      }
      readableFile(key, entry.getValue());
    }
  }

  private void checkHttpApi(HttpApi api, Listen listen, CodecServer codec) {
    // As with the codec server: blanking the address alone switches the HTTP API off.
    if (!api.enabled()) {
      return;
    }
    address("httpApi.address", api.address(), true);
    samePort("httpApi.address", api.address(), "listen.grpcAddress", listen.grpcAddress());
    if (listen.httpAddress() != null && !listen.httpAddress().isBlank()) {
      samePort("httpApi.address", api.address(), "listen.httpAddress", listen.httpAddress());
    }
    if (codec.enabled()) {
      samePort("httpApi.address", api.address(), "codecServer.address", codec.address());
    }
    checkServer("httpApi.tls", api.tls());
    if (!api.tls().hasCertificate() && api.tls().hasClientCas()) {
      fail("httpApi.tls.clientCaFiles", "client CAs are set without a server certificate (set certFile and keyFile,"
          + " or remove httpApi.tls to use the frontend's certificate and client CAs)");
    }
    if (api.maxBodyBytes() <= 0) {
      fail("httpApi.maxBodyBytes", "must be positive (e.g. 4194304 for 4 MiB)");
    }
    if (api.maxInFlightBodyBytes() < api.maxBodyBytes()) {
      fail("httpApi.maxInFlightBodyBytes", "must be at least httpApi.maxBodyBytes (e.g. 67108864 for 64 MiB)");
    }
    positive("httpApi.bodyReadTimeout", api.bodyReadTimeout(), "e.g. 30s");
    for (int i = 0; i < api.allowedOrigins().size(); i++) {
      String value = api.allowedOrigins().get(i);
      Matcher m = ORIGIN.matcher(value);
      if (!m.matches() || (m.group(4) != null && !validPort(m.group(4), false))) {
        fail("httpApi.allowedOrigins[" + i + "]", "not an origin (write scheme://host[:port] exactly, no path"
            + " and no wildcard, e.g. https://ops.example.com)");
      }
    }
    String domain = api.namespaceDomain();
    if (domain != null && (!HOST_NAME.matcher(domain).matches() || domain.endsWith(".") || !domain.contains("."))) {
      fail("httpApi.namespaceDomain", "not a DNS domain: " + ConfigText.quoted(domain)
          + " (e.g. api.temporal.example.com, so that payments.api.temporal.example.com serves namespace payments)");
    }
  }

  // ---- single checks ----

  private void exclusive(String key, String fileKey, boolean fileSet, String dataKey, boolean dataSet) {
    if (fileSet && dataSet) {
      fail(key + "." + dataKey, fileKey + " and " + dataKey + " are both set (keep one: " + fileKey
          + " for a path, " + dataKey + " for base64-encoded PEM)");
    }
  }

  private void paired(String key, String aKey, boolean a, String bKey, boolean b, String bWhat) {
    if (a && !b) {
      fail(key + "." + aKey, aKey + " is set without " + bKey + " (set " + bKey + " to " + bWhat + ")");
    }
    if (b && !a) {
      fail(key + "." + bKey, bKey + " is set without " + aKey + " (set " + aKey
          + " to the certificate that goes with this key)");
    }
  }

  private void readableFiles(String key, List<String> paths) {
    for (int i = 0; i < paths.size(); i++) {
      String path = paths.get(i);
      if (path == null || path.isBlank()) {
        fail(key + "[" + i + "]", "empty path (remove the entry or give a file path)");
      }
      readableFile(key + "[" + i + "]", path);
    }
  }

  private void readableFile(String key, String path) {
    if (path == null) {
      return;
    }
    Path file;
    try {
      file = Path.of(path);
    } catch (InvalidPathException e) {
      throw fail(key, "not a valid path: " + ConfigText.quoted(path) + " (" + FILE_FIX + ")");
    }
    if (!Files.exists(file)) {
      fail(key, "file not found: " + ConfigText.quoted(path) + " (" + FILE_FIX + ")");
    }
    if (!Files.isRegularFile(file)) {
      fail(key, "not a regular file: " + ConfigText.quoted(path) + " (name the file itself, not a directory)");
    }
    if (!Files.isReadable(file)) {
      fail(key, "file not readable: " + ConfigText.quoted(path)
          + " (give the Gatehouse user read permission on it)");
    }
  }

  private void base64s(String key, List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) == null || values.get(i).isBlank()) {
        fail(key + "[" + i + "]", "empty entry (remove it or give base64-encoded PEM)");
      }
      base64(key + "[" + i + "]", values.get(i));
    }
  }

  // Temporal's *Data keys hold base64 of the PEM text; Go's decoder skips line breaks, so we do too. The value may
  // be a private key: it is never part of the message.
  private void base64(String key, String value) {
    if (value == null) {
      return;
    }
    String compact = value.replace("\r", "").replace("\n", "").strip();
    boolean valid;
    try {
      valid = Base64.getDecoder().decode(compact).length > 0;
    } catch (IllegalArgumentException e) {
      valid = false;
    }
    if (!valid) {
      fail(key, "not valid base64 (the *Data keys take base64-encoded PEM, e.g. the output of base64 -w0 file.pem;"
          + " or use the matching *File key for a path)");
    }
  }

  private void positiveIfSet(String key, Duration value, String alternative) {
    if (value != null && (value.isZero() || value.isNegative())) {
      fail(key, "must be a positive duration (e.g. 30s, " + alternative + ")");
    }
  }

  private void positive(String key, Duration value, String example) {
    if (value == null || value.isZero() || value.isNegative()) {
      fail(key, "must be a positive duration (" + example + ")");
    }
  }

  private void nonNegative(String key, Duration value, String example) {
    if (value == null || value.isNegative()) {
      fail(key, "must not be negative (" + example + ")");
    }
  }

  private void header(String key, String name) {
    if (!HEADER_NAME.matcher(name).matches() || name.toLowerCase(Locale.ROOT).endsWith("-bin")) {
      fail(key, "not a valid gRPC metadata key (use letters, digits, '-', '_' and '.', e.g. authorization)");
    }
  }

  private void address(String key, String value, boolean listening) {
    String problem = HostPort.problem(value, listening);
    if (problem != null) {
      fail(key, problem + ": " + ConfigText.quoted(value) + " (use host:port, e.g. "
          + (listening ? "0.0.0.0:7233, or :0 for any free port" : "temporal-frontend:7233") + ")");
    }
  }

  private void samePort(String key, String address, String otherKey, String other) {
    HostPort a = HostPort.parse(address);
    HostPort b = HostPort.parse(other);
    if (a != null && b != null && a.port() != 0 && a.port() == b.port()
        && (a.host().equalsIgnoreCase(b.host()) || a.anyHost() || b.anyHost())) {
      fail(key, "uses the same port as " + otherKey + " (give each listener its own port)");
    }
  }

  private static boolean validPort(String digits, boolean allowZero) {
    try {
      int port = Integer.parseInt(digits);
      return port <= 65535 && (allowZero ? port >= 0 : port >= 1);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The socket address of a validated {@code host:port} value: an empty host means all interfaces. For an address
   * to dial, a host name is left unresolved so it is looked up when dialled, not once at start.
   */
  public static InetSocketAddress socketAddress(String hostPort, boolean listening) {
    HostPort hp = HostPort.parse(hostPort);
    if (hp == null) {
      throw new IllegalArgumentException("not a validated host:port address");
    }
    if (hp.host().isEmpty()) {
      return new InetSocketAddress(hp.port());
    }
    boolean literal = IPV6.matcher(hp.host()).matches() && (hp.host().contains(":") || hp.host().matches("[0-9.]+"));
    return literal || listening ? new InetSocketAddress(hp.host(), hp.port()) : InetSocketAddress.createUnresolved(hp.host(), hp.port());
  }

  private ConfigException fail(String key, String problem) {
    throw new ConfigException(origin.fileOf(key), key, problem);
  }

  /** A {@code host:port} pair; {@code host} is empty for "all interfaces" and unbracketed for IPv6. */
  record HostPort(String host, int port) {
    boolean anyHost() {
      return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
    }

    static HostPort parse(String value) {
      return problem(value, true) == null ? split(value) : null;
    }

    /** Why {@code value} is not a usable address, or {@code null} if it is. */
    static String problem(String value, boolean listening) {
      if (value == null || value.isBlank()) {
        return "empty address";
      }
      if (value.contains("://")) {
        return "an address, not a URL, is expected (drop the scheme)";
      }
      if (!value.equals(value.strip()) || value.chars().anyMatch(Character::isWhitespace)) {
        return "contains spaces";
      }
      HostPort hp = split(value);
      if (hp == null) {
        String tail = value.substring(value.lastIndexOf(':') + 1);
        if (value.indexOf(':') != value.lastIndexOf(':') && !value.startsWith("[")) {
          return "an IPv6 address must be in brackets, e.g. [::1]:7233";
        }
        boolean digits = !tail.isEmpty() && tail.chars().allMatch(c -> c >= '0' && c <= '9');
        return digits && (tail.length() > 5 || Integer.parseInt(tail) > 65535) ? "port out of range" : "not host:port";
      }
      if (hp.host.isEmpty() && !listening) {
        return "no host";
      }
      if (!hp.host.isEmpty() && !HOST_NAME.matcher(hp.host).matches() && !IPV6.matcher(hp.host).matches()) {
        return "not a valid host";
      }
      if (hp.port < 0 || (!listening && hp.port == 0)) {
        return listening ? "invalid port" : "port must be 1-65535";
      }
      return null;
    }

    private static HostPort split(String value) {
      String host;
      String port;
      if (value.startsWith("[")) {
        int close = value.indexOf(']');
        if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
          return null;
        }
        host = value.substring(1, close);
        if (!IPV6.matcher(host).matches() || !host.contains(":")) {
          return null;
        }
        port = value.substring(close + 2);
      } else {
        int colon = value.lastIndexOf(':');
        if (colon < 0 || value.indexOf(':') != colon) {
          return null;
        }
        host = value.substring(0, colon);
        port = value.substring(colon + 1);
      }
      if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int number = Integer.parseInt(port);
      return number > 65535 ? null : new HostPort(host, number);
    }
  }
}
