package dev.gatehouse.store;

import java.util.List;

/**
 * A namespace and how it may be reached. Cloud's {@code namespace.v1.Namespace} with its spec.
 *
 * @param name the namespace's name (also its id)
 * @param acceptedClientCa the PEM bundle of CAs whose client certificates this namespace accepts; empty for none
 * @param certificateFilters filters a client certificate must pass (any one of them); empty accepts every
 *     certificate from the accepted CAs
 * @param mtlsAuth whether client certificates authenticate calls in this namespace
 * @param apiKeyAuth whether API keys authenticate calls in this namespace
 * @param codecServer the Web UI's codec settings, or {@code null}
 * @param retentionDays workflow history retention, passed upstream
 * @param meta store metadata
 */
public record Namespace(
    String name,
    String acceptedClientCa,
    List<CertificateFilter> certificateFilters,
    boolean mtlsAuth,
    boolean apiKeyAuth,
    CodecServerSpec codecServer,
    int retentionDays,
    Meta meta) implements Entity {
  public Namespace {
    acceptedClientCa = acceptedClientCa == null ? "" : acceptedClientCa;
    certificateFilters = certificateFilters == null ? List.of() : List.copyOf(certificateFilters);
    meta = meta == null ? Meta.NEW : meta;
  }

  @Override
  public String id() {
    return name;
  }

  @Override
  public String uniqueName() {
    return name;
  }

  @Override
  public Namespace withMeta(Meta meta) {
    return new Namespace(name, acceptedClientCa, certificateFilters, mtlsAuth, apiKeyAuth, codecServer,
        retentionDays, meta);
  }
}
