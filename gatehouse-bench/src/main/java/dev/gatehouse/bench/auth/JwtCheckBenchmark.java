package dev.gatehouse.bench.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.auth.AccessCheck;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.JwtKeyProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The full {@link AccessController#check} with the default JWT claim mapper: bearer parsing, signature verification
 * (RS256 2048-bit, ES256, EdDSA/Ed25519 through the JDK), claim checks, permissions, default authorizer. With
 * {@code cache=false} every call verifies the signature ({@code tokenCacheSize: 0}); with {@code cache=true} the
 * same token is looked up by its SHA-256, as for a client that reuses its token.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JwtCheckBenchmark {
  private static final String START = "/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution";

  @Param({"RS256", "ES256", "EdDSA"})
  public String alg;

  @Param({"false", "true"})
  public boolean cache;

  private Path dir;
  private AccessController controller;
  private AuthInfo info;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    JWK publicJwk;
    JWSSigner signer;
    JWSAlgorithm jwsAlg;
    switch (alg) {
      case "RS256" -> {
        RSAKey k = new RSAKeyGenerator(2048).keyID("k1").generate();
        publicJwk = k.toPublicJWK();
        signer = new RSASSASigner(k);
        jwsAlg = JWSAlgorithm.RS256;
      }
      case "ES256" -> {
        ECKey k = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        publicJwk = k.toPublicJWK();
        signer = new ECDSASigner(k);
        jwsAlg = JWSAlgorithm.ES256;
      }
      default -> {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = kp.getPublic().getEncoded();
        publicJwk = new OctetKeyPair.Builder(Curve.Ed25519,
            Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length))).keyID("k1").build();
        signer = new JdkEd25519Signer(kp.getPrivate());
        jwsAlg = JWSAlgorithm.EdDSA;
      }
    }
    dir = Files.createTempDirectory("gatehouse-bench-jwks");
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(publicJwk).toString());

    Authorization config = new Authorization(new JwtKeyProvider(List.of(jwks.toUri().toString()),
        Duration.ofHours(1)), null, null, "default", "default", null, null, "gatehouse", null, false, false, null,
        null, cache ? 10_000 : 0);
    controller = AccessController.create(config, null);

    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject("alice@example.com")
        .issuer("https://idp.example.com")
        .audience("gatehouse")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(2))))
        .claim("permissions", List.of("orders:write", "billing:read", "payments:read"))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(jwsAlg).keyID("k1").build(), claims);
    jwt.sign(signer);
    info = new AuthInfo("Bearer " + jwt.serialize(), null, null, null, null);
    if (!controller.check(info, START, "orders", null).allowed()) {
      throw new IllegalStateException("benchmark token is not accepted");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    controller.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public AccessCheck check() {
    return controller.check(info, START, "orders", null);
  }

  private static final class JdkEd25519Signer implements JWSSigner {
    private final PrivateKey key;
    private final JCAContext jca = new JCAContext();

    JdkEd25519Signer(PrivateKey key) {
      this.key = key;
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
      try {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(signingInput);
        return Base64URL.encode(s.sign());
      } catch (GeneralSecurityException e) {
        throw new JOSEException(e.getMessage(), e);
      }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return jca;
    }
  }
}
