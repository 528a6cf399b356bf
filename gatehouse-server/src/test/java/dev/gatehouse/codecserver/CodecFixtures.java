package dev.gatehouse.codecserver;

import com.google.protobuf.ByteString;
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
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.JwtKeyProvider;
import dev.gatehouse.tls.IssuedCertificate;
import io.temporal.api.common.v1.Payload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Real JWTs over a file JWKS, real TLS clients and Web-UI-shaped requests for the codec server tests. */
final class CodecFixtures {
  private CodecFixtures() {}

  /** An ES256 signing key whose public half is published as a JWKS file. */
  record Signer(ECKey key, Path jwks) {
    static Signer create(Path dir) throws IOException {
      try {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("codec-test").generate();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        return new Signer(key, jwks);
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Temporal's default claim mapper and authorizer over this key's JWKS. */
    Authorization authorization() {
      return new Authorization(new JwtKeyProvider(List.of(jwks.toUri().toString()), Duration.ofMinutes(5)),
          null, null, "default", "default", null, null, null);
    }

    /** A bearer header value for {@code subject} holding {@code permissions}, valid for ten minutes. */
    String bearer(String subject, String... permissions) {
      Instant now = Instant.now();
      JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).issueTime(Date.from(now))
          .expirationTime(Date.from(now.plusSeconds(600))).claim("permissions", List.of(permissions)).build();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
          .type(JOSEObjectType.JWT).build(), claims);
      try {
        jwt.sign(new ECDSASigner(key));
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
      return "Bearer " + jwt.serialize();
    }
  }

  /** An HTTP/1.1 client trusting {@code ca}, presenting {@code identity} when it is not {@code null}. */
  static HttpClient client(X509Certificate ca, IssuedCertificate identity) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (identity != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", identity.privateKey(), new char[0], identity.chain().toArray(Certificate[]::new));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
    }
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  static X509Certificate certificate(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  static HttpClient plainClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * A POST shaped like the Web UI's ({@code Content-Type: application/json}, {@code X-Namespace}, and
   * {@code Authorization} when a bearer is given).
   */
  static HttpResponse<String> post(HttpClient client, URI url, String namespace, String bearer, String body,
      Map<String, String> extraHeaders) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (namespace != null) {
      b.header("X-Namespace", namespace);
    }
    if (bearer != null) {
      b.header("Authorization", bearer);
    }
    extraHeaders.forEach(b::header);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Payload json(String text) {
    return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFromUtf8(text)).build();
  }

  static String encoding(Payload p) {
    return p.getMetadataOrDefault("encoding", ByteString.EMPTY).toStringUtf8();
  }

  static String data(Payload p) {
    return p.getData().toString(StandardCharsets.UTF_8);
  }
}
