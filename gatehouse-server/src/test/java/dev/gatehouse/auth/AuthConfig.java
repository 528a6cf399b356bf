package dev.gatehouse.auth;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.CertificateRule;
import dev.gatehouse.config.JwtKeyProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds {@link Authorization} records for tests without positional noise. */
final class AuthConfig {
  List<String> keySourceUris = new ArrayList<>();
  List<String> issuers = new ArrayList<>();
  Duration refreshInterval = Duration.ofMinutes(1);
  String permissionsClaimName;
  String permissionsRegex;
  String authorizer = "default";
  String claimMapper = "default";
  String audience;
  List<CertificateRule> certificateRules = new ArrayList<>();
  boolean exposeDenialReason;
  boolean propagatePrincipal;
  Duration clockSkew;
  Integer maxTokenSize;
  Integer tokenCacheSize;

  AuthConfig keys(String... uris) {
    keySourceUris.addAll(List.of(uris));
    return this;
  }

  Authorization build() {
    return new Authorization(new JwtKeyProvider(keySourceUris, refreshInterval, issuers), permissionsClaimName,
        permissionsRegex, authorizer, claimMapper, null, null, audience, certificateRules, exposeDenialReason,
        propagatePrincipal, clockSkew, maxTokenSize, tokenCacheSize);
  }
}
