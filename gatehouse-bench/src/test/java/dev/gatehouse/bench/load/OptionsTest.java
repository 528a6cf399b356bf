package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void defaultsGiveTheDocumentedRun() {
    LoadHarness.Options o = LoadHarness.Options.parse(new String[0]);
    assertThat(o.rounds).isEqualTo(4);
    assertThat(o.calls).isEqualTo(5000);
    assertThat(o.threads).isEqualTo(16);
    assertThat(o.nginx).isTrue();
    assertThat(o.nginxWorkers).isEqualTo("auto");
    assertThat(o.results).isEqualTo(Path.of("gatehouse-bench", "results"));
    assertThat(o.auth).containsExactly(GatewayAuth.MTLS, GatewayAuth.JWT);
    assertThat(o.payload).isEqualTo(Workload.DESCRIBE);
  }

  @Test
  void payloadPicksTheCall() {
    assertThat(LoadHarness.Options.parse(new String[] {"--payload", "64k"}).payload).isEqualTo(Workload.HISTORY_64K);
    assertThat(LoadHarness.Options.parse(new String[] {"--payload=2k"}).payload).isEqualTo(Workload.START_2K);
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--payload", "10m"}))
        .hasMessageContaining("--payload takes");
  }

  @Test
  void authChoosesOneGatewayOrBoth() {
    assertThat(LoadHarness.Options.parse(new String[] {"--auth", "mtls"}).auth).containsExactly(GatewayAuth.MTLS);
    assertThat(LoadHarness.Options.parse(new String[] {"--auth=jwt"}).auth).containsExactly(GatewayAuth.JWT);
    assertThat(LoadHarness.Options.parse(new String[] {"--auth", "jwt", "--auth", "both"}).auth)
        .containsExactly(GatewayAuth.MTLS, GatewayAuth.JWT);
    assertThat(GatewayAuth.MTLS.target()).isEqualTo("gateway (mtls)");
    assertThat(GatewayAuth.JWT.target()).isEqualTo("gateway (jwt)");
  }

  @Test
  void takesValuesWithSpaceOrEqualsAndRepeatsJvmOptions() {
    LoadHarness.Options o = LoadHarness.Options.parse(new String[] {"--rounds=2", "--calls", "100", "--no-nginx",
        "--gateway-jvm", "-Xmx256m", "--gateway-jvm=-XX:+UseSerialGC", "--compare-gateway", "old=/tmp/old.jar"});
    assertThat(o.rounds).isEqualTo(2);
    assertThat(o.calls).isEqualTo(100);
    assertThat(o.nginx).isFalse();
    assertThat(o.gatewayJvm).containsExactly("-Xmx256m", "-XX:+UseSerialGC");
    assertThat(o.compareGateways).containsEntry("old", "/tmp/old.jar");
    assertThat(o.commandLine()).startsWith("--rounds=2 --calls 100");
  }

  @Test
  void refusesWhatItCannotRun() {
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--rounds", "0"}))
        .hasMessageContaining("--rounds takes a positive whole number");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--calls"}))
        .hasMessageContaining("missing value for --calls");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--bogus", "1"}))
        .hasMessageContaining("unknown option --bogus");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--nginx-workers", "many"}))
        .hasMessageContaining("--nginx-workers");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--compare-gateway", "gateway=/x.jar"}))
        .hasMessageContaining("NAME=CLASSPATH");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--compare-gateway", "gateway-jwt=/x.jar"}))
        .hasMessageContaining("NAME=CLASSPATH");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--auth", "MTLS"}))
        .hasMessageContaining("--auth takes mtls, jwt or both, not MTLS");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--auth", "none"}))
        .hasMessageContaining("--auth takes mtls, jwt or both");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--auth"}))
        .hasMessageContaining("missing value for --auth");
  }

  @Test
  void gatewayVariantsTakeANameAndJvmOptions() {
    LoadHarness.Options o = LoadHarness.Options.parse(new String[] {
        "--gateway-variant", "serial=-XX:+UseSerialGC -XX:+UseCompactObjectHeaders", "--gateway-variant=coh=-XX:+UseCompactObjectHeaders"});
    assertThat(o.gatewayVariants).containsOnlyKeys("serial", "coh");
    assertThat(o.gatewayVariants.get("serial")).containsExactly("-XX:+UseSerialGC", "-XX:+UseCompactObjectHeaders");
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--gateway-variant", "direct=-Xmx1g"}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LoadHarness.Options.parse(new String[] {"--gateway-variant", "novalue="}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
