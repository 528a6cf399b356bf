package dev.gatehouse.pipeline;

import java.util.Locale;

/** Which of Gatehouse's faces a call came in through; audit records and metrics name it. */
public enum Face {
  /** The gRPC data plane (SDKs, CLI, Web UI server). */
  GRPC,
  /** Temporal's HTTP API. */
  HTTP,
  /** The codec server ({@code /encode}, {@code /decode}). */
  CODEC,
  /** The control plane (Cloud Ops API). */
  CONTROL;

  /** The lower-case name used in records and metric tags. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
