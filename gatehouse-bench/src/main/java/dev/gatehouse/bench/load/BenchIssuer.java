package dev.gatehouse.bench.load;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The identity provider of the load run: an RS256 key made for the run, its public half as a JWKS file the JWT
 * gateway reads, and the bearer token every call through that gateway carries. The private key never leaves
 * this process.
 *
 * <p>One token is reused for as long as it is fresh, as a worker reuses its token; it is replaced at half its
 * lifetime so a run of any length never sends an expired one.
 */
final class BenchIssuer {
  static final String KEY_ID = "gatehouse-bench";
  static final String SUBJECT = "bench-client";
  static final Duration LIFETIME = Duration.ofHours(1);
  /** What the token grants: the same role the mTLS gateway gives the dev client certificate. */
  static final List<String> PERMISSIONS = List.of("default:write");

  private final Path jwks;
  private final JWSSigner signer;
  private final Clock clock;
  private volatile Minted current;

  private record Minted(String header, Instant renewAt) {}

  private BenchIssuer(Path jwks, JWSSigner signer, Clock clock) {
    this.jwks = jwks;
    this.signer = signer;
    this.clock = clock;
  }

  /** Makes a 2048-bit RSA key and writes its public JWKS to {@code jwks}. */
  static BenchIssuer create(Path jwks, Clock clock) {
    try {
      RSAKey key = new RSAKeyGenerator(2048).keyID(KEY_ID).generate();
      Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
      return new BenchIssuer(jwks, new RSASSASigner(key), clock);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot make the bench signing key", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JWKS file holding the public key. */
  Path jwks() {
    return jwks;
  }

  /** {@code Bearer <token>}: the value of the {@code authorization} header, the same one while it is fresh. */
  String authorizationHeader() {
    Minted m = current;
    if (m == null || !clock.instant().isBefore(m.renewAt)) {
      m = renew();
    }
    return m.header;
  }

  private synchronized Minted renew() {
    Instant now = clock.instant();
    Minted m = current;
    if (m != null && now.isBefore(m.renewAt)) {
      return m;
    }
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(SUBJECT)
        .audience(BenchCluster.AUDIENCE)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(LIFETIME)))
        .claim("permissions", PERMISSIONS)
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KEY_ID).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign the bench token", e);
    }
    m = new Minted("Bearer " + jwt.serialize(), now.plus(LIFETIME.dividedBy(2)));
    current = m;
    return m;
  }
}
