package dev.gatehouse.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;

/** Resolves {@code global.authorization.claimMapper} and {@code authorizer} names to instances. */
final class Plugins {
  static final String CLAIM_MAPPER_KEY = "global.authorization.claimMapper";
  static final String AUTHORIZER_KEY = "global.authorization.authorizer";
  static final String API_KEY = "apiKey";
  static final String NAMESPACE_CERTIFICATES = "namespaceCertificates";

  private Plugins() {}

  static ClaimMapper claimMapper(PluginContext context, ClassLoader loader) {
    return claimMapper(context, loader, null);
  }

  /**
   * The mapper {@code claimMapper} names: {@code a, b} asks {@code a} then {@code b} ({@link ClaimMappers#firstOf});
   * {@code a+b} requires both ({@link ClaimMappers#allOf}); {@code +} binds tighter, so {@code apiKey, default+mtls}
   * is "an API key, else a token and a certificate". With store identities, a value that names neither
   * {@code apiKey} nor {@code namespaceCertificates} is asked after them.
   */
  static ClaimMapper claimMapper(PluginContext context, ClassLoader loader, StoreIdentities identities) {
    String value = context.authorization().claimMapper();
    String[] alternatives = value.split(",", -1);
    List<String> allNames = new ArrayList<>();
    for (String alt : alternatives) {
      for (String n : alt.split("\\+", -1)) {
        allNames.add(n.strip());
      }
    }
    boolean namesStore = allNames.contains(API_KEY) || allNames.contains(NAMESPACE_CERTIFICATES);
    List<ClaimMapper> chosen = new ArrayList<>();
    try {
      if (identities != null && !namesStore) {
        chosen.add(identities.apiKeyMapper());
        chosen.add(identities.namespaceCertificateMapper());
      }
      List<String> seen = new ArrayList<>();
      for (String alt : alternatives) {
        String term = alt.strip();
        if (term.isEmpty() || (alternatives.length > 1 && term.equals("noop")) || seen.contains(term)) {
          throw context.configError(CLAIM_MAPPER_KEY, "'" + value + "': list distinct claim mappers with ',' "
              + "(the first that identifies the caller), e.g. apiKey, default (noop cannot be listed)");
        }
        seen.add(term);
        chosen.add(allOf(term, value, context, loader, identities));
      }
    } catch (RuntimeException e) {
      chosen.forEach(ClaimMapper::close);
      throw e;
    }
    return chosen.size() == 1 ? chosen.get(0) : new FirstOfClaimMapper(chosen);
  }

  private static ClaimMapper allOf(String term, String value, PluginContext context, ClassLoader loader,
      StoreIdentities identities) {
    String[] parts = term.split("\\+", -1);
    if (parts.length == 1) {
      return oneClaimMapper(term, context, loader, identities);
    }
    List<String> names = new ArrayList<>();
    List<ClaimMapper> mappers = new ArrayList<>();
    try {
      for (String part : parts) {
        String name = part.strip();
        if (name.isEmpty() || name.equals("noop") || names.contains(name)) {
          throw context.configError(CLAIM_MAPPER_KEY, "'" + value + "': join distinct claim mappers with '+', "
              + "e.g. default+mtls (noop cannot be joined)");
        }
        names.add(name);
        mappers.add(oneClaimMapper(name, context, loader, identities));
      }
    } catch (RuntimeException e) {
      mappers.forEach(ClaimMapper::close);
      throw e;
    }
    return new AllOfClaimMapper(mappers, names);
  }

  private static ClaimMapper oneClaimMapper(String name, PluginContext context, ClassLoader loader,
      StoreIdentities identities) {
    return switch (name) {
      case API_KEY, NAMESPACE_CERTIFICATES -> {
        if (identities == null) {
          throw context.configError(CLAIM_MAPPER_KEY, "claim mapper '" + name + "' reads identities from the "
              + "store; configure store (store.dir or store.url) or remove it");
        }
        yield name.equals(API_KEY) ? identities.apiKeyMapper() : identities.namespaceCertificateMapper();
      }
      case "default" -> new JwtClaimMapper(context);
      case "mtls" -> new MtlsClaimMapper(
          context.authorization().certificateRules(), context.origin(), context.tls(), context.scheduler());
      case "noop" -> NoopClaimMapper.INSTANCE;
      default -> {
        ClaimMapperProvider p = find(ClaimMapperProvider.class, ClaimMapperProvider::name, name, loader,
            context, CLAIM_MAPPER_KEY, "claim mapper", "default, mtls, noop, apiKey, namespaceCertificates");
        ClaimMapper m = p.create(context);
        if (m == null) {
          throw context.configError(CLAIM_MAPPER_KEY, "plugin '" + name + "' created no claim mapper");
        }
        yield m;
      }
    };
  }

  static Authorizer authorizer(PluginContext context, ClassLoader loader) {
    String name = context.authorization().authorizer();
    return switch (name) {
      case "default" -> DefaultAuthorizer.INSTANCE;
      case "noop" -> NoopAuthorizer.INSTANCE;
      default -> {
        AuthorizerProvider p = find(AuthorizerProvider.class, AuthorizerProvider::name, name, loader,
            context, AUTHORIZER_KEY, "authorizer", "default, noop");
        Authorizer a = p.create(context);
        if (a == null) {
          throw context.configError(AUTHORIZER_KEY, "plugin '" + name + "' created no authorizer");
        }
        yield a;
      }
    };
  }

  private static <P> P find(
      Class<P> type, Function<P, String> nameOf, String wanted, ClassLoader loader, PluginContext context, String key,
      String what, String builtIns) {
    List<P> matches = new ArrayList<>();
    List<String> available = new ArrayList<>();
    for (P p : ServiceLoader.load(type, loader)) {
      String n = nameOf.apply(p);
      available.add(n);
      if (wanted.equals(n) || wanted.equals(p.getClass().getName())) {
        matches.add(p);
      }
    }
    if (matches.isEmpty()) {
      throw context.configError(key, "unknown " + what + " '" + wanted + "' (built-in: " + builtIns
          + "; plugins found: " + (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
    }
    if (matches.size() > 1) {
      throw context.configError(key, "more than one " + what + " plugin is named '" + wanted + "'");
    }
    return matches.get(0);
  }
}
