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
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.AuthenticationException;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.JwtKeyProvider;
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
   * one is identified by its client certificate with {@code mtls}'s rules. The caller closes it.
   */
  public ClaimMapper claimMapper(Authorization mtls) {
    AccessController jwt = AccessController.builder(new Authorization(
        new JwtKeyProvider(List.of(jwks.toUri().toString()), null), null, null, "default", "default", null, null,
        null)).build();
    try {
      return new TokenOrCertificate(jwt, AccessController.builder(mtls).build());
    } catch (RuntimeException e) {
      jwt.close();
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

  /** Either credential identifies; the token wins when both are sent. */
  private static final class TokenOrCertificate implements ClaimMapper {
    private final AccessController jwt;
    private final AccessController mtls;

    TokenOrCertificate(AccessController jwt, AccessController mtls) {
      this.jwt = jwt;
      this.mtls = mtls;
    }

    @Override
    public Claims getClaims(AuthInfo authInfo) throws AuthenticationException {
      if (authInfo.authToken() != null && !authInfo.authToken().isBlank()) {
        return jwt.claimMapper().getClaims(authInfo);
      }
      return mtls.claimMapper().getClaims(authInfo);
    }

    @Override
    public void close() {
      jwt.close();
      mtls.close();
    }

    @Override
    public String toString() {
      return "dev (bearer token from " + JWKS_FILE + ", else mtls)";
    }
  }
}
