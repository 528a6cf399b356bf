package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ApiKeySecretsTest {
  private final ApiKeySecrets secrets = new ApiKeySecrets(bytes(32, 1));

  @Test
  void aGeneratedKeyHasTheRecognisableFormatAndParsesBackToItsHash() {
    String keyId = ApiKeySecrets.newKeyId();
    assertThat(keyId).matches("[a-z2-7]{20}");
    ApiKeySecrets.NewApiKey key = secrets.generate(keyId);
    assertThat(key.token()).matches("ghk_[a-z2-7]{20}_[A-Za-z0-9_-]{43}").startsWith("ghk_" + keyId + "_");
    ApiKeySecrets.ParsedApiKey parsed = secrets.parse(key.token()).orElseThrow();
    assertThat(parsed.keyId()).isEqualTo(keyId);
    assertThat(parsed.secret()).hasSize(32);
    assertThat(MessageDigest.isEqual(secrets.hash(parsed.secret()), key.secretHash())).isTrue();
    assertThat(key.toString()).doesNotContain(key.token().substring(25));
    assertThat(parsed.toString()).doesNotContain(key.token().substring(25));
    assertThat(secrets.generate(keyId).token()).as("a new secret each time").isNotEqualTo(key.token());
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(ApiKeySecrets.newKeyId());
    }
    assertThat(ids).hasSize(1000);
  }

  @Test
  void theHashIsKeyedByTheInstallationsSecret() {
    byte[] secret = bytes(32, 9);
    ApiKeySecrets other = new ApiKeySecrets(bytes(32, 2));
    assertThat(secrets.hash(secret)).hasSize(32).isEqualTo(secrets.hash(secret)).isNotEqualTo(other.hash(secret));
    assertThatThrownBy(() -> new ApiKeySecrets(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> secrets.generate("NOT-A-KEY-ID")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void malformedTokensParseToNothing() {
    String good = secrets.generate(ApiKeySecrets.newKeyId()).token();
    String secretPart = good.substring(25);
    List<String> bad = new ArrayList<>(List.of(
        "", "ghk_", "Bearer " + good, good + "A", good.substring(1), good.substring(0, good.length() - 1),
        "ghx_" + good.substring(4), good.toUpperCase(java.util.Locale.ROOT),
        good.substring(0, 24) + "-" + secretPart,
        "ghk_" + "a".repeat(19) + "1_" + secretPart,
        "ghk_" + "a".repeat(20) + "_" + "A".repeat(42) + "=",
        "ghk_" + "a".repeat(20) + "_" + "A".repeat(42) + "+",
        "ghk_" + "a".repeat(20) + "_" + "A".repeat(42) + "B", // spare bits set: not the canonical spelling
        "ghk_" + "a".repeat(20) + "_" + "A".repeat(41) + " A",
        "ghk_" + "a".repeat(20) + "_" + "é".repeat(43),
        "x".repeat(100_000)));
    bad.add(null);
    for (String token : bad) {
      assertThat(secrets.parse(token)).as("%s", token == null ? "null" : token.substring(0, Math.min(80,
          token.length()))).isEmpty();
    }
    assertThat(secrets.parse("ghk_" + "a".repeat(20) + "_" + "A".repeat(42) + "A")).isPresent();
  }

  @Test
  void hashingIsSafeFromManyThreads() throws Exception {
    byte[] secret = bytes(32, 3);
    byte[] expected = secrets.hash(secret);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < 5_000; i++) {
            if (!MessageDigest.isEqual(secrets.hash(secret), expected)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
