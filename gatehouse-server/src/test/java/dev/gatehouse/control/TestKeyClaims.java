package dev.gatehouse.control;

import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.AuthenticationException;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.Role;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.User;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * TEST-ONLY: API keys and their claims for the control plane's own tests, reading the store per call, in the
 * claims shape the identity contract gives ({@code gatehouse.*} extensions). The gateway's real mapper is the
 * identity branch's {@code StoreIdentities}; the end-to-end test uses that one.
 */
final class TestKeyClaims implements ClaimMapper, ApiKeyIssuer {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final AccountStore store;
  private final Clock clock;

  TestKeyClaims(AccountStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public IssuedKey issue() {
    byte[] id = new byte[10];
    byte[] secret = new byte[16];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    String keyId = HexFormat.of().formatHex(id);
    String secretText = HexFormat.of().formatHex(secret);
    return new IssuedKey(keyId, "tk_" + keyId + "_" + secretText, sha256(secretText));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Claims getClaims(AuthInfo info) throws AuthenticationException {
    String header = info.authToken();
    if (header == null || !header.startsWith("Bearer tk_")) {
      throw new AuthenticationException("no API key");
    }
    String[] parts = header.substring("Bearer tk_".length()).split("_", 2);
    if (parts.length != 2) {
      throw new AuthenticationException("malformed API key");
    }
    ApiKey key = store.apiKeys().get(parts[0]).orElseThrow(() -> new AuthenticationException("unknown API key"));
    byte[] hash = store.apiKeySecretHash(key.id()).orElseThrow(() -> new AuthenticationException("unknown"));
    if (!MessageDigest.isEqual(hash, sha256(parts[1]))) {
      throw new AuthenticationException("wrong API key");
    }
    if (key.disabled() || !key.expiry().isAfter(clock.instant())) {
      throw new AuthenticationException("API key disabled or expired");
    }
    Access access;
    String type;
    String name;
    if (key.ownerType() == OwnerType.USER) {
      User u = store.users().get(key.ownerId()).orElseThrow(() -> new AuthenticationException("owner deleted"));
      Map<String, NamespacePermission> ns = new HashMap<>(u.access().namespaces());
      store.snapshot().userGroups().stream().filter(g -> g.memberIds().contains(u.id()))
          .forEach(g -> g.access().namespaces().forEach((k, v) -> ns.merge(k, v, NamespacePermission::max)));
      access = new Access(u.access().accountRole(), ns);
      type = "user";
      name = u.email();
    } else {
      ServiceAccount s = store.serviceAccounts().get(key.ownerId())
          .orElseThrow(() -> new AuthenticationException("owner deleted"));
      access = s.scopedNamespace() != null ? new Access(AccountRole.NONE, Map.of(s.scopedNamespace(),
          s.scopedPermission())) : s.access();
      type = "service-account";
      name = s.name();
    }
    Map<String, Role> roles = new HashMap<>();
    access.namespaces().forEach((ns, p) -> roles.put(ns, switch (p) {
      case READ -> Role.READER;
      case WRITE -> Role.WRITER;
      case ADMIN -> Role.ADMIN;
    }));
    boolean admin = access.accountRole() == AccountRole.OWNER || access.accountRole() == AccountRole.ADMIN;
    Map<String, Object> ext = new HashMap<>();
    ext.put("gatehouse.principalType", type);
    ext.put("gatehouse.principalId", key.ownerId());
    ext.put("gatehouse.principalName", name);
    ext.put("gatehouse.accountRole", access.accountRole().name());
    ext.put("gatehouse.apiKeyId", key.id());
    ext.put("gatehouse.namespacePermissions", Map.copyOf(access.namespaces()));
    return new Claims(key.ownerId(), admin ? Role.ADMIN : Role.UNDEFINED, roles, "api-key", ext);
  }
}
