package dev.gatehouse.dev;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.AuthenticationException;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.auth.ClaimMappers;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.GroupTls;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.config.RootTls;
import dev.gatehouse.config.ServerTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Dev mode's bearer tokens. The Temporal CLI ({@code --codec-auth}) and the Web UI cannot present the dev client
 * certificate to the codec server, so dev mode also accepts JWTs signed by a key kept in the dev directory
 * ({@code dev-jwt-key.json}, mode 0600; its public half in {@code dev-jwks.json}), and prints one.
 */
public final class DevTokens {
  public static final String SUBJECT = "dev-user";
  private static final String KEY_FILE = "dev-jwt-key.json";
  private static final String JWKS_FILE = "dev-jwks.json";

  private final ECKey key;
  private final Path jwks;

  private DevTokens(ECKey key, Path jwks) {
    this.key = key;
    this.jwks = jwks;
  }

  /** The signing key in {@code dir}, made on first use and reused after, so printed tokens outlive a restart. */
  public static DevTokens ensure(Path dir) {
    Path keyFile = dir.resolve(KEY_FILE);
    Path jwks = dir.resolve(JWKS_FILE);
    try {
      ECKey key = null;
      if (Files.exists(keyFile)) {
        try {
          key = ECKey.parse(Files.readString(keyFile, StandardCharsets.UTF_8));
        } catch (ParseException e) {
          key = null;
        }
      }
      if (key == null || !key.isPrivate()) {
        key = new ECKeyGenerator(Curve.P_256).keyID("gatehouse-dev-" + UUID.randomUUID()).generate();
        writeOwnerOnly(keyFile, key.toJSONString());
      }
      writeOwnerOnly(jwks, new JWKSet(key.toPublicJWK()).toString());
      return new DevTokens(key, jwks);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up dev tokens in " + dir, e);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the dev token key", e);
    }
  }

  /** A token for {@value #SUBJECT}, system admin (like the dev-worker certificate), valid for {@code validity}. */
  public String mint(Duration validity) {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(SUBJECT)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(validity)))
        .claim("permissions", List.of("temporal-system:admin"))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
        .type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign the dev token", e);
    }
    return jwt.serialize();
  }

  /**
   * Dev mode's claim mapper: a bearer token is checked against the dev key ({@code default} mapper), a call without
   * one is identified by its client certificate with {@code mtls}'s certificate rules. A token that fails is refused,
   * whatever certificate comes with it. The caller closes it.
   */
  public ClaimMapper claimMapper(Authorization mtls) {
    // Built before Gatehouse exists, so it cannot borrow Gatehouse's scheduler; the thread goes with the mapper.
    ScheduledExecutorService keyRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-dev-tokens");
      t.setDaemon(true);
      return t;
    });
    try {
      Authorization jwt = new Authorization(new JwtKeyProvider(List.of(jwks.toUri().toString()), null), null, null,
          "default", "default", null, null, null);
      ClaimMapper token = ClaimMappers.jwt(PluginContext.builder(jwt).scheduler(keyRefresh).build());
      ClaimMapper certificate;
      try {
        // The rules trust the dev CA, the frontend's client CA in dev mode, beside the key.
        RootTls tls = new RootTls(new GroupTls(new ServerTls(null, null, null, null,
            List.of(jwks.resolveSibling("ca.pem").toString()), null, false), null, null, null, null, null),
            null, null, null);
        certificate = ClaimMappers.certificateRules(
            PluginContext.builder(mtls).scheduler(keyRefresh).tls(tls).build());
      } catch (RuntimeException e) {
        token.close();
        throw e;
      }
      return new DevClaimMapper(ClaimMappers.firstOf(token, certificate), keyRefresh);
    } catch (RuntimeException e) {
      keyRefresh.shutdownNow();
      throw e;
    }
  }

  private static void writeOwnerOnly(Path file, String text) throws IOException {
    Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
    try {
      if (Files.getFileAttributeView(temp, PosixFileAttributeView.class) != null) {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      }
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The token-else-certificate mapper, and the thread refreshing the dev key, which stops with it. */
  private record DevClaimMapper(ClaimMapper mappers, ScheduledExecutorService keyRefresh) implements ClaimMapper {
    @Override
    public Claims getClaims(AuthInfo authInfo) throws AuthenticationException {
      return mappers.getClaims(authInfo);
    }

    @Override
    public boolean authInfoRequired() {
      return mappers.authInfoRequired();
    }

    @Override
    public void close() {
      try {
        mappers.close();
      } finally {
        keyRefresh.shutdownNow();
      }
    }

    @Override
    public String toString() {
      return "dev (bearer token from " + JWKS_FILE + ", else mtls)";
    }
  }
}
