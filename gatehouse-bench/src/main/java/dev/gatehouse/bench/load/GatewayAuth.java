package dev.gatehouse.bench.load;

import java.util.Locale;

/**
 * How a gateway of the load run decides who may call: both keep mTLS on both legs, they differ in the claim mapper.
 */
enum GatewayAuth {
  /** Claim mapper {@code mtls}: the dev client certificate maps to {@code default:write}. */
  MTLS("gateway", Report.GATEWAY_MTLS),
  /** Claim mapper {@code default}: a bearer JWT (RS256, JWKS from a file) carries {@code default:write}. */
  JWT("gateway-jwt", Report.GATEWAY_JWT);

  private final String process;
  private final String target;

  GatewayAuth(String process, String target) {
    this.process = process;
    this.target = target;
  }

  /** The name on the command line and in {@link GatewayMain}'s arguments. */
  String argument() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The child process's name: its log and JFR files are named after it. */
  String process() {
    return process;
  }

  /** The row in the report. */
  String target() {
    return target;
  }

  static GatewayAuth of(String argument) {
    for (GatewayAuth a : values()) {
      if (a.argument().equals(argument)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown gateway authorization " + argument + " (mtls or jwt)");
  }
}
