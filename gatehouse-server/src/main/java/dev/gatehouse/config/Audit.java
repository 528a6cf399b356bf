package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The audit log ({@code audit}). Present, it is on unless {@code enabled: false}; absent, the library runs without
 * one (and says so at start), while {@code gatehouse start} refuses a configuration that does not decide.
 *
 * @param enabled default true when the section is present
 * @param mode {@code blocking} (default: a call is forwarded only once its record is durable) or {@code buffered}
 * @param nodeId this gateway's id in records and file names; default the host name
 * @param dir the folder of the file sink's segments and digests, and of the signing key and salt when they are
 *     made here; required
 * @param maxSegmentBytes seal a segment at this size; default 64 MiB
 * @param maxSegmentAge seal a segment at this age; default 1h
 * @param retention delete sealed segments whose last record is older; default keep
 * @param stdout also write records to standard output
 * @param queueCapacity records that may wait for the writer; default 65536
 * @param longPollSampleEvery the default policy records one allowed long poll in this many; default 100
 * @param signingKeyFile an Ed25519 PKCS#8 PEM key to sign digests with; default one made in {@code dir}
 * @param rules the policy, first match wins; default: every call at metadata level, long polls sampled
 * @param sinks remote sinks ({@code type: http|syslog} and their settings)
 * @param encryptionKeyFile a base64 32-byte key (owner-only file) to encrypt segments with AES-256-GCM; default
 *     plaintext
 */
public record Audit(
    Boolean enabled,
    String mode,
    String nodeId,
    String dir,
    Long maxSegmentBytes,
    Duration maxSegmentAge,
    Duration retention,
    boolean stdout,
    Integer queueCapacity,
    Integer longPollSampleEvery,
    String signingKeyFile,
    List<AuditPolicyRule> rules,
    List<Map<String, Object>> sinks,
    String encryptionKeyFile) {
  /** No {@code audit} section. */
  public static final Audit ABSENT =
      new Audit(false, null, null, null, null, null, null, false, null, null, null, null, null, null);

  public Audit {
    enabled = enabled == null || enabled;
    mode = mode == null || mode.isBlank() ? "blocking" : mode;
    maxSegmentBytes = maxSegmentBytes == null ? 64L << 20 : maxSegmentBytes;
    maxSegmentAge = maxSegmentAge == null ? Duration.ofHours(1) : maxSegmentAge;
    queueCapacity = queueCapacity == null ? 65_536 : queueCapacity;
    longPollSampleEvery = longPollSampleEvery == null ? 100 : longPollSampleEvery;
    rules = rules == null ? List.of() : List.copyOf(rules);
    sinks = sinks == null ? List.of() : List.copyOf(sinks);
  }

  /** Whether an {@code audit} section turned the log on. */
  public boolean on() {
    return enabled;
  }

  /** An audit log in {@code dir} with every default. */
  public static Audit inDirectory(String dir) {
    return new Audit(true, null, null, dir, null, null, null, false, null, null, null, null, null, null);
  }
}
