package dev.gatehouse.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
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
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** Real signing keys and real JWTs for tests. Ed25519 signs with the JDK, since Nimbus's signer needs Tink. */
final class TestKeys {
  private TestKeys() {}

  /** A key that can sign, and its public JWK. */
  record SigningKey(String kid, JWSAlgorithm alg, JWSSigner signer, JWK publicJwk) {
    String token(Consumer<JWTClaimsSet.Builder> claims) {
      return TestKeys.token(this, alg, kid, claims);
    }
  }

  static SigningKey rsa(String kid) {
    try {
      RSAKey k = new RSAKeyGenerator(2048).keyID(kid).generate();
      return new SigningKey(kid, JWSAlgorithm.RS256, new RSASSASigner(k), k.toPublicJWK());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static SigningKey ec(String kid) {
    try {
      ECKey k = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
      return new SigningKey(kid, JWSAlgorithm.ES256, new ECDSASigner(k), k.toPublicJWK());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static SigningKey ed25519(String kid) {
    try {
      KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] spki = kp.getPublic().getEncoded();
      byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
      OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build();
      return new SigningKey(kid, JWSAlgorithm.EdDSA, new JdkEd25519Signer(kp.getPrivate()), jwk);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String jwks(SigningKey... keys) {
    return new JWKSet(Arrays.stream(keys).map(SigningKey::publicJwk).toList()).toString();
  }

  /** Claims valid now: sub, exp in an hour, iat now. */
  static JWTClaimsSet.Builder validClaims(Instant now) {
    return new JWTClaimsSet.Builder()
        .subject("alice@example.com")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(3600)));
  }

  static String token(SigningKey key, JWSAlgorithm alg, String kid, Consumer<JWTClaimsSet.Builder> claims) {
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
    claims.accept(b);
    JWSHeader.Builder h = new JWSHeader.Builder(alg).type(JOSEObjectType.JWT);
    if (kid != null) {
      h.keyID(kid);
    }
    SignedJWT jwt = new SignedJWT(h.build(), b.build());
    try {
      jwt.sign(key.signer());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  static String hmacToken(String kid, byte[] secret, Consumer<JWTClaimsSet.Builder> claims) {
    try {
      JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
      claims.accept(b);
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), b.build());
      jwt.sign(new MACSigner(secret));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> perms(String... p) {
    return List.of(p);
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
