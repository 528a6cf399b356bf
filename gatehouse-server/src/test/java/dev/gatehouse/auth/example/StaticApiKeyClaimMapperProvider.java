package dev.gatehouse.auth.example;

import dev.gatehouse.auth.AuthInfo;
import dev.gatehouse.auth.AuthenticationException;
import dev.gatehouse.auth.ClaimMapper;
import dev.gatehouse.auth.ClaimMapperProvider;
import dev.gatehouse.auth.Claims;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.auth.Role;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/**
 * Example plugin: a claim mapper for static API keys, registered in
 * {@code META-INF/services/dev.gatehouse.auth.ClaimMapperProvider} and selected with
 * {@code claimMapper: example-api-keys}. Keys are held only as SHA-256 hashes, and answered from memory: a claim
 * mapper runs on an event loop and must not block. Refused keys are counted in the context's meter registry.
 */
public final class StaticApiKeyClaimMapperProvider implements ClaimMapperProvider {
  /** The one key this example knows; a real plugin would load hashes from its own store. */
  public static final String ORDERS_WRITER_KEY = "gh_example_orders_writer_key";

  @Override
  public String name() {
    return "example-api-keys";
  }

  @Override
  public ClaimMapper create(PluginContext context) {
    Counter refused = Counter.builder("example.api_keys.refused").register(context.meterRegistry());
    Map<String, Claims> byHash = Map.of(sha256(ORDERS_WRITER_KEY),
        new Claims("svc-orders", Role.UNDEFINED, Map.of("orders", Role.WRITER), "api-key", Map.of()));
    return new ClaimMapper() {
      @Override
      public Claims getClaims(AuthInfo info) throws AuthenticationException {
        String header = info.authToken();
        if (header == null) {
          return Claims.anonymous();
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
          throw new AuthenticationException("expected a Bearer API key");
        }
        Claims c = byHash.get(sha256(header.substring(7)));
        if (c == null) {
          refused.increment();
          throw new AuthenticationException("unknown API key");
        }
        return c;
      }

      @Override
      public String toString() {
        return "example-api-keys";
      }
    };
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
