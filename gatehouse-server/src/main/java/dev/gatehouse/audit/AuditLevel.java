package dev.gatehouse.audit;

/** How much of a call a record holds, as in Kubernetes' audit policy. */
public enum AuditLevel {
  /** No record. Never applied to a refused call. */
  NONE,
  /** Who, what, where, the decision and the outcome; no request content. */
  METADATA,
  /** Metadata plus the request, each payload replaced by its size and salted HMAC-SHA256. */
  REQUEST;

  /** The configuration spelling ({@code none}, {@code metadata}, {@code request}). */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
