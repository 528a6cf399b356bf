package dev.gatehouse.audit;

import java.util.List;

/**
 * Which calls are recorded and how much of each: ordered {@link AuditRule}s, the first match wins (Kubernetes'
 * audit policy model); a call no rule matches is recorded at {@link AuditLevel#METADATA}.
 *
 * <p>Two rules hold whatever the rules say, because a security team relies on them: a refused call is always
 * recorded, at least at metadata level, and never sampled; and sampling is decided by the call's id, so a call's
 * decision and completion records are kept or skipped together.
 */
public final class AuditPolicy {
  /** How many long polls the default policy samples one of. */
  public static final int DEFAULT_LONG_POLL_SAMPLE_EVERY = 100;

  private final List<AuditRule> rules;
  private final AuditRule.Compiled[] compiled;

  private AuditPolicy(List<AuditRule> rules) {
    this.rules = List.copyOf(rules);
    this.compiled = this.rules.stream().map(AuditRule.Compiled::of).toArray(AuditRule.Compiled[]::new);
  }

  /** A policy of {@code rules}, in order. */
  public static AuditPolicy of(List<AuditRule> rules) {
    return new AuditPolicy(rules);
  }

  /**
   * The default: long polls ({@code Poll*TaskQueue}) allowed are sampled one in {@code longPollSampleEvery}; every
   * other call, every refusal and every codec-server request at metadata level.
   */
  public static AuditPolicy defaults(int longPollSampleEvery) {
    return new AuditPolicy(List.of(
        new AuditRule(List.of("Poll*TaskQueue"), List.of("grpc", "http"), null, null, null, AuditLevel.METADATA,
            longPollSampleEvery),
        AuditRule.all(AuditLevel.METADATA)));
  }

  public List<AuditRule> rules() {
    return rules;
  }

  /** The level {@code call} is recorded at ({@link AuditLevel#NONE}: not at all). */
  public AuditLevel levelOf(AuditEvent call) {
    boolean refused = call.refused();
    for (AuditRule.Compiled c : compiled) {
      if (!c.matches(call)) {
        continue;
      }
      AuditRule r = c.rule();
      if (refused) {
        return r.level() == AuditLevel.NONE ? AuditLevel.METADATA : r.level();
      }
      if (r.level() == AuditLevel.NONE || !sampled(call.callId(), r.sampleEvery())) {
        return AuditLevel.NONE;
      }
      return r.level();
    }
    return AuditLevel.METADATA;
  }

  private static boolean sampled(String callId, int every) {
    return every == 1 || Math.floorMod(callId.hashCode() * 0x9E3779B9, every) == 0;
  }
}
