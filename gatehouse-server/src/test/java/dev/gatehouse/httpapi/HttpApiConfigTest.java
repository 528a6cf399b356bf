package dev.gatehouse.httpapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.auth.AccessController;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.ConfigValidator;
import dev.gatehouse.config.HttpApi;
import dev.gatehouse.config.LoadedConfig;
import dev.gatehouse.pipeline.CallPipeline;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The httpApi section as an operator writes it in YAML, and what the HTTP API refuses to start with. */
class HttpApiConfigTest {
  static LoadedConfig yaml(String text) {
    return ConfigLoader.parse(text, "api.yaml");
  }

  static void refused(String text, String key, String hint) {
    assertThatThrownBy(() -> ConfigValidator.validate(yaml(text)))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.key()).as(e.getMessage()).isEqualTo(key);
          assertThat(e.getMessage()).contains("api.yaml").contains(hint).doesNotContain("\n").containsPattern("\\(.+\\)");
        });
  }

  @Test
  void everyKeyBindsFromYaml() {
    LoadedConfig loaded = yaml("""
        httpApi:
          address: 127.0.0.1:0
          allowedOrigins: [https://ops.example.com]
          allowCredentials: true
          maxBodyBytes: 1048576
          maxInFlightBodyBytes: 8388608
          bodyReadTimeout: 10s
          namespaceDomain: api.temporal.example.com
        """);
    ConfigValidator.validate(loaded);
    HttpApi api = loaded.config().httpApi();
    assertThat(api.enabled()).isTrue();
    assertThat(api.allowedOrigins()).containsExactly("https://ops.example.com");
    assertThat(api.allowCredentials()).isTrue();
    assertThat(api.maxBodyBytes()).isEqualTo(1048576L);
    assertThat(api.maxInFlightBodyBytes()).isEqualTo(8388608L);
    assertThat(api.bodyReadTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(api.namespaceDomain()).isEqualTo("api.temporal.example.com");
  }

  @Test
  void theDefaultsAreSafe() {
    HttpApi api = new HttpApi("127.0.0.1:0");
    assertThat(api.tls().hasCertificate()).as("the frontend's material is used").isFalse();
    assertThat(api.allowedOrigins()).isEmpty();
    assertThat(api.allowCredentials()).isFalse();
    assertThat(api.maxBodyBytes()).isEqualTo(4L * 1024 * 1024);
    assertThat(api.namespaceDomain()).isNull();
    assertThat(HttpApi.DISABLED.enabled()).isFalse();
  }

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir;

  @Test
  void badValuesNameTheirKey() throws Exception {
    java.nio.file.Path ca = java.nio.file.Files.writeString(dir.resolve("ca.pem"), "not checked before the cert");
    refused("httpApi:\n  address: nowhere\n", "httpApi.address", "host:port");
    refused("listen:\n  grpcAddress: 127.0.0.1:7233\nhttpApi:\n  address: 127.0.0.1:7233\n", "httpApi.address",
        "same port");
    refused("httpApi:\n  address: 127.0.0.1:0\n  maxBodyBytes: 0\n", "httpApi.maxBodyBytes", "positive");
    refused("httpApi:\n  address: 127.0.0.1:0\n  maxBodyBytes: 100\n  maxInFlightBodyBytes: 10\n",
        "httpApi.maxInFlightBodyBytes", "at least");
    refused("httpApi:\n  address: 127.0.0.1:0\n  bodyReadTimeout: 0s\n", "httpApi.bodyReadTimeout", "positive");
    refused("httpApi:\n  address: 127.0.0.1:0\n  allowedOrigins: ['*']\n", "httpApi.allowedOrigins[0]",
        "not an origin");
    refused("httpApi:\n  address: 127.0.0.1:0\n  namespaceDomain: 'bad domain'\n", "httpApi.namespaceDomain",
        "not a DNS domain");
    refused("httpApi:\n  address: 127.0.0.1:0\n  tls:\n    clientCaFiles: [" + ca + "]\n",
        "httpApi.tls.clientCaFiles", "without a server certificate");
    refused("httpApi:\n  address: 127.0.0.1:0\n  unknownKey: 1\n", "httpApi.unknownKey", "unknown key");
  }

  @Test
  void plainHttpIsRefusedOffLoopback() {
    LoadedConfig loaded = yaml("httpApi:\n  address: 0.0.0.0:0\n");
    AccessController access = AccessController.builder(Authorization.DEFAULT).build();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    try {
      assertThatThrownBy(() -> HttpApiServer.builder(loaded.config().httpApi(), CallPipeline.builder(access).build(),
              channel).fileOfKey(loaded.origin()::fileOf).build())
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
              .contains("httpApi.tls.certFile").contains("api.yaml").contains("loopback"));
    } finally {
      channel.shutdownNow();
      access.close();
    }
  }
}
